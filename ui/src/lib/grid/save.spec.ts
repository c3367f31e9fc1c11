// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { buildRows } from './rows';
import { planSave, suggestedFileName } from './save';
import { hexId, image } from '$test/fixtures';

const A = hexId('a1');
const B = hexId('b2');
const rows = buildRows([
  image({ id: A, tags: ['demo/app:1.0', 'demo/app:latest'], size: 2_000 }),
  image({ id: B, tags: [], size: 500 }),
]);

describe('planSave', () => {
  it('saves names as names so a later load brings them back, and nameless images by ID', () => {
    const plan = planSave(rows);
    expect(plan.references).toEqual(['demo/app:1.0', 'demo/app:latest', B]);
  });

  it('counts an image with two selected names once', () => {
    const plan = planSave(rows);
    expect(plan.images).toBe(2);
    expect(plan.size).toBe(2_500);
  });
});

describe('suggestedFileName', () => {
  it('names the file after a single image', () => {
    expect(suggestedFileName(['127.0.0.1:5000/team/api:2'])).toBe('api_2.tar');
    expect(suggestedFileName([A])).toBe(`${'a1'.repeat(20)}.tar`);
  });

  it('says how many images a multi-image tar holds', () => {
    expect(suggestedFileName(['a:1', 'b:2'])).toBe('images-2.tar');
  });
});
