import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import EngineUnavailable from './EngineUnavailable.svelte';
import { engine } from '$lib/stores/engine.svelte';
import { mockApi } from '$test/mock-api';
import { disconnectedStatus } from '$test/fixtures';

const tried =
  'No engine answered. Tried unix:///var/run/docker.sock (no such file), unix:///run/podman/podman.sock (permission denied)';

describe('EngineUnavailable', () => {
  it('says what was tried', () => {
    engine.status = disconnectedStatus(tried);
    render(EngineUnavailable);
    expect(screen.getByTestId('engine-unavailable')).toHaveTextContent('No container engine');
    expect(screen.getByTestId('engine-error')).toHaveTextContent(tried);
  });

  it('retries', async () => {
    engine.status = disconnectedStatus(tried);
    render(EngineUnavailable);
    await userEvent.click(screen.getByTestId('retry'));
    expect(mockApi.engineRetry).toHaveBeenCalledTimes(1);
    expect(engine.connected).toBe(true);
  });

  it('connects to a typed engine URL', async () => {
    engine.status = disconnectedStatus(tried);
    render(EngineUnavailable);
    const connect = screen.getByTestId('connect');
    expect(connect).toBeDisabled();
    await userEvent.type(screen.getByTestId('engine-url'), 'tcp://127.0.0.1:2375');
    await userEvent.click(connect);
    expect(mockApi.engineChoose).toHaveBeenCalledWith('tcp://127.0.0.1:2375');
  });

  it('connects on Enter in the URL field', async () => {
    engine.status = disconnectedStatus(tried);
    render(EngineUnavailable);
    await userEvent.type(screen.getByTestId('engine-url'), 'unix:///tmp/d.sock{Enter}');
    expect(mockApi.engineChoose).toHaveBeenCalledWith('unix:///tmp/d.sock');
  });

  it('goes back to automatic', async () => {
    engine.status = disconnectedStatus(tried);
    render(EngineUnavailable);
    await userEvent.click(screen.getByTestId('automatic'));
    expect(mockApi.engineChoose).toHaveBeenCalledWith(null);
  });

  it('says when --host decided the engine', () => {
    engine.status = { ...disconnectedStatus(tried), source: 'flag' };
    render(EngineUnavailable);
    expect(screen.getByTestId('engine-unavailable')).toHaveTextContent('--host');
  });

  it('offers the usual engine addresses', async () => {
    engine.status = disconnectedStatus(tried);
    engine.candidates = ['unix:///var/run/docker.sock', 'unix:///run/podman/podman.sock'];
    render(EngineUnavailable);
    await userEvent.click(screen.getByRole('button', { name: 'unix:///run/podman/podman.sock' }));
    expect(screen.getByTestId('engine-url')).toHaveValue('unix:///run/podman/podman.sock');
  });
});
