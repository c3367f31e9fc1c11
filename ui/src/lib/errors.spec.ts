import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import { _, locale } from 'svelte-i18n';
import { get } from 'svelte/store';
import TaskDrawer from './components/TaskDrawer.svelte';
import { toApiError, type BackendError } from './api';
import { describeError } from './errors';
import en from './i18n/en.json';
import zhCN from './i18n/zh-CN.json';
import { tasks } from './stores/tasks.svelte';
import { mockApi, taskCommand } from '$test/mock-api';

const CJK = /[\u4e00-\u9fff]/;

/** What the core sends for a pull of an image the registry does not have (Docker). */
const missingPull: BackendError = {
  code: 404,
  message:
    'Pulling 127.0.0.1:5000/absent:1: the registry 127.0.0.1:5000 has no such image (manifest for 127.0.0.1:5000/absent:1 not found: manifest unknown: manifest unknown)',
  kind: { type: 'registry_has_no_image', registry: '127.0.0.1:5000' },
  detail: 'manifest for 127.0.0.1:5000/absent:1 not found: manifest unknown: manifest unknown',
  context: [{ op: 'pull', reference: '127.0.0.1:5000/absent:1' }],
};

/** Sample values for a message's placeholders (numbers where the kind has numbers). */
function sampleValues(message: string): Record<string, string | number> {
  const names = [...message.matchAll(/\{\s*(\w+)\s*[,}]/g)].map((m) => m[1]);
  const numeric = new Set(['count', 'seconds', 'status', 'bytes', 'millis', 'asked', 'line']);
  const isNumber = (n: string) => numeric.has(n) || n.endsWith('_count');
  return Object.fromEntries(names.map((n) => [n, isNumber(n) ? 3 : `/x/${n}`]));
}

describe('error kinds in Chinese', () => {
  const kinds = Object.keys(zhCN).filter((k) => k.startsWith('error.kind.'));

  it('covers the kinds', () => {
    expect(kinds.length).toBeGreaterThan(60);
  });

  it.each(kinds)('%s reads in Chinese', (key) => {
    locale.set('zh-CN');
    const message = zhCN[key as keyof typeof zhCN];
    const text = get(_)(key, { values: sampleValues(message) });
    expect(text).toMatch(CJK);
    expect(text).not.toBe(get(_)(key, { locale: 'en', values: sampleValues(message) }));
    expect(text).not.toContain('{');
  });
});

describe('describeError', () => {
  it('translates the sentence and its context, and keeps the engine detail apart', () => {
    locale.set('zh-CN');
    const t = describeError(missingPull);
    expect(t.sentence).toBe(
      '拉取 127.0.0.1:5000/absent:1：镜像仓库 127.0.0.1:5000 中没有这个镜像。',
    );
    expect(t.detail).toBe(missingPull.detail);
    expect(t.message).toContain(missingPull.detail);
    // Without the names it quotes and the engine's own words, no Latin letter is left:
    // no English sentence of Slipway's.
    const ours = t.message
      .replace(missingPull.detail!, '')
      .replaceAll('127.0.0.1:5000/absent:1', '')
      .replaceAll('127.0.0.1:5000', '');
    expect(ours).toMatch(CJK);
    expect(ours).not.toMatch(/[A-Za-z]/);
  });

  it('renders English from the catalogue too', () => {
    const t = describeError(missingPull);
    expect(t.sentence).toBe(
      'Pulling 127.0.0.1:5000/absent:1: the registry 127.0.0.1:5000 has no such image.',
    );
    expect(t.message).toBe(`${t.sentence} Details: ${missingPull.detail}`);
  });

  it('renders nested parameters: the operation, the peer, lists', () => {
    locale.set('zh-CN');
    const stalled: BackendError = {
      code: 504,
      message: 'Saving a:1, b:2 to /t/x.tar stalled: …',
      kind: {
        type: 'stalled',
        operation: { op: 'save', images: ['a:1', 'b:2'], path: '/t/x.tar' },
        peer: { type: 'engine', host: 'unix:///e.sock' },
        seconds: 120,
      },
    };
    expect(describeError(stalled).message).toBe(
      '将 a:1、b:2 保存到 /t/x.tar 停滞：unix:///e.sock 上的引擎 在 120 秒（停滞超时）内没有发送任何数据，可能已卡住或负载过高。',
    );
    const invalid: BackendError = {
      code: 400,
      message: '"App" is not a valid image reference: …',
      kind: {
        type: 'invalid_reference',
        input: 'App:x y',
        problem: { type: 'tag_bad_chars', tag: 'x y' },
      },
    };
    expect(describeError(invalid).message).toBe(
      "“App:x y”不是有效的镜像引用：标签“x y”只能使用字母、数字、'_'、'.' 和 '-'。",
    );
  });

  it('names every engine address tried, each with its own translated cause', () => {
    locale.set('zh-CN');
    const none: BackendError = {
      code: 503,
      message: 'No container engine answered. …',
      kind: {
        type: 'no_engine',
        tried: [
          {
            host: 'unix:///a.sock',
            error: {
              code: 503,
              message: 'There is no socket at /a.sock.',
              kind: { type: 'no_socket', path: '/a.sock' },
            },
          },
          {
            host: 'unix:///b.sock',
            error: {
              code: 503,
              message: 'The engine at unix:///b.sock did not answer: refused',
              kind: { type: 'engine_did_not_answer', host: 'unix:///b.sock' },
              detail: 'connection refused',
            },
          },
        ],
      },
    };
    const text = describeError(none).message;
    expect(text).toContain('unix:///a.sock（/a.sock 处没有套接字。）');
    expect(text).toContain(
      'unix:///b.sock（unix:///b.sock 上的引擎没有应答。详情：connection refused）',
    );
    expect(text).toMatch(/^没有容器引擎应答。/);
  });

  it('shows the engine text of an error without a kind as it came, with a translated context', () => {
    locale.set('zh-CN');
    expect(describeError({ code: 409, message: 'conflict: image is in use' }).message).toBe(
      'conflict: image is in use',
    );
    const withContext: BackendError = {
      code: 409,
      message: 'Removing x:1: conflict: image is in use',
      detail: 'conflict: image is in use',
      context: [{ op: 'remove', image: 'x:1' }],
    };
    expect(describeError(withContext)).toEqual({
      message: '删除 x:1：conflict: image is in use',
      sentence: '删除 x:1：conflict: image is in use',
      detail: null,
    });
  });

  it("falls back to the backend's English for a kind this UI does not know", () => {
    locale.set('zh-CN');
    const newer = {
      code: 500,
      message: 'Something new went wrong.',
      kind: { type: 'something_new' },
    } as unknown as BackendError;
    expect(describeError(newer).message).toBe('Something new went wrong.');
  });
});

/** Slipway's own errors about the build context, clean-up, pins and its files, as the core sends them. */
const ownSentences: Record<string, { error: BackendError; english: string; names: string[] }> = {
  'an unreadable build context file': {
    error: {
      code: 400,
      message:
        'Nothing was built: Reading the build context: Cannot read /ctx/secret/locked.key: Permission denied (os error 13)',
      kind: { type: 'cannot_read', path: '/ctx/secret/locked.key' },
      detail: 'Permission denied (os error 13)',
      context: [{ op: 'nothing_built' }, { op: 'read_context' }],
    },
    english: 'Cannot read',
    names: ['/ctx/secret/locked.key'],
  },
  'a build context that is a file': {
    error: {
      code: 400,
      message: 'Build context /ctx/Dockerfile is a file, not a folder. …',
      kind: { type: 'context_is_a_file', path: '/ctx/Dockerfile' },
    },
    english: 'is a file, not a folder',
    names: ['/ctx/Dockerfile', 'Dockerfile'],
  },
  'a bad .dockerignore line': {
    error: {
      code: 400,
      message: '/ctx/.dockerignore: Invalid .dockerignore pattern on line 2: "[z-a]": …',
      kind: {
        type: 'bad_ignore_pattern',
        line: 2,
        pattern: '[z-a]',
        issue: { type: 'reversed_range', range: 'z-a' },
      },
      context: [{ op: 'file', path: '/ctx/.dockerignore' }],
    },
    english: 'Invalid .dockerignore pattern',
    names: ['/ctx/.dockerignore', '.dockerignore', '[z-a]', 'z-a'],
  },
  'a prune skip reason': {
    error: {
      code: 409,
      message: 'Used by container web since the preview.',
      kind: { type: 'used_since', container: 'web' },
    },
    english: 'since the preview',
    names: ['web'],
  },
  'a prune the engine broke off': {
    error: {
      code: 503,
      message: 'The prune stopped: 1 of 3 images were deleted (sha256:aa), untagged: a:1; then …',
      kind: {
        type: 'prune_stopped',
        asked: 3,
        deleted: ['sha256:aa'],
        untagged: ['a:1'],
        cause: {
          code: 503,
          message: 'Deleting b:1: the connection to the engine at unix:///e.sock broke …',
          kind: {
            type: 'connection_broke',
            operation: { op: 'delete', image: 'b:1' },
            host: 'unix:///e.sock',
          },
        },
      },
    },
    english: 'The prune stopped',
    names: ['sha256:aa', 'a:1', 'b:1', 'unix:///e.sock'],
  },
  'a removal a pin refuses': {
    error: {
      code: 409,
      message: 'db:1 is pinned by "db": unpin it to delete it.',
      kind: {
        type: 'remove_refused',
        image: 'db:1',
        refusal: {
          kind: 'pinned',
          pattern: 'db',
          subject: 'db:1',
          message: 'db:1 is pinned by "db": unpin it to delete it.',
          forceable: false,
        },
      },
    },
    english: 'Unpin it',
    names: ['db:1', 'db'],
  },
  'a damaged pins file': {
    error: {
      code: 423,
      message:
        'Clean-up and delete are off: the pins file /c/pins.json was damaged (EOF while parsing a list at line 3 column 9) and is kept as /c/pins.json.broken-1, 1 pin recovered from it (keep). Keep the recovered pins or start without them first.',
      kind: {
        type: 'pins_damaged',
        file: '/c/pins.json',
        kept_at: '/c/pins.json.broken-1',
        recovered: ['keep'],
      },
      detail: 'EOF while parsing a list at line 3 column 9',
    },
    english: 'Clean-up and delete are off',
    names: ['/c/pins.json.broken-1', '/c/pins.json', 'keep'],
  },
  'a settings file another process holds': {
    error: {
      code: 409,
      message:
        'Another Slipway process has held /c/settings.json.lock for more than 5.0 seconds; try again.',
      kind: { type: 'file_locked', path: '/c/settings.json.lock', millis: 5000 },
    },
    english: 'Another Slipway process',
    names: ['/c/settings.json.lock', 'Slipway'],
  },
};

describe("Slipway's own sentences in Chinese", () => {
  it.each(Object.entries(ownSentences))(
    '%s reads in Chinese, without the English sentence',
    (_name, { error, english, names }) => {
      locale.set('zh-CN');
      const t = describeError(error);
      expect(t.message).not.toContain(english);
      expect(t.message).not.toBe(error.message);
      // Without what it names (paths, patterns, IDs) and the engine's or parser's own text,
      // no Latin letter is left.
      let ours = t.message.replace(error.detail ?? '\u0000', '');
      for (const n of names) ours = ours.replaceAll(n, '');
      expect(ours).toMatch(CJK);
      expect(ours).not.toMatch(/[A-Za-z]/);
      // English comes from the catalogue too, with the same names.
      locale.set('en');
      const inEnglish = describeError(error).message;
      expect(inEnglish).toContain(english);
      for (const n of names) expect(inEnglish).toContain(n);
    },
  );
});

describe('toApiError', () => {
  it('gives the translated message, the detail and the backend error', () => {
    locale.set('zh-CN');
    const e = toApiError(missingPull);
    expect(e.code).toBe(404);
    expect(e.message).toMatch(/^拉取 /);
    expect(e.detail).toBe(missingPull.detail);
    expect(e.backend).toEqual(missingPull);
  });

  it('keeps every English key a Chinese one (the catalogues match)', () => {
    expect(Object.keys(zhCN).filter((k) => k.startsWith('error.'))).toEqual(
      Object.keys(en).filter((k) => k.startsWith('error.')),
    );
  });
});

describe('the task drawer', () => {
  it('shows a failed pull in the current language, the engine detail apart, and follows a switch', async () => {
    mockApi.imagePull.mockImplementation(
      taskCommand('pull', async () => {
        throw missingPull;
      }),
    );
    await tasks
      .run({
        kind: 'pull',
        start: () => mockApi.imagePull('Pull 127.0.0.1:5000/absent:1', 'x', null, false),
      })
      .catch(() => {});
    render(TaskDrawer);
    const sentence = await screen.findByTestId('task-error-sentence');
    expect(sentence).toHaveTextContent('the registry 127.0.0.1:5000 has no such image');
    expect(screen.getByTestId('task-error-detail')).toHaveTextContent(missingPull.detail!);
    locale.set('zh-CN');
    await expect
      .poll(() => screen.getByTestId('task-error-sentence').textContent)
      .toBe('拉取 127.0.0.1:5000/absent:1：镜像仓库 127.0.0.1:5000 中没有这个镜像。');
    expect(screen.getByTestId('task-error-detail')).toHaveTextContent('详情：');
    expect(screen.getByTestId('task-error-detail')).toHaveTextContent(missingPull.detail!);
  });
});
