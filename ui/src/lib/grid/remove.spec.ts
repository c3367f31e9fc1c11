// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { planRemoval } from './remove';
import { buildRows } from './rows';
import { hexId, image } from '$test/fixtures';

const A = hexId('a1');
const B = hexId('b2');
const C = hexId('c3');
const rows = buildRows([
  image({ id: A, tags: ['demo/app:1', 'demo/app:latest'] }),
  image({ id: B, tags: ['solo:1'] }),
  image({ id: C, tags: [] }),
  image({ id: hexId('e5'), tags: ['x/one:1', 'y/two:1'], containers: 1 }),
]);
const row = (name: string | null, id?: string) =>
  rows.find((r) => r.name === name && (id === undefined || r.id === id))!;

describe('planRemoval', () => {
  it('removes just the name when the image keeps other names', () => {
    const plan = planRemoval([row('demo/app:1')], false);
    expect(plan.references).toEqual(['demo/app:1']);
    expect(plan.items[0]).toMatchObject({ imageDeleted: false, reference: 'demo/app:1' });
    expect(plan.imagesDeleted).toBe(0);
  });

  it('removes by ID an image whose only name is selected, and an untagged image', () => {
    const plan = planRemoval([row('solo:1'), row(null, C)], false);
    expect(plan.references).toEqual([B, C]);
    expect(plan.items.every((i) => i.imageDeleted)).toBe(true);
    expect(plan.imagesDeleted).toBe(2);
  });

  it('removes every name of a fully selected image without force (engines refuse the ID)', () => {
    const plan = planRemoval([row('demo/app:1'), row('demo/app:latest')], false);
    expect(plan.references).toEqual(['demo/app:1', 'demo/app:latest']);
    expect(plan.items.every((i) => i.imageDeleted)).toBe(true);
    expect(plan.imagesDeleted).toBe(1);
  });

  it('removes a fully selected image by ID with force', () => {
    const plan = planRemoval([row('demo/app:1'), row('demo/app:latest')], true);
    expect(plan.references).toEqual([A]);
    expect(plan.items.map((i) => i.reference)).toEqual([A, A]);
  });

  it('lists one item per selected row', () => {
    const selected = [row('demo/app:1'), row('solo:1'), row('x/one:1')];
    expect(planRemoval(selected, false).items.map((i) => i.name)).toEqual([
      'demo/app:1',
      'solo:1',
      'x/one:1',
    ]);
  });
});
