import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import ImageDetails from './ImageDetails.svelte';
import { mockApi } from '$test/mock-api';
import { hexId, historyEntry, image } from '$test/fixtures';
import { given } from '$test/render';
import { view } from '$lib/stores/view.svelte';

const A = hexId('a1');

describe('ImageDetails', () => {
  it('titles the panel with the name it was opened from and switches tabs', async () => {
    given([image({ id: A, tags: ['demo/app:1', 'demo/app:2'] })]);
    mockApi.imageHistory.mockResolvedValue([historyEntry()]);
    render(ImageDetails, { id: A, name: 'demo/app:2', onclose: vi.fn() });
    const panel = screen.getByTestId('image-details');
    expect(panel).toHaveTextContent('demo/app:2');
    expect(screen.getByTestId('tab-summary')).toHaveAttribute('aria-selected', 'true');
    expect(await screen.findByTestId('details-summary')).toBeInTheDocument();

    await userEvent.click(screen.getByTestId('tab-history'));
    expect(screen.getByTestId('tab-history')).toHaveAttribute('aria-selected', 'true');
    expect(await screen.findAllByTestId('history-row')).toHaveLength(1);

    await userEvent.click(screen.getByTestId('tab-inspect'));
    expect(await screen.findByTestId('inspect-json')).toBeInTheDocument();

    await userEvent.click(screen.getByTestId('tab-tags'));
    expect(screen.getAllByTestId('tag-item')).toHaveLength(2);
  });

  it('opens Copy to engine… for the name it shows, or the ID of an untagged image', async () => {
    const U = hexId('u9');
    given([image({ id: A, tags: ['demo/app:1', 'demo/app:2'] }), image({ id: U, tags: [] })]);
    const { unmount } = render(ImageDetails, { id: A, name: 'demo/app:2', onclose: vi.fn() });
    await userEvent.click(screen.getByTestId('details-copy'));
    expect(view.copyRefs).toEqual(['demo/app:2']);
    unmount();
    render(ImageDetails, { id: U, onclose: vi.fn() });
    await userEvent.click(screen.getByTestId('details-copy'));
    expect(view.copyRefs).toEqual([U]);
  });

  it('moves between tabs with the arrow keys', async () => {
    given([image({ id: A, tags: ['demo/app:1'] })]);
    render(ImageDetails, { id: A, onclose: vi.fn() });
    screen.getByTestId('tab-summary').focus();
    await userEvent.keyboard('{ArrowRight}');
    expect(screen.getByTestId('tab-history')).toHaveAttribute('aria-selected', 'true');
    expect(screen.getByTestId('tab-history')).toHaveFocus();
    await userEvent.keyboard('{ArrowLeft}{ArrowLeft}');
    expect(screen.getByTestId('tab-tags')).toHaveAttribute('aria-selected', 'true');
  });

  it('closes', async () => {
    given([image({ id: A, tags: ['demo/app:1'] })]);
    const onclose = vi.fn();
    render(ImageDetails, { id: A, onclose });
    await userEvent.click(screen.getByTestId('close-details'));
    expect(onclose).toHaveBeenCalled();
  });
});
