import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import EngineEditDialog from './EngineEditDialog.svelte';
import { mockApi } from '$test/mock-api';

const picked = vi.hoisted(() => ({ path: '/certs/ca.pem' as string | null }));
vi.mock('$lib/dialogs', () => ({ pickFile: vi.fn(async () => picked.path) }));

describe('EngineEditDialog', () => {
  it('renders nothing while closed', () => {
    render(EngineEditDialog, { open: false, onclose: vi.fn() });
    expect(screen.queryByTestId('engine-edit-dialog')).not.toBeInTheDocument();
  });

  it('adds an engine with a TLS file picked with the file dialog', async () => {
    const onclose = vi.fn();
    const onsaved = vi.fn();
    render(EngineEditDialog, { open: true, onclose, onsaved });
    expect(screen.getByTestId('engine-edit-save')).toBeDisabled();
    await userEvent.type(screen.getByTestId('engine-edit-name'), ' lab ');
    await userEvent.type(screen.getByTestId('engine-edit-url'), 'tcp://127.0.0.1:2376');
    await userEvent.click(screen.getByTestId('engine-browse-ca'));
    await vi.waitFor(() =>
      expect(screen.getByTestId('engine-file-ca')).toHaveValue('/certs/ca.pem'),
    );
    await userEvent.click(screen.getByTestId('engine-edit-save'));
    await vi.waitFor(() =>
      expect(mockApi.engineAdd).toHaveBeenCalledWith({
        name: 'lab',
        host: 'tcp://127.0.0.1:2376',
        tls: { ca: '/certs/ca.pem', cert: null, key: null, skip_verify: false },
        identity: null,
      }),
    );
    expect(onsaved).toHaveBeenCalledWith(expect.objectContaining({ name: 'lab' }));
    expect(onclose).toHaveBeenCalled();
  });

  it('sends no TLS settings when none are given, and an ssh identity', async () => {
    render(EngineEditDialog, { open: true, onclose: vi.fn() });
    await userEvent.type(screen.getByTestId('engine-edit-name'), 'build');
    await userEvent.type(screen.getByTestId('engine-edit-url'), 'ssh://me@127.0.0.1:2222');
    await userEvent.type(screen.getByTestId('engine-file-identity'), '/keys/id_ed25519');
    await userEvent.click(screen.getByTestId('engine-edit-save'));
    await vi.waitFor(() =>
      expect(mockApi.engineAdd).toHaveBeenCalledWith({
        name: 'build',
        host: 'ssh://me@127.0.0.1:2222',
        tls: null,
        identity: '/keys/id_ed25519',
      }),
    );
  });

  it("shows the backend's refusal in the user's words and stays open", async () => {
    mockApi.engineAdd.mockRejectedValueOnce({
      code: 409,
      message: 'x',
      kind: { type: 'engine_name_in_use', name: 'default', host: 'unix:///run/docker.sock' },
    });
    const onclose = vi.fn();
    render(EngineEditDialog, { open: true, onclose });
    await userEvent.type(screen.getByTestId('engine-edit-name'), 'default');
    await userEvent.type(screen.getByTestId('engine-edit-url'), 'unix:///tmp/d.sock');
    await userEvent.click(screen.getByTestId('engine-edit-save'));
    const error = await screen.findByTestId('engine-edit-error');
    expect(error).toHaveTextContent('"default" is already the name of an engine Slipway found');
    expect(onclose).not.toHaveBeenCalled();
  });

  it('edits under the old name (renames allowed) and removes', async () => {
    const engine = {
      name: 'lab',
      host: 'tcp://127.0.0.1:2376',
      tls: { ca: '/c/ca.pem', cert: null, key: null, skip_verify: true },
      identity: null,
    };
    const onsaved = vi.fn();
    const { unmount } = render(EngineEditDialog, { open: true, engine, onclose: vi.fn(), onsaved });
    expect(screen.getByTestId('engine-edit-name')).toHaveValue('lab');
    expect(screen.getByTestId('engine-file-ca')).toHaveValue('/c/ca.pem');
    expect(screen.getByTestId('engine-tls-skip-verify')).toBeChecked();
    await userEvent.clear(screen.getByTestId('engine-edit-name'));
    await userEvent.type(screen.getByTestId('engine-edit-name'), 'lab2');
    await userEvent.click(screen.getByTestId('engine-edit-save'));
    await vi.waitFor(() =>
      expect(mockApi.engineEdit).toHaveBeenCalledWith('lab', { ...engine, name: 'lab2' }),
    );
    unmount();
    render(EngineEditDialog, { open: true, engine, onclose: vi.fn(), onsaved });
    await userEvent.click(screen.getByTestId('engine-remove'));
    await vi.waitFor(() => expect(mockApi.engineRemove).toHaveBeenCalledWith('lab'));
    expect(onsaved).toHaveBeenLastCalledWith(null);
  });
});
