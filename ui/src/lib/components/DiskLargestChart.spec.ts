import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import DiskLargestChart from './DiskLargestChart.svelte';
import { buildRows } from '$lib/grid/rows';
import { imageUsage, repoUsage } from '$lib/disk/usage';
import { hexId, image } from '$test/fixtures';

const A = hexId('a1');
const B = hexId('b2');
const C = hexId('c3');

const list = [
  image({ id: A, tags: ['demo/app:1', 'demo/app:latest'], size: 2_000_000 }),
  image({ id: B, tags: ['other:1'], size: 3_000_000 }),
  image({ id: C, tags: [], size: 500_000 }),
];
const usage = new Map([
  [A, { id: A, size: 2_000_000, unique_size: 1_200_000, shared_size: 800_000 }],
  [B, { id: B, size: 3_000_000, unique_size: 200_000, shared_size: 2_800_000 }],
]);

function props(images = list) {
  const rows = buildRows(images, usage);
  return { repos: repoUsage(rows), items: imageUsage(rows) };
}

const bars = () =>
  screen.getAllByTestId('disk-largest-item').map((b) => [b.dataset.name, Number(b.dataset.bytes)]);

describe('DiskLargestChart', () => {
  it('ranks repositories by unique bytes where known, each image once', () => {
    render(DiskLargestChart, props());
    expect(bars()).toEqual([
      ['demo/app', 1_200_000],
      ['<untagged>', 500_000],
      ['other', 200_000],
    ]);
    expect(screen.getByTestId('disk-largest-repos')).toHaveAttribute('aria-pressed', 'true');
    const chart = screen.getByRole('img');
    expect(chart.getAttribute('aria-label')).toBe(
      'The 3 largest repositories: demo/app 1.2 MB, <untagged> 500 kB, other 200 kB',
    );
  });

  it('switches to images, each bar split into unique and shared', async () => {
    render(DiskLargestChart, props());
    await userEvent.click(screen.getByTestId('disk-largest-images'));
    expect(bars()).toEqual([
      ['other:1', 3_000_000],
      ['demo/app:1', 2_000_000],
      ['c3c3c3c3c3c3', 500_000],
    ]);
    const [other, , dangling] = screen.getAllByTestId('disk-largest-item');
    expect(other.dataset).toMatchObject({ id: B, unique: '200000', shared: '2800000' });
    expect(other.querySelector('rect.unique title')).toHaveTextContent('Unique: 200 kB');
    expect(other.querySelector('rect.shared title')).toHaveTextContent('Shared: 2.8 MB');
    // Not known yet: one whole bar.
    expect(dangling.querySelector('rect.unique')).toBeNull();
    expect(dangling.querySelector('rect.whole')).not.toBeNull();
  });

  it('shows at most ten', () => {
    const many = Array.from({ length: 14 }, (_, i) =>
      image({ id: hexId(i.toString(16).padStart(2, '0') + 'f'), tags: [`r${i}:1`], size: i + 1 }),
    );
    render(DiskLargestChart, props(many));
    expect(bars()).toHaveLength(10);
    expect(bars()[0]).toEqual(['r13', 14]);
  });

  it('says so when there are no images', () => {
    render(DiskLargestChart, { repos: [], items: [] });
    expect(screen.queryByRole('img')).toBeNull();
    expect(screen.getByText('No images.')).toBeInTheDocument();
  });
});
