// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { containersDeleted, containerList, refusalSentence, selectionReferences } from './remove';
import { buildRows } from './rows';
import { hexId, image, removalItem, removalPlan } from '$test/fixtures';

const A = hexId('a1');
const C = hexId('c3');
const rows = buildRows([
  image({ id: A, tags: ['demo/app:1', 'demo/app:latest'] }),
  image({ id: C, tags: [] }),
]);

describe('selectionReferences', () => {
  it('sends names for named rows and the ID for a row without a name, each once', () => {
    expect(selectionReferences([...rows, rows[0]])).toEqual(['demo/app:1', 'demo/app:latest', C]);
  });
});

describe('refusalSentence', () => {
  const web = { id: 'c1c1c1c1c1c1c1', name: 'web', state: 'exited', status: '' };
  it('names the containers and says whether Force would do it', () => {
    const r = { kind: 'in_use' as const, containers: [web], message: 'x', forceable: true };
    expect(refusalSentence(r)).toEqual({
      key: 'remove.refused.inUseForceable',
      values: { count: 1, containers: 'web (exited)' },
    });
    expect(refusalSentence({ ...r, forceable: false }).key).toBe('remove.refused.inUse');
  });

  it('has a sentence for every reason the backend sends', () => {
    const reasons = [
      { kind: 'pinned' as const, pattern: 'demo' },
      { kind: 'running' as const, containers: [web] },
      { kind: 'has_children' as const, children: [A] },
      { kind: 'several_names' as const, names: ['a:1', 'b:1'] },
      { kind: 'containers_not_accepted' as const, containers: [web] },
      { kind: 'not_found' as const },
      { kind: 'ambiguous' as const, ids: [A, C] },
    ];
    const keys = reasons.map((r) => refusalSentence({ ...r, message: '', forceable: false }).key);
    expect(new Set(keys).size).toBe(reasons.length);
  });
});

describe('containersDeleted', () => {
  it('lists each container a forced plan deletes once', () => {
    const web = { id: 'w1', name: 'web', state: 'running', status: '' };
    const plan = removalPlan([
      removalItem({ id: A, containers_deleted: [web] }),
      removalItem({ id: C, containers_deleted: [web] }),
    ]);
    expect(containersDeleted(plan)).toEqual([web]);
    expect(containerList(containersDeleted(plan))).toBe('web (running)');
    expect(containersDeleted(null)).toEqual([]);
  });
});
