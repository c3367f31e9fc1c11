import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import ImagesRemoveDialog from './ImagesRemoveDialog.svelte';
import { buildRows } from '$lib/grid/rows';
import { pins } from '$lib/stores/pins.svelte';
import { selection } from '$lib/stores/selection.svelte';
import { toasts } from '$lib/stores/toasts.svelte';
import { deferred, mockApi } from '$test/mock-api';
import { hexId, image, pinsState, removalItem, removalPlan, reportAsPlanned } from '$test/fixtures';
import type { RemovalPlan, RemovalReport } from '$lib/api';

const A = hexId('a1');
const B = hexId('b2');
const C = hexId('c3');
const rows = buildRows([
  image({ id: A, tags: ['demo/app:1', 'demo/app:latest'], size: 2_000_000, containers: 1 }),
  image({ id: B, tags: ['solo:1'], size: 5_000_000 }),
  image({ id: C, tags: [], size: 700_000 }),
]);
const pick = (...names: (string | null)[]) => rows.filter((r) => names.includes(r.name));
const web = { id: 'c0ffee00c0ffee', name: 'web', state: 'exited', status: 'Exited (0)' };

/** The backend's answers for an in-use image with two names (both selected) and `solo:1`. */
function inUse(engine: 'docker' | 'podman') {
  const refused = removalItem({
    id: A,
    tags: ['demo/app:1', 'demo/app:latest'],
    requested: ['demo/app:1', 'demo/app:latest'],
    refusal: {
      kind: 'in_use',
      containers: [web],
      subject: 'demo/app:1, demo/app:latest',
      message: 'demo/app:1 is used by container(s) web',
      forceable: true,
    },
  });
  const solo = removalItem({
    id: B,
    tags: ['solo:1'],
    requested: ['solo:1'],
    untag: ['solo:1'],
    delete: true,
    steps: [{ reference: 'solo:1', force: false }],
  });
  const forcedA = removalItem({
    ...refused,
    refusal: null,
    untag: ['demo/app:1', 'demo/app:latest'],
    delete: true,
    containers_deleted: engine === 'podman' ? [web] : [],
    containers_kept: engine === 'docker' ? [web] : [],
    steps: [{ reference: A, force: true }],
  });
  const plain = removalPlan([refused, solo], { engine });
  const forced = removalPlan([forcedA, solo], { engine, force: true });
  mockApi.imagesRemovePlan.mockImplementation(async (_r: string[], force: boolean) =>
    force ? forced : plain,
  );
  return { plain, forced };
}

async function opened(names: (string | null)[]) {
  const onclose = vi.fn();
  render(ImagesRemoveDialog, { rows: pick(...names), onclose });
  await screen.findAllByTestId('remove-item');
  return onclose;
}

describe('ImagesRemoveDialog', () => {
  it('shows the backend plan: nothing of an in-use image goes, only its reason', async () => {
    inUse('docker');
    await opened(['demo/app:1', 'demo/app:latest', 'solo:1']);
    expect(mockApi.imagesRemovePlan).toHaveBeenCalledWith(
      ['demo/app:1', 'demo/app:latest', 'solo:1'],
      false,
      null,
    );
    const [a, solo] = screen.getAllByTestId('remove-item');
    expect(a).toHaveAttribute('data-outcome', 'refused');
    expect(a).toHaveAttribute('data-untag', '');
    expect(a).toHaveTextContent(
      'Used by the container web (exited): remove that container first, or use Force.',
    );
    expect(solo).toHaveAttribute('data-outcome', 'delete');
    expect(screen.getByTestId('remove-summary')).toHaveTextContent(
      '1 name will be removed and 1 image deleted. 1 image is kept: see why below.',
    );
  });

  it('offers Force only when it would help, and says Docker keeps the containers', async () => {
    inUse('docker');
    await opened(['demo/app:1', 'demo/app:latest', 'solo:1']);
    expect(screen.getByTestId('force-explained')).toHaveTextContent(
      'the containers stay (web (exited))',
    );
    await userEvent.click(screen.getByTestId('force-remove'));
    expect(screen.getAllByTestId('remove-item')[0]).toHaveAttribute('data-outcome', 'delete');
    expect(screen.getAllByTestId('remove-item')[0]).toHaveTextContent(
      'The containers made from it stay: web (exited).',
    );
    expect(screen.queryByTestId('accept-containers')).toBeNull();
    await userEvent.click(screen.getByTestId('confirm-remove'));
    expect(mockApi.imagesRemove).toHaveBeenCalledWith(
      ['demo/app:1', 'demo/app:latest', 'solo:1'],
      true,
      [],
      null,
    );
  });

  it('while the pins file is damaged, nothing can be removed and the dialog says why', async () => {
    pins.apply(pinsState([], { recovered: [] }));
    await opened(['solo:1']);
    expect(screen.getByTestId('remove-blocked')).toHaveTextContent('Clean-up and delete are off');
    expect(screen.getByTestId('confirm-remove')).toBeDisabled();
    await userEvent.click(screen.getByTestId('confirm-remove'));
    expect(mockApi.imagesRemove).not.toHaveBeenCalled();
  });

  it('has no Force where nothing needs it', async () => {
    await opened(['solo:1']);
    expect(screen.queryByTestId('force-remove')).toBeNull();
  });

  it('lists the containers Podman’s Force would delete and waits for a yes to each', async () => {
    const { forced } = inUse('podman');
    mockApi.imagesRemove.mockResolvedValue(reportAsPlanned(forced));
    const onclose = await opened(['demo/app:1', 'demo/app:latest', 'solo:1']);
    expect(screen.getByTestId('force-explained')).toHaveTextContent(
      'also deletes the containers made from these images, running ones too: web (exited)',
    );
    await userEvent.click(screen.getByTestId('force-remove'));
    expect(screen.getByTestId('remove-summary')).toHaveTextContent(
      '1 container will be deleted too',
    );
    const confirm = screen.getByTestId('confirm-remove');
    expect(confirm).toBeDisabled();
    await userEvent.click(screen.getByTestId('accept-containers'));
    await userEvent.click(confirm);
    expect(mockApi.imagesRemove).toHaveBeenCalledWith(
      ['demo/app:1', 'demo/app:latest', 'solo:1'],
      true,
      [web.id],
      null,
    );
    expect(onclose).toHaveBeenCalled();
    expect(toasts.items.at(-1)?.title).toBe('Removed 2 items');
  });

  it('after a partial failure says what went, what stayed and why, and retries what is left', async () => {
    const { plain } = inUse('docker');
    const partial: RemovalReport = {
      ...reportAsPlanned(plain),
      left: ['demo/app:1', 'demo/app:latest'],
    };
    partial.outcomes[0] = {
      ...partial.outcomes[0],
      untagged: ['demo/app:1'],
      names_left: ['demo/app:latest'],
      error: { code: 409, message: 'conflict: unable to remove repository reference' },
      refusal: null,
      as_planned: false,
    };
    mockApi.imagesRemove.mockResolvedValue(partial);
    selection.setMany(
      pick('demo/app:1', 'demo/app:latest', 'solo:1').map((r) => r.key),
      true,
    );
    const onclose = await opened(['demo/app:1', 'demo/app:latest', 'solo:1']);
    await userEvent.click(screen.getByTestId('confirm-remove'));
    expect(onclose).not.toHaveBeenCalled();
    const [a, solo] = await screen.findAllByTestId('remove-outcome');
    expect(a).toHaveTextContent('Removed: demo/app:1');
    expect(a).toHaveTextContent('Still there: demo/app:latest');
    expect(within(a).getByTestId('remove-item-error')).toHaveTextContent(
      'conflict: unable to remove repository reference',
    );
    expect(solo).toHaveAttribute('data-deleted', 'true');
    expect(screen.getByTestId('remove-result')).toHaveTextContent('1 item could not be removed');
    expect(screen.getByTestId('remove-summary')).toHaveTextContent('Done for 1 of 2');
    // Only what went is deselected.
    expect(selection.has(pick('solo:1')[0].key)).toBe(false);
    expect(selection.has(pick('demo/app:latest')[0].key)).toBe(true);
    await userEvent.click(screen.getByTestId('retry-remove'));
    await waitFor(() =>
      expect(mockApi.imagesRemovePlan).toHaveBeenLastCalledWith(
        ['demo/app:1', 'demo/app:latest'],
        true,
        null,
      ),
    );
    expect(await screen.findAllByTestId('remove-item')).toHaveLength(2);
  });

  it('says why a pinned image is kept, in the backend’s words for the reason', async () => {
    const pinned: RemovalPlan = removalPlan([
      removalItem({
        id: B,
        tags: ['solo:1'],
        requested: ['solo:1'],
        refusal: {
          kind: 'pinned',
          pattern: 'solo',
          subject: 'solo:1',
          message: '',
          forceable: false,
        },
      }),
    ]);
    mockApi.imagesRemovePlan.mockResolvedValue(pinned);
    await opened(['solo:1']);
    expect(screen.getByTestId('remove-item-refusal')).toHaveTextContent('Pinned by “solo”: kept.');
    expect(screen.getByTestId('confirm-remove')).toBeDisabled();
  });

  it('cannot be closed while removing, and shows a failure to reach the backend', async () => {
    const pending = deferred<RemovalReport>();
    mockApi.imagesRemove.mockReturnValue(pending.promise);
    const onclose = await opened([null]);
    await userEvent.click(screen.getByTestId('confirm-remove'));
    await userEvent.click(screen.getByTestId('cancel-remove'));
    expect(onclose).not.toHaveBeenCalled();
    pending.reject({ code: 503, message: 'No container engine is connected.' });
    expect(await screen.findByTestId('remove-error')).toHaveTextContent('No container engine');
  });
});
