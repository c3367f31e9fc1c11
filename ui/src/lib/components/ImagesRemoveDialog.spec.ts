import { describe, expect, it, vi } from 'vitest';
import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import ImagesRemoveDialog from './ImagesRemoveDialog.svelte';
import { buildRows } from '$lib/grid/rows';
import { pins } from '$lib/stores/pins.svelte';
import { toasts } from '$lib/stores/toasts.svelte';
import { deferred, mockApi } from '$test/mock-api';
import { hexId, image, pinsState } from '$test/fixtures';
import type { RemoveOutcome } from '$lib/api';

const A = hexId('a1');
const B = hexId('b2');
const C = hexId('c3');
const rows = buildRows([
  image({ id: A, tags: ['demo/app:1', 'demo/app:latest'], size: 2_000_000 }),
  image({ id: B, tags: ['solo:1'], size: 5_000_000, containers: 1 }),
  image({ id: C, tags: [], size: 700_000 }),
]);
const pick = (...names: (string | null)[]) => rows.filter((r) => names.includes(r.name));

describe('ImagesRemoveDialog', () => {
  it('keeps pinned images out of a bulk delete and says which pin keeps them', async () => {
    pins.apply(pinsState(['solo']));
    mockApi.imagesRemove.mockImplementation(async (refs: string[]) =>
      refs.map((reference) => ({ reference, result: null, error: null })),
    );
    render(ImagesRemoveDialog, { rows: pick('solo:1', null), onclose: vi.fn() });
    const kept = screen.getByTestId('remove-pinned');
    expect(kept).toHaveTextContent('solo:1');
    expect(kept).toHaveTextContent('Pinned by “solo”: kept');
    expect(screen.getAllByTestId('remove-item')).toHaveLength(1);
    await userEvent.click(screen.getByTestId('force-remove'));
    await userEvent.click(screen.getByTestId('confirm-remove'));
    expect(mockApi.imagesRemove).toHaveBeenCalledWith([C], true);
  });

  it('while the pins file is damaged, nothing can be removed and the dialog says why', async () => {
    pins.apply(pinsState([], { recovered: [] }));
    render(ImagesRemoveDialog, { rows: pick(null), onclose: vi.fn() });
    expect(screen.getByTestId('remove-blocked')).toHaveTextContent('Clean-up and delete are off');
    expect(screen.getByTestId('confirm-remove')).toBeDisabled();
    await userEvent.click(screen.getByTestId('confirm-remove'));
    expect(mockApi.imagesRemove).not.toHaveBeenCalled();
  });

  it('lists every image and tag that will go', () => {
    render(ImagesRemoveDialog, { rows: pick('demo/app:1', 'solo:1', null), onclose: vi.fn() });
    const dialog = screen.getByTestId('remove-dialog');
    const items = within(dialog).getAllByTestId('remove-item');
    expect(items.map((i) => i.textContent)).toEqual([
      expect.stringContaining('demo/app:1'),
      expect.stringContaining('solo:1'),
      expect.stringContaining('<none>:<none>'),
    ]);
    // demo/app keeps its other name: only the name goes. The others are deleted.
    expect(items[0]).toHaveTextContent('Name only');
    expect(items[1]).toHaveTextContent('Image deleted');
    expect(items[1]).toHaveTextContent('Used by 1 container');
    expect(items[2]).toHaveTextContent('c3c3c3c3c3c3');
    expect(dialog).toHaveTextContent('2 names will be removed and 2 images deleted.');
  });

  it('removes nothing until confirmed, then sends IDs for whole images and names for tags', async () => {
    const onclose = vi.fn();
    render(ImagesRemoveDialog, { rows: pick('demo/app:1', 'solo:1', null), onclose });
    expect(mockApi.imagesRemove).not.toHaveBeenCalled();
    await userEvent.click(screen.getByTestId('confirm-remove'));
    expect(mockApi.imagesRemove).toHaveBeenCalledWith(['demo/app:1', B, C], false);
    expect(onclose).toHaveBeenCalled();
    expect(toasts.items.at(-1)?.title).toBe('Removed 3 items');
  });

  it('sends the force flag', async () => {
    render(ImagesRemoveDialog, { rows: pick('solo:1'), onclose: vi.fn() });
    await userEvent.click(screen.getByTestId('force-remove'));
    await userEvent.click(screen.getByTestId('confirm-remove'));
    expect(mockApi.imagesRemove).toHaveBeenCalledWith([B], true);
  });

  it('shows per-item errors and stays open', async () => {
    mockApi.imagesRemove.mockResolvedValue([
      {
        reference: 'demo/app:1',
        result: { result: 'success', untagged: ['demo/app:1'], deleted: [] },
        error: null,
      },
      {
        reference: B,
        result: null,
        error: { code: 409, message: 'conflict: image is being used by stopped container 1a2b' },
      },
    ] satisfies RemoveOutcome[]);
    const onclose = vi.fn();
    render(ImagesRemoveDialog, { rows: pick('demo/app:1', 'solo:1'), onclose });
    await userEvent.click(screen.getByTestId('confirm-remove'));
    const items = screen.getAllByTestId('remove-item');
    expect(items[0]).toHaveTextContent('Removed');
    expect(items[1]).toHaveTextContent('Failed');
    expect(within(items[1]).getByTestId('remove-item-error')).toHaveTextContent(
      'image is being used by stopped container',
    );
    expect(screen.getByTestId('remove-result')).toHaveTextContent('1 item could not be removed');
    expect(onclose).not.toHaveBeenCalled();
    await userEvent.click(screen.getByTestId('cancel-remove'));
    expect(onclose).toHaveBeenCalled();
  });

  it('shows a failure of the whole call', async () => {
    mockApi.imagesRemove.mockRejectedValue({
      code: 503,
      message: 'No container engine is connected.',
    });
    render(ImagesRemoveDialog, { rows: pick('solo:1'), onclose: vi.fn() });
    await userEvent.click(screen.getByTestId('confirm-remove'));
    expect(screen.getByTestId('remove-error')).toHaveTextContent('No container engine');
  });

  it('cancels with Escape and with Cancel, but not while removing', async () => {
    const onclose = vi.fn();
    const { unmount } = render(ImagesRemoveDialog, { rows: pick('solo:1'), onclose });
    await userEvent.keyboard('{Escape}');
    expect(onclose).toHaveBeenCalledTimes(1);
    await userEvent.click(screen.getByTestId('cancel-remove'));
    expect(onclose).toHaveBeenCalledTimes(2);
    unmount();

    const pending = deferred<RemoveOutcome[]>();
    mockApi.imagesRemove.mockReturnValue(pending.promise);
    const onclose2 = vi.fn();
    render(ImagesRemoveDialog, { rows: pick('solo:1'), onclose: onclose2 });
    await userEvent.click(screen.getByTestId('confirm-remove'));
    await userEvent.keyboard('{Escape}');
    expect(onclose2).not.toHaveBeenCalled();
    expect(screen.getByTestId('confirm-remove')).toBeDisabled();
    pending.resolve([{ reference: B, result: null, error: null }]);
    await vi.waitFor(() => expect(onclose2).toHaveBeenCalled());
  });

  it('focuses Cancel first, so Enter does not delete by accident', () => {
    render(ImagesRemoveDialog, { rows: pick('solo:1'), onclose: vi.fn() });
    expect(screen.getByTestId('cancel-remove')).toHaveFocus();
  });
});
