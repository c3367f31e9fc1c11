import { describe, expect, it, vi } from 'vitest';
import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import ImagesSaveDialog from './ImagesSaveDialog.svelte';
import { ApiError, type TaskOutput } from '$lib/api';
import { buildRows } from '$lib/grid/rows';
import { toasts } from '$lib/stores/toasts.svelte';
import { deferred, mockApi, taskCommand, type Report } from '$test/mock-api';
import { hexId, image } from '$test/fixtures';

const picked = vi.hoisted(() => ({ path: null as string | null }));
vi.mock('$lib/dialogs', () => ({ pickTarSavePath: vi.fn(async () => picked.path) }));

const A = hexId('a1');
const B = hexId('b2');
const rows = buildRows([
  image({ id: A, tags: ['demo/app:1'], size: 2_000_000 }),
  image({ id: B, tags: [], size: 500_000 }),
]);

async function typePath(path: string) {
  const input = screen.getByTestId('save-path');
  await userEvent.clear(input);
  await userEvent.type(input, path);
}

describe('ImagesSaveDialog', () => {
  it('lists what goes into the tar: names as names, nameless images by ID', () => {
    render(ImagesSaveDialog, { rows, onclose: vi.fn() });
    const items = within(screen.getByTestId('save-list')).getAllByTestId('save-item');
    expect(items.map((i) => i.dataset.reference)).toEqual(['demo/app:1', B]);
    expect(screen.getByTestId('save-dialog')).toHaveTextContent('2 images');
  });

  it('saves nothing until confirmed, then sends the typed path and closes with a notice', async () => {
    const onclose = vi.fn();
    render(ImagesSaveDialog, { rows, onclose });
    expect(screen.getByTestId('save-path')).toHaveValue('~/images-2.tar');
    await typePath('/tmp/out.tar');
    expect(mockApi.imagesSave).not.toHaveBeenCalled();
    await userEvent.click(screen.getByTestId('confirm-save'));
    expect(mockApi.imagesSaveCheck).toHaveBeenCalledWith('/tmp/out.tar');
    expect(mockApi.imagesSave).toHaveBeenCalledWith(
      'Save 2 images',
      ['demo/app:1', B],
      '/tmp/out.tar',
      false,
      null,
    );
    await vi.waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(toasts.items.at(-1)).toMatchObject({
      kind: 'success',
      title: 'Saved',
      detail: '/tmp/out.tar · 2000 B',
    });
  });

  it('keeps the form and says why when the save fails', async () => {
    mockApi.imagesSave.mockImplementation(
      taskCommand('save', async () => {
        throw new ApiError(400, 'The folder of /nope/x.tar does not exist.');
      }),
    );
    const onclose = vi.fn();
    render(ImagesSaveDialog, { rows, onclose });
    await typePath('/nope/x.tar');
    await userEvent.click(screen.getByTestId('confirm-save'));
    expect(await screen.findByTestId('save-error')).toHaveTextContent('does not exist');
    expect(screen.getByTestId('save-path')).toHaveValue('/nope/x.tar');
    expect(onclose).not.toHaveBeenCalled();
  });

  it('shows bytes written while saving and stops the task on request', async () => {
    const running = deferred<TaskOutput>();
    let report: Report = () => {};
    mockApi.imagesSave.mockImplementation(
      taskCommand('save', async (r) => {
        report = r;
        return running.promise;
      }),
    );
    mockApi.taskCancel.mockImplementation(async () => {
      running.reject(new ApiError(499, 'Saving was cancelled.'));
      return true;
    });
    const onclose = vi.fn();
    render(ImagesSaveDialog, { rows, onclose });
    await userEvent.click(screen.getByTestId('confirm-save'));
    await vi.waitFor(() => expect(mockApi.imagesSave).toHaveBeenCalled());
    report({ kind: 'bytes', done: 1_500_000, total: null });
    expect(await screen.findByText('1.5 MB written…')).toBeInTheDocument();
    // Esc does not abandon a running save.
    await userEvent.keyboard('{Escape}');
    expect(onclose).not.toHaveBeenCalled();
    await userEvent.click(screen.getByTestId('cancel-save-task'));
    const task = (await mockApi.imagesSave.mock.results[0].value) as { id: string };
    expect(mockApi.taskCancel).toHaveBeenCalledWith(task.id);
    expect(await screen.findByTestId('confirm-save')).toBeEnabled();
    expect(screen.queryByTestId('save-error')).toBeNull();
    expect(toasts.items.at(-1)?.title).toBe('Save stopped; no file was written');
  });

  it('takes the path picked in the system dialog', async () => {
    picked.path = '/home/me/picked.tar';
    render(ImagesSaveDialog, { rows, onclose: vi.fn() });
    await userEvent.click(screen.getByTestId('save-browse'));
    expect(screen.getByTestId('save-path')).toHaveValue('/home/me/picked.tar');
  });

  it('says why before any save when the path cannot be written', async () => {
    mockApi.imagesSaveCheck.mockRejectedValue(
      new ApiError(400, 'relative.tar is not a full path: start it with / or ~/.'),
    );
    render(ImagesSaveDialog, { rows, onclose: vi.fn() });
    await typePath('relative.tar');
    await userEvent.click(screen.getByTestId('confirm-save'));
    expect(await screen.findByTestId('save-error')).toHaveTextContent('not a full path');
    expect(mockApi.imagesSave).not.toHaveBeenCalled();
    expect(screen.getByTestId('confirm-save')).toBeEnabled();
  });

  it('asks before replacing a file that exists, and keeps it unless told', async () => {
    mockApi.imagesSaveCheck.mockResolvedValue({ path: '/home/me/images-2.tar', exists: true });
    const onclose = vi.fn();
    render(ImagesSaveDialog, { rows, onclose });
    await userEvent.click(screen.getByTestId('confirm-save'));
    expect(await screen.findByTestId('save-exists')).toHaveTextContent(
      '/home/me/images-2.tar exists. Replace it?',
    );
    expect(mockApi.imagesSave).not.toHaveBeenCalled();
    // Keep it: back to the form, nothing sent.
    await userEvent.click(screen.getByTestId('save-keep'));
    expect(screen.queryByTestId('save-exists')).toBeNull();
    expect(mockApi.imagesSave).not.toHaveBeenCalled();
    // Asked again, and this time replaced: only now is the flag sent, for the file shown.
    await userEvent.click(screen.getByTestId('confirm-save'));
    await userEvent.click(await screen.findByTestId('save-replace'));
    expect(mockApi.imagesSave).toHaveBeenCalledWith(
      'Save 2 images',
      ['demo/app:1', B],
      '/home/me/images-2.tar',
      true,
      null,
    );
    await vi.waitFor(() => expect(onclose).toHaveBeenCalled());
  });

  it('a changed path drops the question', async () => {
    mockApi.imagesSaveCheck.mockResolvedValueOnce({ path: '/tmp/a.tar', exists: true });
    render(ImagesSaveDialog, { rows, onclose: vi.fn() });
    await typePath('/tmp/a.tar');
    await userEvent.click(screen.getByTestId('confirm-save'));
    await screen.findByTestId('save-exists');
    await userEvent.type(screen.getByTestId('save-path'), 'x');
    expect(screen.queryByTestId('save-exists')).toBeNull();
    expect(screen.queryByTestId('save-replace')).toBeNull();
    await userEvent.click(screen.getByTestId('confirm-save'));
    await vi.waitFor(() =>
      expect(mockApi.imagesSave).toHaveBeenCalledWith(
        expect.any(String),
        expect.any(Array),
        '/tmp/a.tarx',
        false,
        null,
      ),
    );
  });

  it('a file that appeared after the check is not replaced: the backend says so', async () => {
    mockApi.imagesSave.mockImplementation(
      taskCommand('save', async () => {
        throw new ApiError(409, '/tmp/out.tar exists; it was not replaced.');
      }),
    );
    render(ImagesSaveDialog, { rows, onclose: vi.fn() });
    await typePath('/tmp/out.tar');
    await userEvent.click(screen.getByTestId('confirm-save'));
    expect(await screen.findByTestId('save-error')).toHaveTextContent('was not replaced');
  });
});
