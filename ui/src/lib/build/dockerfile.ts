// Read a Dockerfile the way the build form needs it: the named stages (for "target"), the
// ARGs with their defaults (shown as placeholders, resolved where they can be), and what is
// wrong, by line. Parsed by dockerfile-ast (the Dockerfile language server's parser: line
// continuations, `# escape=`, heredocs, `ARG A=1 B=2`); only the checks are ours.
import './buffer-shim';
import { Arg, DockerfileParser, Keyword, type Instruction } from 'dockerfile-ast';
import { expand, type Scope } from './variables';

export interface DockerfileArg {
  name: string;
  /** The default as written after `=` (quotes and escapes as typed), or null without one. */
  value: string | null;
  /** The stage it is declared in (null: before the first FROM, a global ARG). */
  stage: number | null;
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
  /** `# escape=` (a backslash by default). */
  escape: string;
  stages: string[];
  /** Each ARG name once, where it is first declared (the form shows one field per name). */
  args: DockerfileArg[];
  /** Every ARG declaration in order, for resolving defaults the way the builder does. */
  declarations: DockerfileArg[];
  /** Instructions, counted like the classic builder's `Step i/N`. */
  steps: number;
  problems: DockerfileProblem[];
}

const INSTRUCTIONS = new Set<string>(Object.values(Keyword));
const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function lineOf(i: Instruction): number {
  return i.getRange().start.line + 1;
}

function checkFrom(i: Instruction, info: DockerfileInfo): void {
  const line = lineOf(i);
  const parts = i
    .getArguments()
    .map((a) => a.getValue())
    .filter((p) => !p.startsWith('--'));
  if (parts.length === 0) {
    info.problems.push({ line, key: 'fromNeedsImage' });
    return;
  }
  if (parts.length === 1) return;
  if (parts[1].toUpperCase() !== 'AS' || parts.length !== 3) {
    info.problems.push({ line, key: 'fromShape' });
    return;
  }
  const name = parts[2].toLowerCase();
  if (!STAGE_NAME.test(name)) {
    info.problems.push({ line, key: 'badStageName', values: { name: parts[2] } });
  } else if (info.stages.includes(name)) {
    info.problems.push({ line, key: 'stageTwice', values: { name } });
  } else info.stages.push(name);
}

export function readDockerfile(text: string): DockerfileInfo {
  const parsed = DockerfileParser.parse(text);
  const info: DockerfileInfo = {
    escape: parsed.getEscapeCharacter(),
    stages: [],
    args: [],
    declarations: [],
    steps: 0,
    problems: [],
  };
  let stage: number | null = null;
  for (const i of parsed.getInstructions()) {
    const line = lineOf(i);
    const instruction = i.getKeyword();
    if (!INSTRUCTIONS.has(instruction)) {
      info.problems.push({ line, key: 'unknownInstruction', values: { word: i.getInstruction() } });
      continue;
    }
    info.steps++;
    if (instruction !== 'ARG' && instruction !== 'FROM' && stage === null) {
      info.problems.push({ line, key: 'beforeFrom', values: { instruction } });
    }
    if (instruction === 'FROM') {
      stage = stage === null ? 0 : stage + 1;
      checkFrom(i, info);
    }
    if (i instanceof Arg) {
      const properties = i.getProperties();
      if (properties.length === 0) info.problems.push({ line, key: 'argNeedsName' });
      for (const p of properties) {
        const name = p.getName();
        if (!ARG_NAME.test(name)) {
          info.problems.push({ line, key: 'badArgName', values: { name } });
          continue;
        }
        const arg = { name, value: p.getUnescapedValue(), stage };
        info.declarations.push(arg);
        if (!info.args.some((a) => a.name === name)) info.args.push(arg);
      }
    }
  }
  if (stage === null && info.problems.length === 0) {
    info.problems.push({ line: 1, key: 'noFrom' });
  }
  return info;
}

/**
 * What each ARG will be when the build runs with `typed` as its build args (only values the
 * user typed): the builder's own rules — a build arg replaces a declared ARG's default, a
 * default may use earlier ARGs (`ARG IMG=${BASE}:1`), a stage sees a global ARG only when it
 * declares it again. `undefined`: a default we cannot work out (a form of `${…}` we do not
 * expand); null: no value at all.
 */
export function resolveArgs(
  info: DockerfileInfo,
  typed: Record<string, string>,
): Record<string, string | null | undefined> {
  const globals: Scope = new Map();
  const stages = new Map<number, Scope>();
  const out: Record<string, string | null | undefined> = {};
  for (const d of info.declarations) {
    let scope = globals;
    if (d.stage !== null) {
      scope = stages.get(d.stage) ?? new Map();
      stages.set(d.stage, scope);
    }
    let value: string | null | undefined;
    if (Object.hasOwn(typed, d.name) && typed[d.name] !== '') value = typed[d.name];
    else if (d.value !== null) value = expand(d.value, scope, info.escape);
    else value = d.stage !== null ? (globals.get(d.name) ?? null) : null;
    scope.set(d.name, value);
    // The field shows the first declaration (where the user meets it).
    if (!Object.hasOwn(out, d.name)) out[d.name] = value;
  }
  return out;
}
