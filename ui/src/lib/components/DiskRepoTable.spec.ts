import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import { locale } from 'svelte-i18n';
import DiskRepoTable from './DiskRepoTable.svelte';
import { buildRows } from '$lib/grid/rows';
import { repoUsage } from '$lib/disk/usage';
import { hexId, image } from '$test/fixtures';

const A = hexId('a1');
const B = hexId('b2');
const C = hexId('c3');
const D = hexId('d4');

const list = [
  image({ id: A, tags: ['demo/app:1', 'demo/app:latest'], size: 2_000_000 }),
  image({ id: B, tags: ['demo/app:0.9'], size: 1_000_000 }),
  image({ id: C, tags: [], size: 5_000_000 }),
  image({ id: D, tags: [], digests: ['demo/app@sha256:ff'], size: 100_000 }),
];
const usage = new Map([
  [A, { id: A, size: 2_000_000, unique_size: 300_000, shared_size: 1_700_000 }],
  [B, { id: B, size: 1_000_000, unique_size: 200_000, shared_size: 800_000 }],
]);

describe('DiskRepoTable', () => {
  it('has one row per repository, untagged images together, largest first', () => {
    render(DiskRepoTable, { repos: repoUsage(buildRows(list, usage)) });
    const rows = screen.getAllByTestId('disk-repo-row');
    expect(rows.map((r) => r.dataset.repo)).toEqual(['<untagged>', 'demo/app']);
    const [untagged, demo] = rows;
    expect(untagged).toHaveTextContent('<untagged>');
    expect(untagged.dataset).toMatchObject({ tags: '0', images: '2' });
    expect(within(untagged).getByTestId('disk-repo-size')).toHaveAttribute('data-bytes', '5100000');
    expect(within(untagged).getByTestId('disk-repo-unique')).not.toHaveAttribute('data-bytes');
    // Three tags (old ones too), two images; sizes once per image ID.
    expect(demo.dataset).toMatchObject({ tags: '3', images: '2' });
    expect(within(demo).getByTestId('disk-repo-unique')).toHaveAttribute('data-bytes', '500000');
    expect(within(demo).getByTestId('disk-repo-size')).toHaveAttribute('data-bytes', '3000000');
    expect(demo).toHaveTextContent('500 kB');
    expect(demo).toHaveTextContent('3 MB');
  });

  it('says so when there are no images', () => {
    render(DiskRepoTable, { repos: [] });
    expect(screen.queryByTestId('disk-repo-table')).toBeNull();
    expect(screen.getByText('No images.')).toBeInTheDocument();
  });

  it('names the untagged row in Chinese too', async () => {
    render(DiskRepoTable, { repos: repoUsage(buildRows(list, usage)) });
    locale.set('zh-CN');
    await tick();
    expect(screen.getAllByTestId('disk-repo-row')[0]).toHaveTextContent('<未标记>');
    expect(screen.getByRole('columnheader', { name: '独占' })).toBeInTheDocument();
  });
});
