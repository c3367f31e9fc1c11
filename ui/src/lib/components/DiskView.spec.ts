import { describe, expect, it } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import DiskView from './DiskView.svelte';
import { images } from '$lib/stores/images.svelte';
import { view } from '$lib/stores/view.svelte';
import { deferred, emitImagesChanged, mockApi } from '$test/mock-api';
import type { ImageSummary } from '$lib/api';
import { diskUsage, hexId, image } from '$test/fixtures';
import { knownEngine } from '$test/engines';

const A = hexId('a1');
const B = hexId('b2');
const list = [
  image({ id: A, tags: ['demo/app:1'], size: 2_000_000 }),
  image({ id: B, tags: ['other:1'], size: 3_000_000 }),
];

describe('DiskView', () => {
  it("shows another engine's totals when picked, and the connected engine's again", async () => {
    mockApi.imagesList.mockResolvedValue(list);
    mockApi.enginesKnown.mockResolvedValue([
      knownEngine({ name: 'here', connected: true }),
      knownEngine({ name: 'podman', kind: 'podman' }),
      knownEngine({ name: 'dead', reachable: false }),
    ]);
    mockApi.usageSnapshot.mockImplementation(async (engine: string | null) => ({
      disk: diskUsage(engine === 'podman' ? 9_000_000 : 4_500_000),
      images: [],
    }));
    render(DiskView);
    const picker = (await screen.findByTestId('disk-engine')) as HTMLSelectElement;
    const options = [...picker.options].map((o) => [o.value, o.textContent?.trim(), o.disabled]);
    expect(options).toEqual([
      ['', 'here (connected)', false],
      ['podman', 'podman', false],
      ['dead', 'dead', true],
    ]);
    await waitFor(() =>
      expect(screen.getByTestId('disk-images-size')).toHaveAttribute('data-bytes', '4500000'),
    );
    await userEvent.selectOptions(picker, 'podman');
    expect(mockApi.usageSnapshot).toHaveBeenLastCalledWith('podman');
    await waitFor(() =>
      expect(screen.getByTestId('disk-images-size')).toHaveAttribute('data-bytes', '9000000'),
    );
    expect(screen.getAllByTestId('disk-other-engine').length).toBeGreaterThan(0);
    await userEvent.selectOptions(picker, '');
    await waitFor(() =>
      expect(screen.getByTestId('disk-images-size')).toHaveAttribute('data-bytes', '4500000'),
    );
    expect(screen.queryByTestId('disk-other-engine')).toBeNull();
  });

  it('refreshes the store when it opens and charts what comes back', async () => {
    mockApi.imagesList.mockResolvedValue(list);
    mockApi.usageSnapshot.mockResolvedValue({ disk: diskUsage(4_500_000), images: [] });
    render(DiskView);
    await waitFor(() => expect(mockApi.imagesList).toHaveBeenCalledTimes(1));
    const size = await screen.findByTestId('disk-images-size');
    expect(size).toHaveAttribute('data-bytes', '4500000');
    expect(screen.getAllByTestId('disk-repo-row').map((r) => r.dataset.repo)).toEqual([
      'other',
      'demo/app',
    ]);
  });

  it('waits for data without failing', async () => {
    const pending = deferred<ImageSummary[]>();
    mockApi.imagesList.mockReturnValue(pending.promise);
    render(DiskView);
    expect(screen.getByTestId('disk-view')).toBeInTheDocument();
    expect(screen.getByTestId('disk-pending')).toHaveTextContent('Loading…');
    expect(screen.queryByTestId('disk-repo-row')).toBeNull();
    expect(screen.getByTestId('disk-updating')).toBeInTheDocument();
    // Let the store's refresh finish: a refresh left in flight would swallow the next test's.
    pending.resolve([]);
    await images.refresh();
  });

  it('follows the store: a deleted image leaves the charts and the table', async () => {
    mockApi.imagesList.mockResolvedValue(list);
    mockApi.usageSnapshot.mockResolvedValue({ disk: diskUsage(5_000_000), images: [] });
    await images.listen();
    render(DiskView);
    await screen.findByTestId('disk-images-size');
    expect(await screen.findAllByTestId('disk-repo-row')).toHaveLength(2);

    mockApi.imagesList.mockResolvedValue([list[0]]);
    mockApi.usageSnapshot.mockResolvedValue({ disk: diskUsage(2_000_000), images: [] });
    emitImagesChanged({ ids: [B], actions: ['delete'] });
    await waitFor(() =>
      expect(screen.getByTestId('disk-images-size')).toHaveAttribute('data-bytes', '2000000'),
    );
    expect(screen.getAllByTestId('disk-repo-row').map((r) => r.dataset.repo)).toEqual(['demo/app']);
    expect(screen.getAllByTestId('disk-largest-item').map((b) => b.dataset.name)).toEqual([
      'demo/app',
    ]);
  });

  it('reads the numbers again with its refresh button', async () => {
    mockApi.usageSnapshot.mockResolvedValue({ disk: diskUsage(1_000_000), images: [] });
    render(DiskView);
    const size = await screen.findByTestId('disk-images-size');
    await waitFor(() => expect(size).toHaveAttribute('data-bytes', '1000000'));
    mockApi.usageSnapshot.mockResolvedValue({ disk: diskUsage(7_000_000), images: [] });
    await userEvent.click(screen.getByTestId('disk-refresh'));
    await waitFor(() =>
      expect(screen.getByTestId('disk-images-size')).toHaveAttribute('data-bytes', '7000000'),
    );
    expect(mockApi.imagesList).toHaveBeenCalledTimes(2);
  });

  it('opens the clean-up dialogs through the view store', async () => {
    render(DiskView);
    const toolbar = screen.getByRole('toolbar');
    await userEvent.click(within(toolbar).getByTestId('disk-cleanup'));
    expect(view.pruneOpen).toBe(true);
    await userEvent.click(within(toolbar).getByTestId('disk-build-cache-prune'));
    expect(view.buildCachePruneOpen).toBe(true);
    expect(view.modalOpen).toBe(true);
  });
});
