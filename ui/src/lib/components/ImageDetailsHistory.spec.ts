import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import ImageDetailsHistory from './ImageDetailsHistory.svelte';
import { details } from '$lib/stores/details.svelte';
import { mockApi } from '$test/mock-api';
import { hexId, historyEntry } from '$test/fixtures';

const A = hexId('a1');

describe('ImageDetailsHistory', () => {
  it('renders one row per history entry, dims empty layers, and scales bars to the largest', async () => {
    mockApi.imageHistory.mockResolvedValue([
      historyEntry({ created_by: '/bin/sh -c #(nop)  CMD ["sh"]', size: 0, empty_layer: true }),
      historyEntry({
        created_by: '/bin/sh -c head -c 3000000 /dev/urandom > /blob',
        size: 3_000_000,
      }),
      historyEntry({ created_by: '/bin/sh -c #(nop)  ENV A=1', size: 0, empty_layer: true }),
      historyEntry({ created_by: '/bin/sh -c #(nop) ADD file:abc in /', size: 1_500_000 }),
    ]);
    details.show(A);
    render(ImageDetailsHistory);
    const rows = await screen.findAllByTestId('history-row');
    expect(mockApi.imageHistory).toHaveBeenCalledWith(A, null);
    expect(rows).toHaveLength(4);
    expect(rows.map((r) => r.classList.contains('empty'))).toEqual([true, false, true, false]);
    expect(rows[0]).toHaveTextContent('CMD ["sh"]');
    expect(rows[0]).toHaveTextContent('no layer');
    expect(rows[1]).toHaveTextContent('RUN head -c 3000000 /dev/urandom > /blob');
    expect(rows[1]).toHaveTextContent('3 MB');
    const widths = screen.getAllByTestId('history-bar').map((b) => b.style.width);
    expect(widths).toEqual(['0%', '100%', '0%', '50%']);
    expect(screen.getByTestId('details-history')).toHaveTextContent(
      '4 steps, 2 layers, 4.5 MB in total',
    );
  });

  it('shows the engine error', async () => {
    mockApi.imageHistory.mockRejectedValue({ code: 404, message: 'No such image: x' });
    details.show(A);
    render(ImageDetailsHistory);
    expect(await screen.findByText('No such image: x')).toBeInTheDocument();
  });
});
