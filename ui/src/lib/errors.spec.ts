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
  const numeric = new Set(['count', 'seconds', 'status', 'bytes']);
  return Object.fromEntries(names.map((n) => [n, numeric.has(n) ? 3 : `/x/${n}`]));
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
