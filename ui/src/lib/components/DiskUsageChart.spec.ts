import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { tick } from 'svelte';
import DiskUsageChart from './DiskUsageChart.svelte';
import { systemUsage } from '$lib/disk/usage';
import { diskUsage } from '$test/fixtures';

function usage(source: 'engine' | 'computed' = 'engine') {
  const disk = diskUsage(7_340_032_123);
  disk.images = { count: 12, active: 3, size: 7_340_032_123, reclaimable: 1_234_567_890 };
  disk.build_cache = { count: 40, active: 0, size: 2_000_000_000, reclaimable: 1_500_000_000 };
  disk.containers = { count: 2, active: 1, size: 0, reclaimable: 0 };
  disk.volumes = { count: null, active: null, size: null, reclaimable: null };
  return systemUsage({ ...disk, source });
}

describe('DiskUsageChart', () => {
  it('gives every category its size, reclaimable bytes and count, exact in data-bytes', () => {
    render(DiskUsageChart, { usage: usage() });
    expect(screen.getByTestId('disk-images-size')).toHaveAttribute('data-bytes', '7340032123');
    expect(screen.getByTestId('disk-images-size')).toHaveTextContent('7.34 GB');
    expect(screen.getByTestId('disk-images-reclaimable')).toHaveAttribute(
      'data-bytes',
      '1234567890',
    );
    expect(screen.getByTestId('disk-build_cache-size')).toHaveAttribute('data-bytes', '2000000000');
    expect(screen.getByTestId('disk-build_cache-reclaimable')).toHaveTextContent('1.5 GB');
    expect(screen.getByTestId('disk-containers-size')).toHaveAttribute('data-bytes', '0');
    expect(screen.getByTestId('disk-images-count')).toHaveTextContent('12');
    // Unknown: shown as a dash, no number to compare.
    expect(screen.getByTestId('disk-volumes-size')).not.toHaveAttribute('data-bytes');
    expect(screen.getByTestId('disk-volumes-size')).toHaveTextContent('—');
    expect(screen.getByTestId('disk-total-size')).toHaveAttribute('data-bytes', '9340032123');
    expect(screen.getByTestId('disk-total-reclaimable')).toHaveAttribute(
      'data-bytes',
      '2734567890',
    );
  });

  it('draws one titled slice per category with bytes, and summarises the donut', () => {
    render(DiskUsageChart, { usage: usage() });
    const chart = screen.getByRole('img');
    const slices = chart.querySelectorAll('path[data-category]');
    expect([...slices].map((s) => s.getAttribute('data-category'))).toEqual([
      'images',
      'build_cache',
    ]);
    expect(slices[0].querySelector('title')).toHaveTextContent('Images: 7.34 GB (79%)');
    expect(chart).toHaveAttribute(
      'aria-label',
      'Disk usage, 9.34 GB in all: Images 7.34 GB, Build cache 2 GB, Containers 0 B, Volumes —',
    );
  });

  it('says where the numbers come from', () => {
    const { unmount } = render(DiskUsageChart, { usage: usage() });
    expect(screen.getByTestId('disk-source')).toHaveTextContent('Reported by the engine');
    unmount();
    render(DiskUsageChart, { usage: usage('computed') });
    expect(screen.getByTestId('disk-source')).toHaveAttribute('data-source', 'computed');
    expect(screen.getByTestId('disk-source')).toHaveTextContent('Computed from image layers');
  });

  it('draws an empty ring when nothing is on disk', () => {
    render(DiskUsageChart, { usage: systemUsage(diskUsage(0)) });
    const chart = screen.getByRole('img');
    expect(chart.querySelectorAll('path')).toHaveLength(0);
    expect(chart).toHaveAttribute('aria-label', 'Disk usage: nothing on disk');
  });

  it('speaks Chinese', async () => {
    render(DiskUsageChart, { usage: usage() });
    locale.set('zh-CN');
    await tick();
    const table = screen.getByRole('table');
    expect(within(table).getByText('构建缓存')).toBeInTheDocument();
    expect(screen.getByRole('img').getAttribute('aria-label')).toMatch(/^磁盘占用，共 9.34 GB：/);
  });
});
