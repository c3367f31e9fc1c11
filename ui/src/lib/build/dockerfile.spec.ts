// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { readDockerfile } from './dockerfile';

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
      { line: 1, message: 'Expected FROM image [AS name]' },
      { line: 2, message: 'Unknown instruction RUNN' },
      { line: 3, message: 'Invalid stage name 1bad' },
    ]);
  });

  it('notices a Dockerfile without FROM', () => {
    expect(readDockerfile('# nothing\n').problems).toEqual([
      { line: 1, message: 'No FROM: a Dockerfile starts from an image' },
    ]);
    expect(readDockerfile('RUN x\n').problems[0]).toEqual({
      line: 1,
      message: 'RUN before the first FROM',
    });
  });
});
