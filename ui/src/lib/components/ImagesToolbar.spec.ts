import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import ImagesToolbar from './ImagesToolbar.svelte';
import { selection } from '$lib/stores/selection.svelte';
import { view } from '$lib/stores/view.svelte';
import { images } from '$lib/stores/images.svelte';
import { hexId, image } from '$test/fixtures';
import { given } from '$test/render';

describe('ImagesToolbar', () => {
  it('searches as the user types', async () => {
    render(ImagesToolbar);
    await userEvent.type(screen.getByTestId('search'), 'demo');
    expect(view.query).toBe('demo');
    await userEvent.type(screen.getByTestId('search'), '{Backspace}{Backspace}');
    expect(view.query).toBe('de');
  });

  it('clears the search with Escape', async () => {
    render(ImagesToolbar);
    const search = screen.getByTestId('search');
    await userEvent.type(search, 'demo{Escape}');
    expect(view.query).toBe('');
    expect(search).toHaveValue('');
  });

  it('has one pressed filter at a time', async () => {
    render(ImagesToolbar);
    expect(screen.getByTestId('filter-all')).toHaveAttribute('aria-pressed', 'true');
    await userEvent.click(screen.getByTestId('filter-dangling'));
    expect(view.filter).toBe('dangling');
    expect(screen.getByTestId('filter-dangling')).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByTestId('filter-all')).toHaveAttribute('aria-pressed', 'false');
    await userEvent.click(screen.getByTestId('filter-in-use'));
    await userEvent.click(screen.getByTestId('filter-unused'));
    expect(view.filter).toBe('unused');
  });

  it('toggles grouping by repository', async () => {
    render(ImagesToolbar);
    await userEvent.click(screen.getByTestId('group-by-repo'));
    expect(view.group).toBe(true);
  });

  it('enables Remove… only with a selection, and opens the dialog for it', async () => {
    given([image({ id: hexId('a1'), tags: ['demo/app:1'] })]);
    render(ImagesToolbar);
    const remove = screen.getByTestId('remove-selected');
    expect(remove).toBeDisabled();
    selection.set([images.rows[0].key]);
    await userEvent.click(await screen.findByTestId('remove-selected'));
    expect(screen.getByTestId('selected-count')).toHaveTextContent('1 selected');
    expect(view.removeRows?.map((r) => r.name)).toEqual(['demo/app:1']);
  });

  it('enables Copy to engine… only with a selection, and opens it for the selected names', async () => {
    given([
      image({ id: hexId('a1'), tags: ['demo/app:1', 'demo/app:latest'] }),
      image({ id: hexId('b2'), tags: [] }),
    ]);
    render(ImagesToolbar);
    expect(screen.getByTestId('copy-selected')).toBeDisabled();
    selection.set(images.rows.map((r) => r.key));
    await userEvent.click(await screen.findByTestId('copy-selected'));
    expect(view.copyRefs).toHaveLength(3);
    expect(view.copyRefs).toEqual(
      expect.arrayContaining(['demo/app:1', 'demo/app:latest', hexId('b2')]),
    );
  });
});
