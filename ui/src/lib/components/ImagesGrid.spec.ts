import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import ImagesGrid, { ROW_HEIGHT } from './ImagesGrid.svelte';
import { clock } from '$lib/stores/clock.svelte';
import { images } from '$lib/stores/images.svelte';
import { pins } from '$lib/stores/pins.svelte';
import { selection } from '$lib/stores/selection.svelte';
import { view } from '$lib/stores/view.svelte';
import { hexId, image, pinsState } from '$test/fixtures';
import { given } from '$test/render';

const A = hexId('a1');
const B = hexId('b2');
const C = hexId('c3');
const list = [
  image({ id: A, tags: ['demo/app:1.0', 'demo/app:latest'], size: 2_000_000, created: 300 }),
  image({
    id: B,
    tags: ['127.0.0.1:5000/team/api:2'],
    size: 5_000_000,
    created: 200,
    containers: 3,
  }),
  image({ id: C, tags: [], size: 700_000, created: 100 }),
];

const shown = () =>
  screen.getAllByTestId('image-row').map((r) => `${r.dataset.repo}:${r.dataset.tag}`);

function many(n: number) {
  return Array.from({ length: n }, (_, i) =>
    image({
      id: `sha256:${i.toString(16).padStart(64, '0')}`,
      tags: [`repo/${String(i).padStart(5, '0')}:v${i}`],
      created: 1_000_000 + i,
      size: i,
    }),
  );
}

describe('ImagesGrid', () => {
  it('shows a skeleton until the list is loaded, then grid-ready', async () => {
    render(ImagesGrid);
    expect(screen.queryByTestId('grid-ready')).toBeNull();
    expect(screen.queryAllByTestId('image-row')).toHaveLength(0);
    given(list);
    expect(await screen.findByTestId('grid-ready')).toBeInTheDocument();
  });

  it('renders one row per tag with the data the tests and users rely on', () => {
    given(list);
    render(ImagesGrid);
    const rows = screen.getAllByTestId('image-row');
    expect(rows).toHaveLength(4);
    const api = rows.find((r) => r.dataset.id === B)!;
    expect(api.dataset).toMatchObject({
      repo: '127.0.0.1:5000/team/api',
      tag: '2',
      size: '5000000',
    });
    expect(api).toHaveTextContent('b2b2b2b2b2b2');
    expect(api).toHaveTextContent('5 MB');
    const dangling = rows.find((r) => r.dataset.id === C)!;
    expect(dangling.dataset).toMatchObject({ repo: '<none>', tag: '<none>' });
  });

  it('marks pinned images, with the pin that protects them', () => {
    pins.apply(pinsState(['demo/app']));
    given(list);
    render(ImagesGrid);
    const marked = screen
      .getAllByTestId('image-row')
      .filter((r) => within(r).queryByTestId('row-pinned'))
      .map((r) => r.dataset.tag);
    expect(marked).toEqual(['1.0', 'latest']);
    expect(screen.getAllByTestId('row-pinned')[0]).toHaveAttribute(
      'title',
      'Pinned by “demo/app”: never pruned or bulk-deleted',
    );
  });

  it('shows relative creation times with the exact time in the title', () => {
    clock.now = (1_700_000_000 + 3 * 3600) * 1000;
    given([image({ id: A, tags: ['x:1'], created: 1_700_000_000 })]);
    render(ImagesGrid);
    const cell = within(screen.getByTestId('image-row')).getByText('3 hours ago');
    expect(cell.getAttribute('title')).toMatch(/2023/);
  });

  it('sorts by a column when its header is clicked, and reverses on a second click', async () => {
    given(list);
    render(ImagesGrid);
    await userEvent.click(screen.getByTestId('sort-size'));
    const sizes = () => screen.getAllByTestId('image-row').map((r) => Number(r.dataset.size));
    expect(sizes()).toEqual([5_000_000, 2_000_000, 2_000_000, 700_000]);
    await userEvent.click(screen.getByTestId('sort-size'));
    expect(sizes()).toEqual([700_000, 2_000_000, 2_000_000, 5_000_000]);
    expect(screen.getByTestId('sort-size').closest('[role=columnheader]')).toHaveAttribute(
      'aria-sort',
      'ascending',
    );
    await userEvent.click(screen.getByTestId('sort-repository'));
    expect(shown()).toEqual([
      '127.0.0.1:5000/team/api:2',
      'demo/app:1.0',
      'demo/app:latest',
      '<none>:<none>',
    ]);
  });

  it('with 10,000 rows renders only a window of them', () => {
    given(many(10_000));
    render(ImagesGrid);
    const grid = screen.getByTestId('images-grid');
    const rendered = screen.getAllByTestId('image-row');
    expect(rendered.length).toBeGreaterThan(10);
    expect(rendered.length).toBeLessThan(100);
    expect(grid).toHaveAttribute('data-total-rows', '10000');
    // The scroll height is that of all rows, so the scrollbar is honest.
    const body = grid.querySelector<HTMLElement>('.body')!;
    expect(body.style.height).toBe(`${10_000 * ROW_HEIGHT}px`);
  });

  it('renders the rows scrolled to', async () => {
    given(many(10_000));
    view.sort = { key: 'size', dir: 'asc' };
    render(ImagesGrid);
    const grid = screen.getByTestId('images-grid');
    grid.scrollTop = 5000 * ROW_HEIGHT;
    await fireEvent.scroll(grid);
    const sizes = screen.getAllByTestId('image-row').map((r) => Number(r.dataset.size));
    expect(sizes).toContain(5000);
    expect(sizes).toContain(5010);
    expect(sizes).not.toContain(0);
    expect(sizes.length).toBeLessThan(100);
  });

  it('goes back to the top when the search changes', async () => {
    given(many(10_000));
    render(ImagesGrid);
    const grid = screen.getByTestId('images-grid');
    grid.scrollTop = 2000 * ROW_HEIGHT;
    await fireEvent.scroll(grid);
    view.query = 'repo/0';
    await vi.waitFor(() => expect(grid.scrollTop).toBe(0));
    expect(screen.getAllByTestId('image-row')[0].dataset.repo).toMatch(/^repo\/0/);
  });

  it('moves the focus with the arrow keys and keeps it in view', async () => {
    given(many(10_000));
    view.sort = { key: 'size', dir: 'asc' };
    render(ImagesGrid);
    const grid = screen.getByTestId('images-grid');
    grid.focus();
    await userEvent.keyboard('{ArrowDown}{ArrowDown}{ArrowDown}');
    expect(selection.focused).toBe(images.rows[2].key);
    const focused = grid.querySelector<HTMLElement>('.focused')!;
    expect(focused.dataset.size).toBe('2');
    expect(grid.getAttribute('aria-activedescendant')).toBe(focused.id);
    await userEvent.keyboard('{End}');
    expect(grid.scrollTop).toBeGreaterThan(9000 * ROW_HEIGHT);
    expect(grid.querySelector<HTMLElement>('.focused')!.dataset.size).toBe('9999');
    await userEvent.keyboard('{ArrowUp}');
    expect(grid.querySelector<HTMLElement>('.focused')!.dataset.size).toBe('9998');
  });

  it('opens details with Enter and toggles selection with space', async () => {
    given(list);
    render(ImagesGrid);
    const grid = screen.getByTestId('images-grid');
    grid.focus();
    await userEvent.keyboard('{ArrowDown}');
    await userEvent.keyboard(' ');
    expect(selection.size).toBe(1);
    await userEvent.keyboard(' ');
    expect(selection.size).toBe(0);
    await userEvent.keyboard('{Enter}');
    expect(view.detailsId).toBe(A);
    expect(view.detailsName).toBe('demo/app:1.0');
  });

  it('opens the remove dialog with Delete for the focused row', async () => {
    given(list);
    render(ImagesGrid);
    screen.getByTestId('images-grid').focus();
    await userEvent.keyboard('{ArrowDown}{ArrowDown}{Delete}');
    expect(view.removeRows?.map((r) => r.name)).toEqual(['demo/app:latest']);
  });

  it('selects with click, ctrl-click and shift-click', async () => {
    given(list);
    render(ImagesGrid);
    const rows = () => screen.getAllByTestId('image-row');
    const user = userEvent.setup();
    await user.click(rows()[0]);
    expect(rows()[0]).toHaveAttribute('aria-selected', 'true');
    await user.keyboard('{Shift>}');
    await user.click(rows()[2]);
    await user.keyboard('{/Shift}');
    expect(rows().map((r) => r.getAttribute('aria-selected'))).toEqual([
      'true',
      'true',
      'true',
      'false',
    ]);
    await user.keyboard('{Control>}');
    await user.click(rows()[1]);
    await user.keyboard('{/Control}');
    expect(rows().map((r) => r.getAttribute('aria-selected'))).toEqual([
      'true',
      'false',
      'true',
      'false',
    ]);
    await user.click(rows()[3]);
    expect(selection.size).toBe(1);
  });

  it('selects with the row checkbox and the header checkbox', async () => {
    given(list);
    render(ImagesGrid);
    const boxes = screen.getAllByTestId('row-select');
    await userEvent.click(boxes[1]);
    await userEvent.click(boxes[3]);
    expect(selection.size).toBe(2);
    expect(boxes[1]).toBeChecked();
    await userEvent.click(screen.getByTestId('select-all'));
    expect(selection.size).toBe(4);
    await userEvent.click(screen.getByTestId('select-all'));
    expect(selection.size).toBe(0);
  });

  it('groups by repository with totals counting a shared image once, and expands', async () => {
    given([
      ...list,
      image({ id: hexId('d4'), tags: ['demo/app:0.9'], size: 1_000_000, created: 50 }),
    ]);
    view.group = true;
    render(ImagesGrid);
    const group = screen.getAllByTestId('group-row').find((g) => g.dataset.repo === 'demo/app')!;
    expect(group.dataset.count).toBe('3');
    expect(group.dataset.totalSize).toBe('3000000');
    expect(group).toHaveTextContent('3 tags');
    expect(group).toHaveTextContent('3 MB');
    expect(screen.queryAllByTestId('image-row')).toHaveLength(0);
    await userEvent.click(group);
    expect(shown()).toEqual(['demo/app:1.0', 'demo/app:latest', 'demo/app:0.9']);
    await userEvent.click(within(group).getByTestId('group-select'));
    expect(selection.size).toBe(3);
  });

  it('says when there are no images, and when nothing matches', async () => {
    given([]);
    const { unmount } = render(ImagesGrid);
    expect(screen.getByTestId('grid-empty')).toHaveTextContent('No images');
    unmount();
    given(list);
    view.query = 'nothing-like-this';
    render(ImagesGrid);
    expect(screen.getByTestId('grid-empty')).toHaveTextContent('No images match');
    await userEvent.click(screen.getByTestId('clear-filters'));
    expect(screen.getAllByTestId('image-row')).toHaveLength(4);
  });

  it('drops selected rows that disappear after a refresh', async () => {
    given(list);
    render(ImagesGrid);
    selection.set(images.rows.map((r) => r.key));
    given(list.slice(0, 1));
    await vi.waitFor(() => expect(selection.size).toBe(2));
  });

  it("shows each image's unique bytes once counted, and the engine it lives in", async () => {
    given(list);
    render(ImagesGrid);
    const row = () => screen.getAllByTestId('image-row').find((r) => r.dataset.id === B)!;
    // Not yet counted: a placeholder, never a made-up 0.
    expect(within(row()).getByTestId('unique-size')).not.toHaveTextContent(/\d/);
    images.usage = new Map([
      [B, { id: B, size: 5_000_000, unique_size: 4_000_000, shared_size: 1_000_000 }],
    ]);
    await vi.waitFor(() =>
      expect(within(row()).getByTestId('unique-size')).toHaveTextContent('4 MB'),
    );
    expect(within(row()).getByTestId('unique-size')).toHaveAttribute(
      'title',
      '4 MB only in this image (freed when it goes), 1 MB shared with other images',
    );
    expect(within(row()).getByTestId('engine-cell')).toHaveTextContent('Docker');
  });

  it('sorts by unique size', async () => {
    given(list);
    images.usage = new Map([
      [A, { id: A, size: 2_000_000, unique_size: 100, shared_size: 1_999_900 }],
      [B, { id: B, size: 5_000_000, unique_size: 50, shared_size: 4_999_950 }],
      [C, { id: C, size: 700_000, unique_size: 700_000, shared_size: 0 }],
    ]);
    render(ImagesGrid);
    // Largest first, like size: what would removing free the most?
    await userEvent.click(screen.getByTestId('sort-unique'));
    expect(screen.getAllByTestId('image-row').map((r) => r.dataset.id)).toEqual([C, A, A, B]);
  });

  it('in All engines names each row’s engine, sorts by it and says which engine is lost', async () => {
    const { engine } = await import('$lib/stores/engine.svelte');
    const { engineView, enginesList } = await import('$test/fixtures');
    given([]);
    engine.list = enginesList(
      [engineView('desk'), engineView('vm'), engineView('lab', 'unreachable')],
      'all',
    );
    images.lists = new Map([
      ['vm', [image({ id: A, tags: ['demo/app:1.0'] })]],
      ['desk', [image({ id: A, tags: ['demo/app:1.0'] })]],
    ]);
    render(ImagesGrid);
    const cells = () => screen.getAllByTestId('engine-cell').map((c) => c.textContent?.trim());
    expect(cells().sort()).toEqual(['desk', 'vm']);
    await userEvent.click(screen.getByTestId('sort-engine'));
    expect(cells()).toEqual(['desk', 'vm']);
    await userEvent.click(screen.getByTestId('sort-engine'));
    expect(cells()).toEqual(['vm', 'desk']);
    const notice = screen.getByTestId('engine-lost-notice');
    expect(notice.dataset.engine).toBe('lab');
    expect(notice).toHaveTextContent('lab cannot be reached');
    view.query = 'engine:vm';
    await vi.waitFor(() => expect(cells()).toEqual(['vm']));
  });

  it('opens details on the row’s engine', async () => {
    given([]);
    images.lists = new Map([['lab', [image({ id: A, tags: ['demo/app:1.0'] })]]]);
    render(ImagesGrid);
    await userEvent.dblClick(screen.getByTestId('image-row'));
    expect(view.detailsEngine).toBe('lab');
  });
});
