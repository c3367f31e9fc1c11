// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';
import { readDockerfile, resolveArgs } from './dockerfile';
import en from '../i18n/en.json';
import zhCN from '../i18n/zh-CN.json';

const multistage = `# syntax=docker/dockerfile:1
ARG BASE=busybox:latest
FROM \${BASE} AS build
ARG GREETING=hello
ARG EMPTY
RUN echo "$GREETING" \\
    > /greeting
FROM build AS Final
LABEL stage=final
`;

describe('readDockerfile', () => {
  it('finds the named stages for the target choice, lowercased like the builder', () => {
    expect(readDockerfile(multistage).stages).toEqual(['build', 'final']);
  });

  it('finds the ARGs with their defaults and the stage that declares them', () => {
    expect(readDockerfile(multistage).args).toEqual([
      { name: 'BASE', value: 'busybox:latest', stage: null },
      { name: 'GREETING', value: 'hello', stage: 0 },
      { name: 'EMPTY', value: null, stage: 0 },
    ]);
  });

  it('reads several ARGs on one line, quoted values and continuations', () => {
    const info = readDockerfile('ARG A=1 B="two words" \\\n  C\nFROM x\n');
    expect(info.args.map((a) => [a.name, a.value])).toEqual([
      ['A', '1'],
      ['B', '"two words"'],
      ['C', null],
    ]);
    expect(resolveArgs(info, {})).toEqual({ A: '1', B: 'two words', C: null });
    expect(info.problems).toEqual([]);
  });

  it('does not read a heredoc body as instructions', () => {
    const info = readDockerfile('FROM x\nCOPY <<EOF /etc/motd\nFROM nothing AS 1bad\nRUNN\nEOF\n');
    expect(info.problems).toEqual([]);
    expect(info.stages).toEqual([]);
    expect(info.steps).toBe(2);
  });

  it('follows the escape directive', () => {
    const info = readDockerfile('# escape=`\nFROM x\nARG A=1 `\n  B=2\nRUN dir c:\\\n');
    expect(info.args.map((a) => a.name)).toEqual(['A', 'B']);
    expect(info.steps).toBe(3);
    expect(resolveArgs(readDockerfile('# escape=`\nARG A=`$x\\y\nFROM x\n'), {}).A).toBe('$x\\y');
  });

  it('counts steps like the classic builder (continuations are one step)', () => {
    expect(readDockerfile(multistage).steps).toBe(7);
    expect(readDockerfile(multistage).problems).toEqual([]);
  });

  it('says what is wrong and where', () => {
    // (Lines count from 1, as an editor shows them.)
    const info = readDockerfile('FROM busybox AS\nRUNN echo\nFROM busybox AS 1bad\n');
    expect(info.problems).toEqual([
      { line: 1, key: 'fromShape' },
      { line: 2, key: 'unknownInstruction', values: { word: 'RUNN' } },
      { line: 3, key: 'badStageName', values: { name: '1bad' } },
    ]);
  });

  it('notices a Dockerfile without FROM', () => {
    expect(readDockerfile('# nothing\n').problems).toEqual([{ line: 1, key: 'noFrom' }]);
    expect(readDockerfile('RUN x\n').problems[0]).toEqual({
      line: 1,
      key: 'beforeFrom',
      values: { instruction: 'RUN' },
    });
  });

  it('words every problem it finds in English and in Chinese', () => {
    const bad = [
      'FROM a b\nRUNN x\nFROM a AS 1bad\n',
      '# nothing\n',
      'RUN x\nFROM\nFROM a AS s\nFROM b AS s\nARG\nARG 1x\n',
    ];
    const keys = new Set(bad.flatMap((t) => readDockerfile(t).problems.map((p) => p.key)));
    expect(keys.size).toBe(9);
    const catalogues: Record<string, Record<string, string>> = { en, zhCN };
    for (const [name, strings] of Object.entries(catalogues)) {
      for (const key of keys) {
        expect(strings[`build.problem.${key}`], `${name}: ${key}`).toBeTruthy();
      }
    }
    // Chinese is not the English sentence again.
    expect(zhCN['build.problem.noFrom']).not.toBe(en['build.problem.noFrom']);
  });
});

describe('resolveArgs', () => {
  const chained =
    'ARG BASE=slipway-test/busybox\nARG IMG=${BASE}:latest\nFROM ${IMG}\nARG IMG\nARG OWN=$BASE\nARG TAG=${NOPE:-v1}-${IMG:+set}\n';

  it('resolves defaults that use earlier ARGs, as the builder will', () => {
    expect(resolveArgs(readDockerfile(chained), {})).toEqual({
      BASE: 'slipway-test/busybox',
      IMG: 'slipway-test/busybox:latest',
      // The stage did not declare BASE again: the builder sees it empty there.
      OWN: '',
      TAG: 'v1-set',
    });
  });

  it('follows what the user typed into the defaults that depend on it', () => {
    const r = resolveArgs(readDockerfile(chained), { BASE: 'mine/base', IMG: '' });
    expect(r.BASE).toBe('mine/base');
    expect(r.IMG).toBe('mine/base:latest');
  });

  it('says null without a default and undefined where it cannot tell', () => {
    const r = resolveArgs(
      readDockerfile('ARG A\nARG B=${A#x}\nARG C=\\$A D=\'$A\' E="x$A"\nFROM x\n'),
      {},
    );
    expect(r).toEqual({ A: null, B: undefined, C: '$A', D: '$A', E: 'x' });
  });
});

describe('in a web view (no Node Buffer)', () => {
  it('still reads a Dockerfile, a byte-order mark included', async () => {
    const scope = globalThis as { Buffer?: unknown };
    const nodeBuffer = scope.Buffer;
    scope.Buffer = undefined;
    try {
      vi.resetModules();
      const { readDockerfile: read } = await import('./dockerfile');
      expect(read('\uFEFFARG A=1 B=2\nFROM x\n').args.map((a) => a.name)).toEqual(['A', 'B']);
      expect(read(multistage).stages).toEqual(['build', 'final']);
    } finally {
      scope.Buffer = nodeBuffer;
    }
  });
});
