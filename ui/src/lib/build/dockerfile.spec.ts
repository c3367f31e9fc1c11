// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { readDockerfile } from './dockerfile';
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

  it('finds the ARGs with their defaults for prefilled build-arg fields', () => {
    expect(readDockerfile(multistage).args).toEqual([
      { name: 'BASE', value: 'busybox:latest' },
      { name: 'GREETING', value: 'hello' },
      { name: 'EMPTY', value: null },
    ]);
  });

  it('counts steps like the classic builder (continuations are one step)', () => {
    expect(readDockerfile(multistage).steps).toBe(7);
    expect(readDockerfile(multistage).problems).toEqual([]);
  });

  it('says what is wrong and where', () => {
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
