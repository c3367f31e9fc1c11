// Read a Dockerfile the way the build form needs it: the named stages (for "target"), the
// ARGs with their defaults (prefilled build-arg fields), and what is wrong, by line. Not a
// full parser: continuation lines, comments, parser directives, heredocs are not expanded.

export interface DockerfileArg {
  name: string;
  /** The default after `=`, or null without one. */
  value: string | null;
}

/** What is wrong on a line, as an i18n key (`build.problem.<key>`) and its values. */
export interface DockerfileProblem {
  line: number;
  key: DockerfileProblemKey;
  values?: Record<string, string>;
}

export type DockerfileProblemKey =
  | 'unknownInstruction'
  | 'beforeFrom'
  | 'fromNeedsImage'
  | 'fromShape'
  | 'badStageName'
  | 'stageTwice'
  | 'argNeedsName'
  | 'badArgName'
  | 'noFrom';

export interface DockerfileInfo {
  stages: string[];
  args: DockerfileArg[];
  /** Instructions, counted like the classic builder's `Step i/N`. */
  steps: number;
  problems: DockerfileProblem[];
}

const INSTRUCTIONS = new Set([
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
]);

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Logical lines: `\` continuations joined, comments and blank lines dropped. */
function logicalLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let current: { line: number; text: string } | null = null;
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (current === null && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (current !== null && trimmed.startsWith('#')) return; // comments inside continuations
    const continues = trimmed.endsWith('\\');
    const body = continues ? trimmed.slice(0, -1) : trimmed;
    if (current === null) current = { line: i + 1, text: body };
    else current.text += ` ${body}`;
    if (!continues) {
      out.push(current);
      current = null;
    }
  });
  if (current !== null) out.push(current);
  return out;
}

export function readDockerfile(text: string): DockerfileInfo {
  const info: DockerfileInfo = { stages: [], args: [], steps: 0, problems: [] };
  let sawFrom = false;
  for (const { line, text: l } of logicalLines(text)) {
    const [word, ...rest] = l.split(/\s+/);
    const instruction = word.toUpperCase();
    const args = rest.join(' ').trim();
    if (!INSTRUCTIONS.has(instruction)) {
      info.problems.push({ line, key: 'unknownInstruction', values: { word } });
      continue;
    }
    info.steps++;
    if (instruction !== 'ARG' && instruction !== 'FROM' && !sawFrom) {
      info.problems.push({ line, key: 'beforeFrom', values: { instruction } });
    }
    if (instruction === 'FROM') {
      sawFrom = true;
      const parts = args.split(/\s+/).filter((p) => !p.startsWith('--'));
      if (parts.length === 0 || parts[0] === '') {
        info.problems.push({ line, key: 'fromNeedsImage' });
        continue;
      }
      if (parts.length >= 2) {
        if (parts[1].toUpperCase() !== 'AS' || parts.length !== 3) {
          info.problems.push({ line, key: 'fromShape' });
          continue;
        }
        const name = parts[2].toLowerCase();
        if (!STAGE_NAME.test(name)) {
          info.problems.push({ line, key: 'badStageName', values: { name: parts[2] } });
        } else if (info.stages.includes(name)) {
          info.problems.push({ line, key: 'stageTwice', values: { name } });
        } else info.stages.push(name);
      }
    }
    if (instruction === 'ARG') {
      if (args === '') {
        info.problems.push({ line, key: 'argNeedsName' });
        continue;
      }
      const eq = args.indexOf('=');
      const name = eq < 0 ? args : args.slice(0, eq);
      let value = eq < 0 ? null : args.slice(eq + 1);
      if (value !== null && /^(["']).*\1$/.test(value)) value = value.slice(1, -1);
      if (!ARG_NAME.test(name)) {
        info.problems.push({ line, key: 'badArgName', values: { name } });
      } else if (!info.args.some((a) => a.name === name)) {
        info.args.push({ name, value });
      }
    }
  }
  if (!sawFrom && info.problems.length === 0) {
    info.problems.push({ line: 1, key: 'noFrom' });
  }
  return info;
}
