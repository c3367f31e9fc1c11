import { describe, expect, it } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import App from './App.svelte';
import {
  emitEngines,
  emitEngineStatus,
  emitImagesChanged,
  emitTaskFinished,
  mockApi,
  taskSummary,
} from '$test/mock-api';
import {
  connectedStatus,
  diskUsage,
  disconnectedStatus,
  engineView,
  enginesList,
  hexId,
  image,
} from '$test/fixtures';

const A = hexId('a1');
const list = [image({ id: A, tags: ['demo/app:1'] })];

describe('App', () => {
  it('shows the images of the connected engine', async () => {
    mockApi.imagesList.mockResolvedValue(list);
    render(App);
    await screen.findByTestId('grid-ready');
    expect(
      within(screen.getByTestId('engine-header')).getByTestId('engine-name'),
    ).toHaveTextContent('Docker 20.10.24');
    expect(screen.getAllByTestId('image-row')).toHaveLength(1);
  });

  it('lists the images once at launch when the backend already knows its engines', async () => {
    // Asking "the current engine" before the engine list named it, then the named engine
    // again, made every launch list the images twice (measured: 2 of 8 requests).
    mockApi.imagesList.mockResolvedValue(list);
    emitEngines(enginesList([engineView('desktop')], { engine: 'desktop' }, 'desktop'));
    render(App);
    await screen.findByTestId('grid-ready');
    await new Promise((r) => setTimeout(r, 50));
    expect(mockApi.imagesList.mock.calls).toEqual([['desktop']]);
    expect(mockApi.usageSnapshot).toHaveBeenCalledTimes(1);
    expect(screen.getAllByTestId('image-row')).toHaveLength(1);
  });

  it('does not reload the images when only an engine it does not show changes state', async () => {
    mockApi.imagesList.mockResolvedValue(list);
    const one = (dead: 'connecting' | 'unreachable') =>
      enginesList([engineView('desktop'), engineView('gone', dead)], 'all', 'desktop');
    emitEngines(one('unreachable'));
    render(App);
    await screen.findByTestId('grid-ready');
    await waitFor(() => expect(mockApi.imagesList).toHaveBeenCalled());
    const calls = mockApi.imagesList.mock.calls.length;
    // A dead engine retrying: connecting, unreachable, again — nothing shown changed.
    for (const state of ['connecting', 'unreachable', 'connecting', 'unreachable'] as const) {
      emitEngines(one(state));
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(mockApi.imagesList.mock.calls.length).toBe(calls);
    expect(screen.getAllByTestId('image-row')).toHaveLength(1);
  });

  it('shows the no-engine screen, and the grid once Retry connects', async () => {
    mockApi.engineStatus.mockResolvedValue(disconnectedStatus('Tried unix:///var/run/docker.sock'));
    mockApi.imagesList.mockResolvedValue(list);
    render(App);
    expect(await screen.findByTestId('engine-unavailable')).toHaveTextContent(
      'Tried unix:///var/run/docker.sock',
    );
    expect(screen.queryByTestId('images-grid')).toBeNull();
    await userEvent.click(screen.getByTestId('retry'));
    expect(await screen.findByTestId('grid-ready')).toBeInTheDocument();
    expect(screen.queryByTestId('engine-unavailable')).toBeNull();
  });

  it('shows a connecting state while the backend is still trying', async () => {
    mockApi.engineStatus.mockResolvedValue({ ...disconnectedStatus(), error: null });
    render(App);
    expect(await screen.findByTestId('engine-connecting')).toBeInTheDocument();
    emitEngineStatus(connectedStatus());
    expect(await screen.findByTestId('grid-ready')).toBeInTheDocument();
  });

  it('follows the engine: an image tagged elsewhere appears without a click', async () => {
    mockApi.imagesList.mockResolvedValue(list);
    render(App);
    await screen.findByTestId('grid-ready');
    mockApi.imagesList.mockResolvedValue([image({ id: A, tags: ['demo/app:1', 'live/dst:now'] })]);
    emitImagesChanged({ ids: ['live/dst:now'], actions: ['tag'] });
    await screen.findByText('live/dst');
    expect(screen.getAllByTestId('image-row')).toHaveLength(2);
  });

  it('shows the images and disk usage as they are after a task ends', async () => {
    render(App);
    await screen.findByTestId('grid-ready');
    await waitFor(() => expect(mockApi.onTaskFinished).toHaveBeenCalled());
    const usageBefore = mockApi.usageSnapshot.mock.calls.length;
    // A cancelled build leaves an image behind, and no image event says so.
    mockApi.imagesList.mockResolvedValue(list);
    emitTaskFinished(
      taskSummary({ kind: 'build', state: 'cancelled', error: { code: 499, message: 'x' } }),
    );
    await waitFor(() => expect(screen.getAllByTestId('image-row')).toHaveLength(1));
    await waitFor(() =>
      expect(mockApi.usageSnapshot.mock.calls.length).toBeGreaterThan(usageBefore),
    );
  });

  it('goes to the no-engine screen when the engine goes away', async () => {
    render(App);
    await screen.findByTestId('grid-ready');
    emitEngineStatus(disconnectedStatus('Lost the connection to unix:///x; reconnecting…'));
    expect(await screen.findByTestId('engine-unavailable')).toHaveTextContent(
      'Lost the connection',
    );
  });

  it('toasts a failed refresh', async () => {
    mockApi.imagesList.mockResolvedValueOnce(list);
    render(App);
    await screen.findByTestId('grid-ready');
    mockApi.imagesList.mockRejectedValueOnce({ code: 500, message: 'engine said no' });
    emitImagesChanged();
    const toast = await screen.findByRole('alert');
    expect(toast).toHaveTextContent('Could not refresh the image list');
    expect(toast).toHaveTextContent('engine said no');
    // The list stays.
    expect(screen.getAllByTestId('image-row')).toHaveLength(1);
  });

  it('/ focuses the search; Enter opens details; Escape closes them', async () => {
    mockApi.imagesList.mockResolvedValue(list);
    render(App);
    await screen.findByTestId('grid-ready');
    await userEvent.click(screen.getByTestId('image-row'));
    await userEvent.keyboard('{Enter}');
    expect(await screen.findByTestId('image-details')).toBeInTheDocument();
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByTestId('image-details')).toBeNull();
    await userEvent.keyboard('/');
    expect(screen.getByTestId('search')).toHaveFocus();
    expect(screen.getByTestId('search')).toHaveValue('');
  });

  it('closes the details of an image that was deleted', async () => {
    mockApi.imagesList.mockResolvedValue(list);
    render(App);
    await screen.findByTestId('grid-ready');
    await userEvent.dblClick(screen.getByTestId('image-row'));
    expect(await screen.findByTestId('image-details')).toBeInTheDocument();
    mockApi.imagesList.mockResolvedValue([]);
    emitImagesChanged({ actions: ['delete'] });
    await screen.findByText('No images');
    expect(screen.queryByTestId('image-details')).toBeNull();
  });

  it('removes the selected image through the dialog', async () => {
    mockApi.imagesList.mockResolvedValue(list);
    render(App);
    await screen.findByTestId('grid-ready');
    await userEvent.click(screen.getByTestId('row-select'));
    await userEvent.click(screen.getByTestId('remove-selected'));
    const dialog = screen.getByTestId('remove-dialog');
    expect(await within(dialog).findByTestId('remove-item')).toHaveTextContent('demo/app:1');
    expect(mockApi.imagesRemove).not.toHaveBeenCalled();
    mockApi.imagesList.mockResolvedValue([]);
    await userEvent.click(screen.getByTestId('confirm-remove'));
    expect(mockApi.imagesRemove).toHaveBeenCalledWith(['demo/app:1'], false, [], null);
    expect(screen.queryByTestId('remove-dialog')).toBeNull();
    expect(await screen.findByText('No images')).toBeInTheDocument();
  });

  it('opens the remove dialog with Delete and cancels it with Escape, leaving details alone', async () => {
    mockApi.imagesList.mockResolvedValue(list);
    render(App);
    await screen.findByTestId('grid-ready');
    await userEvent.click(screen.getByTestId('image-row'));
    await userEvent.keyboard('{Enter}');
    screen.getByTestId('images-grid').focus();
    await userEvent.keyboard('{Delete}');
    expect(screen.getByTestId('remove-dialog')).toBeInTheDocument();
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByTestId('remove-dialog')).toBeNull();
    expect(screen.getByTestId('image-details')).toBeInTheDocument();
  });

  it('says what a drop will do while files are dragged over, and acts on the drop', async () => {
    let report: (what: 'enter' | 'leave' | 'drop', paths: string[]) => void = () => {};
    mockApi.onFileDrop.mockImplementation(async (cb: typeof report) => {
      report = cb;
      return () => {};
    });
    mockApi.imagesList.mockResolvedValue(list);
    render(App);
    await screen.findByTestId('grid-ready');
    report('enter', ['/home/me/images.tar']);
    expect(await screen.findByTestId('drop-overlay')).toHaveTextContent('load the images');
    report('drop', ['/home/me/images.tar']);
    expect(await screen.findByTestId('load-dialog')).toBeInTheDocument();
    expect(screen.queryByTestId('drop-overlay')).toBeNull();
    expect(screen.getByTestId('load-path')).toHaveValue('/home/me/images.tar');
  });

  it('opens the build form on a dropped folder, with it as the context', async () => {
    let report: (what: 'enter' | 'leave' | 'drop', paths: string[]) => void = () => {};
    mockApi.onFileDrop.mockImplementation(async (cb: typeof report) => {
      report = cb;
      return () => {};
    });
    render(App);
    await screen.findByTestId('grid-ready');
    report('drop', ['/src/app/Dockerfile.prod']);
    expect(await screen.findByTestId('build-context')).toHaveValue('/src/app');
    expect(screen.getByTestId('build-dockerfile')).toHaveValue('/src/app/Dockerfile.prod');
  });

  it('switches to the disk view, refreshing the numbers, and back to the grid', async () => {
    mockApi.imagesList.mockResolvedValue(list);
    mockApi.usageSnapshot.mockResolvedValue({ disk: diskUsage(1_000_000), images: [] });
    render(App);
    await screen.findByTestId('grid-ready');
    const calls = mockApi.imagesList.mock.calls.length;
    await userEvent.click(screen.getByTestId('nav-disk'));
    expect(await screen.findByTestId('disk-view')).toBeInTheDocument();
    expect(screen.queryByTestId('images-grid')).toBeNull();
    expect(mockApi.imagesList.mock.calls.length).toBeGreaterThan(calls);
    expect(await screen.findByTestId('disk-images-size')).toHaveAttribute('data-bytes', '1000000');
    // Deleted elsewhere: the disk view follows the engine's events.
    mockApi.imagesList.mockResolvedValue([]);
    mockApi.usageSnapshot.mockResolvedValue({ disk: diskUsage(0), images: [] });
    emitImagesChanged({ ids: [A], actions: ['delete'] });
    await waitFor(() => expect(screen.queryByTestId('disk-repo-row')).toBeNull());
    expect(screen.getByTestId('disk-images-size')).toHaveAttribute('data-bytes', '0');
    await userEvent.click(screen.getByTestId('nav-images'));
    expect(await screen.findByTestId('grid-ready')).toBeInTheDocument();
    expect(screen.queryByTestId('disk-view')).toBeNull();
  });
});
