import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { locale } from 'svelte-i18n';
import AppSettingsDialog from './AppSettingsDialog.svelte';
import { settings } from '$lib/stores/settings.svelte';
import { appSettings, mockApi } from '$test/mock-api';
import { knownEngine } from '$test/engines';
import { view } from '$lib/stores/view.svelte';

async function field(): Promise<HTMLInputElement> {
  const input = (await screen.findByTestId('settings-stall-timeout')) as HTMLInputElement;
  await vi.waitFor(() => expect(input).toBeEnabled());
  return input;
}

async function setStall(text: string) {
  const input = await field();
  await userEvent.clear(input);
  if (text) await userEvent.type(input, text);
}

describe('AppSettingsDialog', () => {
  it('shows the stall timeout the backend keeps, 120 s by default, with its limits', async () => {
    render(AppSettingsDialog, { onclose: vi.fn() });
    const input = await field();
    await vi.waitFor(() => expect(input).toHaveValue(120));
    expect(input).toHaveAttribute('min', '1');
    expect(input).toHaveAttribute('max', '3600');
    expect(screen.getByTestId('settings-dialog')).toHaveTextContent('Default 120; 1 to 3600.');
    // Nothing changed yet: nothing to save.
    expect(screen.getByTestId('settings-save')).toBeDisabled();
  });

  it('keeps a new stall timeout in the backend and says it is in use', async () => {
    render(AppSettingsDialog, { onclose: vi.fn() });
    await setStall('30');
    await userEvent.click(screen.getByTestId('settings-save'));
    expect(mockApi.settingsSetStallTimeout).toHaveBeenCalledWith(30);
    expect(await screen.findByTestId('settings-saved')).toHaveTextContent('Saved');
    expect(settings.current?.stall_timeout_secs).toBe(30);
    // Opened again (a projection of the backend's file): the kept value.
    expect(await mockApi.settingsGet()).toEqual(appSettings(30));
  });

  it('refuses what the backend would refuse, before sending it', async () => {
    render(AppSettingsDialog, { onclose: vi.fn() });
    for (const bad of ['0', '3601']) {
      await setStall(bad);
      await userEvent.click(screen.getByTestId('settings-save'));
      expect(screen.getByTestId('settings-stall-problem')).toHaveTextContent(
        'Choose 1 to 3600 seconds.',
      );
    }
    await setStall('');
    await userEvent.click(screen.getByTestId('settings-save'));
    expect(screen.getByTestId('settings-stall-problem')).toHaveTextContent('whole number');
    expect(mockApi.settingsSetStallTimeout).not.toHaveBeenCalled();
  });

  it('shows the backend’s sentence when keeping the setting fails', async () => {
    mockApi.settingsSetStallTimeout.mockRejectedValueOnce({
      code: 409,
      message: 'Another Slipway process has held settings.json.lock for more than 5.0 seconds',
    });
    render(AppSettingsDialog, { onclose: vi.fn() });
    await setStall('45');
    await userEvent.click(screen.getByTestId('settings-save'));
    expect(await screen.findByTestId('settings-error')).toHaveTextContent('settings.json.lock');
    expect(screen.queryByTestId('settings-saved')).toBeNull();
  });

  it('speaks Chinese', async () => {
    locale.set('zh-CN');
    render(AppSettingsDialog, { onclose: vi.fn() });
    await field();
    expect(screen.getByRole('heading', { level: 2 })).toHaveTextContent('设置');
    expect(screen.getByTestId('settings-dialog')).toHaveTextContent('停滞超时');
  });

  it('lists the engines added by hand and opens the engine dialog to add or edit one', async () => {
    mockApi.enginesKnown.mockResolvedValue([
      knownEngine({ name: 'lab', source: 'manual', host: 'tcp://127.0.0.1:2376' }),
      knownEngine({ name: 'ctx', source: 'docker_context' }),
    ]);
    const onclose = vi.fn();
    render(AppSettingsDialog, { onclose });
    const rows = await screen.findAllByTestId('settings-engine');
    expect(rows.map((r) => r.dataset.name)).toEqual(['lab']);
    await userEvent.click(screen.getByTestId('settings-engine-edit'));
    expect(view.engineEdit?.engine).toMatchObject({ name: 'lab', host: 'tcp://127.0.0.1:2376' });
    expect(onclose).toHaveBeenCalled();
    await userEvent.click(screen.getByTestId('settings-add-engine'));
    expect(view.engineEdit).toEqual({ engine: null });
    view.engineEdit = null;
  });

  it('closes on request', async () => {
    const onclose = vi.fn();
    render(AppSettingsDialog, { onclose });
    await userEvent.click(screen.getByTestId('settings-close'));
    expect(onclose).toHaveBeenCalled();
  });
});
