// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { dropIntent } from './drop';

describe('dropIntent', () => {
  it('loads a dropped tar', () => {
    expect(dropIntent(['/home/me/images.tar'])).toEqual({
      kind: 'load',
      path: '/home/me/images.tar',
    });
    expect(dropIntent(['/tmp/x.TGZ'])).toMatchObject({ kind: 'load' });
  });

  it('builds from a dropped Dockerfile, in its folder', () => {
    expect(dropIntent(['/src/app/Dockerfile'])).toEqual({
      kind: 'build',
      context: '/src/app',
      dockerfile: '/src/app/Dockerfile',
    });
    expect(dropIntent(['/src/app/Dockerfile.prod'])).toMatchObject({
      dockerfile: '/src/app/Dockerfile.prod',
    });
    expect(dropIntent(['/src/app/api.containerfile'])).toMatchObject({ context: '/src/app' });
  });

  it('takes a dropped folder as the build context', () => {
    expect(dropIntent(['/src/app/'])).toEqual({
      kind: 'build',
      context: '/src/app',
      dockerfile: null,
    });
    expect(dropIntent(['/src/app'])).toEqual({
      kind: 'build',
      context: '/src/app',
      dockerfile: null,
    });
  });

  it('ignores what means nothing here, and looks past it', () => {
    expect(dropIntent(['/home/me/photo.png'])).toEqual({ kind: 'none' });
    expect(dropIntent(['/home/me/notes.txt', '/home/me/b.tar'])).toEqual({
      kind: 'load',
      path: '/home/me/b.tar',
    });
    expect(dropIntent([])).toEqual({ kind: 'none' });
  });
});
