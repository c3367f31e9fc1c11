import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import ImagesCopyDialog from './ImagesCopyDialog.svelte';
import { tasks } from '$lib/stores/tasks.svelte';
import { mockApi } from '$test/mock-api';
import { knownEngine } from '$test/engines';

describe('ImagesCopyDialog', () => {
  it('offers every engine but the connected one, unreachable ones disabled with the reason', async () => {
    mockApi.enginesKnown.mockResolvedValue([
      knownEngine({ name: 'here', connected: true }),
      knownEngine({
        name: 'lab',
        reachable: false,
        kind: null,
        version: null,
        error: {
          code: 504,
          message: 'x',
          kind: { type: 'engine_probe_timeout', host: 'tcp://127.0.0.1:9', seconds: 3 },
        },
      }),
      knownEngine({ name: 'podman', kind: 'podman', version: '4.3.1' }),
    ]);
    render(ImagesCopyDialog, { references: ['app:1'], onclose: vi.fn() });
    const rows = await screen.findAllByTestId('copy-engine');
    expect(rows.map((r) => r.dataset.name)).toEqual(['lab', 'podman']);
    const lab = rows[0].querySelector('input')!;
    expect(lab).toBeDisabled();
    expect(rows[0]).toHaveTextContent('did not answer within 3 s');
    // The first engine that answers is chosen.
    expect(rows[1].querySelector('input')).toBeChecked();
    expect(screen.getByTestId('copy-confirm')).toBeEnabled();
  });

  it('copies as a task named after the destination and closes', async () => {
    mockApi.enginesKnown.mockResolvedValue([
      knownEngine({ name: 'here', connected: true }),
      knownEngine({ name: 'podman', kind: 'podman' }),
    ]);
    const onclose = vi.fn();
    render(ImagesCopyDialog, { references: ['app:1', 'db:2'], onclose });
    expect(screen.getByTestId('copy-what')).toHaveTextContent('2 images: app:1, db:2');
    await screen.findAllByTestId('copy-engine');
    await userEvent.click(screen.getByTestId('copy-confirm'));
    await vi.waitFor(() =>
      expect(mockApi.imagesCopy).toHaveBeenCalledWith(
        'Copy app:1, db:2 to podman',
        ['app:1', 'db:2'],
        'podman',
        null,
      ),
    );
    expect(onclose).toHaveBeenCalled();
    // The result names the images as the destination does.
    await vi.waitFor(() =>
      expect(tasks.items[0].result).toBe('localhost/app:1, localhost/db:2 → podman'),
    );
    expect(tasks.items[0].kind).toBe('copy');
  });

  it('says when there is no other engine, and copies nothing', async () => {
    mockApi.enginesKnown.mockResolvedValue([knownEngine({ name: 'here', connected: true })]);
    render(ImagesCopyDialog, { references: ['app:1'], onclose: vi.fn() });
    expect(await screen.findByTestId('copy-none')).toHaveTextContent('There is no other engine');
    expect(screen.getByTestId('copy-confirm')).toBeDisabled();
  });

  it('shows why the engines could not be listed', async () => {
    mockApi.enginesKnown.mockRejectedValue({ code: 500, message: 'boom' });
    render(ImagesCopyDialog, { references: ['app:1'], onclose: vi.fn() });
    expect(await screen.findByTestId('copy-error')).toHaveTextContent('boom');
  });

  it("copies from the rows' own engine in All engines, offering every other engine", async () => {
    mockApi.enginesKnown.mockResolvedValue([
      knownEngine({ name: 'here', connected: true }),
      knownEngine({ name: 'lab' }),
      knownEngine({ name: 'podman', kind: 'podman' }),
    ]);
    render(ImagesCopyDialog, { references: ['app:1'], engine: 'lab', onclose: vi.fn() });
    const rows = await screen.findAllByTestId('copy-engine');
    // The source (lab) is not a destination; the current engine is.
    expect(rows.map((r) => r.getAttribute('data-name'))).toEqual(['here', 'podman']);
    await userEvent.click(screen.getByTestId('copy-confirm'));
    await vi.waitFor(() =>
      expect(mockApi.imagesCopy).toHaveBeenCalledWith(
        'Copy app:1 to here',
        ['app:1'],
        'here',
        'lab',
      ),
    );
  });
});
