// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { emptyForm, toBuildOptions } from './form';

describe('toBuildOptions', () => {
  it('turns the fields into what the engine gets', () => {
    const { options, problems } = toBuildOptions({
      ...emptyForm(),
      context: '/src/app',
      dockerfile: 'Dockerfile.prod',
      tags: 'demo/app:1, demo/app:latest',
      target: 'final',
      args: { GREETING: 'bonjour', UNCHANGED: '' },
      extraArgs: 'EXTRA=1\n',
      labels: 'team=core\nurl=http://x/?a=b',
      memoryMiB: '512',
      network: 'none',
      noCache: true,
    });
    expect(problems).toEqual([]);
    expect(options).toMatchObject({
      dockerfile: 'Dockerfile.prod',
      tags: ['demo/app:1', 'demo/app:latest'],
      target: 'final',
      // An ARG left empty keeps the Dockerfile's default: it is not sent.
      build_args: { GREETING: 'bonjour', EXTRA: '1' },
      labels: { team: 'core', url: 'http://x/?a=b' },
      memory: 512 * 1024 * 1024,
      network_mode: 'none',
      no_cache: true,
    });
  });

  it('names every problem instead of sending a build that would fail', () => {
    const { problems } = toBuildOptions({
      ...emptyForm(),
      tags: 'Bad:Tag ok:1',
      labels: 'novalue',
      memoryMiB: 'lots',
    });
    expect(problems.map((p) => [p.field, p.value])).toEqual([
      ['context', ''],
      ['tags', 'Bad:Tag'],
      ['labels', 'novalue'],
      ['memoryMiB', 'lots'],
    ]);
  });
});
