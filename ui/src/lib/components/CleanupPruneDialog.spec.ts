import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import { locale } from 'svelte-i18n';
import { tick } from 'svelte';
import userEvent from '@testing-library/user-event';
import CleanupPruneDialog from './CleanupPruneDialog.svelte';
import { ApiError, type PlanItem, type PrunePlan } from '$lib/api';
import { mockApi, taskCommand } from '$test/mock-api';
import { hexId, pinsState } from '$test/fixtures';
import { pins } from '$lib/stores/pins.svelte';

vi.mock('$lib/dialogs', () => ({ pickTarSavePath: vi.fn(async () => null) }));

const A = hexId('a1');
const B = hexId('b2');
const C = hexId('c3');

function item(id: string, tags: string[], layers: [string, number][]): PlanItem {
  const size = layers.reduce((s, [, n]) => s + n, 0);
  return {
    id,
    tags,
    created: 0,
    size,
    unique_size: size,
    layers: layers.map(([l, n]) => ({ id: l, size: n })),
  };
}

const plan: PrunePlan = {
  images: [item(A, ['old/app:1'], [['la', 3_000_000]]), item(B, [], [['lb', 1_000_000]])],
  kept: [{ id: C, tags: ['db:1'], reason: { kind: 'protected', pattern: 'db' } }],
  space_to_reclaim: 4_000_000,
};

function ticks() {
  return within(screen.getByTestId('prune-list')).getAllByTestId('prune-item');
}

describe('CleanupPruneDialog', () => {
  it('previews dangling images first and lists each with its unique bytes and the total', async () => {
    mockApi.prunePreview.mockResolvedValue(plan);
    render(CleanupPruneDialog, { onclose: vi.fn() });
    await waitFor(() => expect(ticks()).toHaveLength(2));
    expect(mockApi.prunePreview).toHaveBeenCalledWith(
      expect.objectContaining({ all: false, keep: null, labels: [] }),
    );
    expect(ticks()[0]).toHaveTextContent('old/app:1');
    expect(ticks()[0]).toHaveTextContent('3 MB');
    expect(screen.getByTestId('prune-total').dataset.bytes).toBe('4000000');
    expect(mockApi.pruneConfirm).not.toHaveBeenCalled();
  });

  it('while the pins file is damaged it previews but cannot delete, and says why', async () => {
    pins.apply(pinsState([], { recovered: ['db'] }));
    mockApi.prunePreview.mockResolvedValue(plan);
    render(CleanupPruneDialog, { onclose: vi.fn() });
    await waitFor(() => expect(screen.getAllByTestId('prune-item')).toHaveLength(2));
    expect(screen.getByTestId('prune-blocked')).toHaveTextContent('Clean-up and delete are off');
    expect(screen.getByTestId('prune-confirm')).toBeDisabled();
    expect(screen.getByTestId('pin-input')).toBeDisabled();
    pins.apply(pinsState(['db']));
    await waitFor(() => expect(screen.getByTestId('prune-confirm')).toBeEnabled());
    expect(mockApi.pruneConfirm).not.toHaveBeenCalled();
  });

  it('says why a matching image stays', async () => {
    mockApi.prunePreview.mockResolvedValue(plan);
    render(CleanupPruneDialog, { onclose: vi.fn() });
    const kept = await screen.findByTestId('prune-kept');
    expect(kept).toHaveTextContent('db:1');
    expect(kept).toHaveTextContent('Pinned by “db”');
  });

  it('names the tag "keep newest" kept, in English and Chinese', async () => {
    const D = hexId('d4');
    mockApi.prunePreview.mockResolvedValue({
      ...plan,
      kept: [
        {
          id: D,
          tags: ['app:b', 'other:1'],
          reason: { kind: 'keep_newest', repository: 'app', keep: 1, tags: ['app:b'] },
        },
      ],
    });
    render(CleanupPruneDialog, { onclose: vi.fn() });
    const kept = await screen.findByTestId('prune-kept');
    expect(kept.querySelector('.why')).toHaveTextContent('Keeps app:b as the newest tag of app');
    try {
      locale.set('zh-CN');
      await tick();
      expect(kept.querySelector('.why')).toHaveTextContent('作为 app 最新的标签保留 app:b');
    } finally {
      locale.set('en');
    }
  });

  it('unticking an image takes its bytes off the total and keeps it out of the delete', async () => {
    mockApi.prunePreview.mockResolvedValue(plan);
    mockApi.pruneConfirm.mockImplementation(
      taskCommand('prune', async () => ({
        kind: 'prune',
        value: {
          images_deleted: [{ Deleted: A }],
          space_reclaimed: 2_990_000,
          measured: true,
          predicted: 3_000_000,
          skipped: [],
          saved_to: null,
        },
      })),
    );
    render(CleanupPruneDialog, { onclose: vi.fn() });
    await waitFor(() => expect(ticks()).toHaveLength(2));
    await userEvent.click(within(ticks()[1]).getByTestId('prune-tick'));
    expect(screen.getByTestId('prune-total').dataset.bytes).toBe('3000000');
    await userEvent.click(screen.getByTestId('prune-confirm'));
    await waitFor(() =>
      expect(mockApi.pruneConfirm).toHaveBeenCalledWith('Clean up 1 image', [plan.images[0]], null),
    );
    const result = await screen.findByTestId('prune-freed');
    expect(result).toHaveTextContent('Freed 2.99 MB (predicted 3 MB)');
    // Images the user ticked, not the intermediate build layers the engine deletes with them.
    expect(screen.getByTestId('prune-result')).toHaveTextContent('1 image deleted.');
  });

  it('says why a ticked image was skipped in the current language, the engine text apart', async () => {
    mockApi.prunePreview.mockResolvedValue(plan);
    const engineText = 'conflict: unable to delete b2 (must be forced)';
    mockApi.pruneConfirm.mockImplementation(
      taskCommand('prune', async () => ({
        kind: 'prune',
        value: {
          images_deleted: [],
          space_reclaimed: 0,
          measured: true,
          predicted: 0,
          skipped: [
            {
              id: A,
              tags: ['old/app:1'],
              reason: 'Tagged old/app:2 after the preview.',
              error: {
                code: 409,
                message: 'Tagged old/app:2 after the preview.',
                kind: { type: 'tagged_since', tag: 'old/app:2' },
              },
            },
            {
              id: B,
              tags: [],
              reason: engineText,
              error: { code: 409, message: engineText, detail: engineText },
            },
          ],
          saved_to: null,
        },
      })),
    );
    try {
      locale.set('zh-CN');
      render(CleanupPruneDialog, { onclose: vi.fn() });
      await waitFor(() => expect(ticks()).toHaveLength(2));
      await userEvent.click(screen.getByTestId('prune-confirm'));
      const skipped = await screen.findAllByTestId('prune-skipped');
      const why = skipped.map((s) => s.querySelector('.why')?.textContent ?? '');
      expect(why[0]).toBe('预览之后被加上了标签 old/app:2。');
      expect(why[0]).not.toContain('after the preview');
      // The engine's own words stay as they came.
      expect(why[1]).toBe(engineText);
    } finally {
      locale.set('en');
    }
  });

  it('an unticked image stays unticked when the preview refreshes', async () => {
    mockApi.prunePreview.mockResolvedValue(plan);
    render(CleanupPruneDialog, { onclose: vi.fn() });
    await waitFor(() => expect(ticks()).toHaveLength(2));
    await userEvent.click(within(ticks()[1]).getByTestId('prune-tick'));
    await userEvent.selectOptions(screen.getByTestId('prune-until'), '24h');
    await waitFor(() =>
      expect(mockApi.prunePreview).toHaveBeenLastCalledWith(
        expect.objectContaining({ until: '24h' }),
      ),
    );
    await waitFor(() => expect(screen.getByTestId('prune-confirm')).toBeEnabled());
    expect(within(ticks()[1]).getByTestId('prune-tick')).not.toBeChecked();
    expect(screen.getByTestId('prune-total').dataset.bytes).toBe('3000000');
  });

  it('cannot confirm a list that no longer answers the form', async () => {
    mockApi.prunePreview.mockResolvedValue(plan);
    render(CleanupPruneDialog, { onclose: vi.fn() });
    await waitFor(() => expect(screen.getByTestId('prune-confirm')).toBeEnabled());
    await userEvent.type(screen.getByTestId('prune-labels'), 'team=x');
    expect(screen.getByTestId('prune-confirm')).toBeDisabled();
    mockApi.prunePreview.mockRejectedValueOnce(new ApiError(503, 'engine gone'));
    await screen.findByTestId('prune-preview-error');
    expect(screen.getByTestId('prune-confirm')).toBeDisabled();
  });

  it('says the freed bytes are an estimate when the engine could not be measured', async () => {
    mockApi.prunePreview.mockResolvedValue(plan);
    mockApi.pruneConfirm.mockImplementation(
      taskCommand('prune', async () => ({
        kind: 'prune',
        value: {
          images_deleted: [{ Deleted: A }, { Deleted: B }],
          space_reclaimed: 4_000_000,
          measured: false,
          predicted: 4_000_000,
          skipped: [],
          saved_to: null,
        },
      })),
    );
    render(CleanupPruneDialog, { onclose: vi.fn() });
    await waitFor(() => expect(screen.getByTestId('prune-confirm')).toBeEnabled());
    await userEvent.click(screen.getByTestId('prune-confirm'));
    expect(await screen.findByTestId('prune-freed')).toHaveTextContent(
      'About 4 MB freed (the engine',
    );
  });

  it('all unused with keep newest sends the rule; a bad number is refused before asking', async () => {
    render(CleanupPruneDialog, { onclose: vi.fn() });
    await userEvent.click(screen.getByTestId('prune-mode-all'));
    await userEvent.type(screen.getByTestId('prune-keep'), '2');
    await waitFor(() =>
      expect(mockApi.prunePreview).toHaveBeenLastCalledWith(
        expect.objectContaining({ all: true, keep: 2 }),
      ),
    );
    await userEvent.clear(screen.getByTestId('prune-keep'));
    await userEvent.type(screen.getByTestId('prune-keep'), '0');
    expect(await screen.findByTestId('prune-form-error')).toHaveTextContent('whole number');
  });

  it('saves first to the chosen tar when asked, and a failed save leaves the preview', async () => {
    mockApi.prunePreview.mockResolvedValue(plan);
    mockApi.pruneConfirm.mockImplementation(
      taskCommand('prune', async () => {
        throw new ApiError(400, 'Saving before deleting; nothing was deleted: disk full');
      }),
    );
    render(CleanupPruneDialog, { onclose: vi.fn() });
    await waitFor(() => expect(ticks()).toHaveLength(2));
    await userEvent.click(screen.getByTestId('prune-save-first'));
    await userEvent.clear(screen.getByTestId('prune-save-path'));
    await userEvent.type(screen.getByTestId('prune-save-path'), '/tmp/keep.tar');
    await userEvent.click(screen.getByTestId('prune-confirm'));
    await waitFor(() =>
      expect(mockApi.pruneConfirm).toHaveBeenCalledWith(
        expect.any(String),
        plan.images,
        '/tmp/keep.tar',
      ),
    );
    expect(await screen.findByTestId('prune-error')).toHaveTextContent('nothing was deleted');
    expect(screen.getByTestId('prune-list')).toBeInTheDocument();
  });
});
