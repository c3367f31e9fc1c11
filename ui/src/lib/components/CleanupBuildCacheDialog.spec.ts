import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import CleanupBuildCacheDialog from './CleanupBuildCacheDialog.svelte';
import { mockApi } from '$test/mock-api';

const record = (id: string, size: number) => ({
  id,
  kind: 'regular',
  description: `RUN step ${id}`,
  size,
  in_use: false,
  shared: false,
  last_used: '',
});

describe('CleanupBuildCacheDialog', () => {
  it('previews what goes with its total, then prunes with the same options', async () => {
    mockApi.buildCachePreview.mockResolvedValue({
      records: [record('r1', 1_000_000)],
      total: 5_000_000,
      space_to_reclaim: 1_000_000,
    });
    mockApi.buildCachePrune.mockResolvedValue({
      caches_deleted: ['r1'],
      space_reclaimed: 1_000_000,
    });
    render(CleanupBuildCacheDialog, { onclose: vi.fn() });
    const total = await screen.findByTestId('cache-total');
    expect(total).toHaveTextContent('Frees 1 MB of 5 MB');
    await userEvent.type(screen.getByTestId('cache-keep'), '2');
    await waitFor(() =>
      expect(mockApi.buildCachePreview).toHaveBeenLastCalledWith(2_000_000_000, false),
    );
    expect(mockApi.buildCachePrune).not.toHaveBeenCalled();
    await userEvent.click(screen.getByTestId('cache-confirm'));
    expect(mockApi.buildCachePrune).toHaveBeenCalledWith(2_000_000_000, false);
    expect(await screen.findByTestId('cache-result')).toHaveTextContent('Freed 1 MB');
  });

  it('prunes with the options the shown preview was made for, never while one is coming', async () => {
    mockApi.buildCachePreview.mockResolvedValue({
      records: [record('r1', 1_000_000)],
      total: 1_000_000,
      space_to_reclaim: 1_000_000,
    });
    render(CleanupBuildCacheDialog, { onclose: vi.fn() });
    await screen.findByTestId('cache-total');
    let answer: (v: unknown) => void = () => {};
    mockApi.buildCachePreview.mockImplementation(() => new Promise((r) => (answer = r)));
    await userEvent.click(screen.getByTestId('cache-all'));
    expect(screen.getByTestId('cache-confirm')).toBeDisabled();
    answer({ records: [record('r1', 1_000_000)], total: 1_000_000, space_to_reclaim: 1_000_000 });
    await waitFor(() => expect(screen.getByTestId('cache-confirm')).toBeEnabled());
    mockApi.buildCachePrune.mockResolvedValue({
      caches_deleted: ['r1'],
      space_reclaimed: 1_000_000,
    });
    await userEvent.click(screen.getByTestId('cache-confirm'));
    expect(mockApi.buildCachePrune).toHaveBeenCalledWith(null, true);
  });

  it('offers nothing to confirm when no cache would go', async () => {
    render(CleanupBuildCacheDialog, { onclose: vi.fn() });
    expect(await screen.findByTestId('cache-empty')).toBeInTheDocument();
    expect(screen.getByTestId('cache-confirm')).toBeDisabled();
  });
});
