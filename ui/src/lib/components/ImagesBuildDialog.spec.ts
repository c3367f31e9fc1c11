import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import ImagesBuildDialog from './ImagesBuildDialog.svelte';
import { emptyForm } from '$lib/build/form';
import { builds } from '$lib/stores/builds.svelte';
import { tasks } from '$lib/stores/tasks.svelte';
import { engine } from '$lib/stores/engine.svelte';
import { connectedStatus } from '$test/fixtures';
import { mockApi, taskCommand } from '$test/mock-api';

const DOCKERFILE = 'FROM busybox AS base\nARG GREETING=hello\nFROM base AS final\n';

describe('ImagesBuildDialog', () => {
  it('reads the Dockerfile: stages fill the target list, ARG defaults are placeholders', async () => {
    mockApi.buildReadDockerfile.mockResolvedValue(DOCKERFILE);
    mockApi.buildContextSummary.mockResolvedValue({ files: 3, bytes: 1_500, ignored: 2 });
    render(ImagesBuildDialog, { seed: { context: '/src/app' }, onclose: vi.fn() });
    const field = await screen.findByTestId('build-arg-GREETING');
    expect(field).toHaveValue('');
    expect(field).toHaveAttribute('placeholder', 'hello');
    const options = [...screen.getByTestId('build-target').querySelectorAll('option')];
    expect(options.map((o) => o.value)).toEqual(['', 'base', 'final']);
    expect(screen.getByTestId('build-context-summary')).toHaveTextContent(
      'Sends 3 files, 1.5 kB (2 left out by .dockerignore).',
    );
    expect(mockApi.buildReadDockerfile).toHaveBeenCalledWith('/src/app', null);
  });

  it('warns before sending a context over 500 MB', async () => {
    mockApi.buildContextSummary.mockResolvedValue({ files: 9, bytes: 600_000_000, ignored: 0 });
    render(ImagesBuildDialog, { seed: { context: '/big' }, onclose: vi.fn() });
    expect(await screen.findByTestId('build-context-summary')).toHaveTextContent('over 500 MB');
  });

  it('starts the build as a task with the target, args and tags, and remembers it', async () => {
    mockApi.buildReadDockerfile.mockResolvedValue(DOCKERFILE);
    mockApi.imageBuild.mockImplementation(
      taskCommand('build', async () => ({
        kind: 'build',
        value: { id: 'sha256:built', tag: ['demo/app:1'] },
      })),
    );
    const onclose = vi.fn();
    render(ImagesBuildDialog, { seed: { context: '/src/app' }, onclose });
    const arg = await screen.findByTestId('build-arg-GREETING');
    await userEvent.clear(arg);
    await userEvent.type(arg, 'bonjour');
    await userEvent.selectOptions(screen.getByTestId('build-target'), 'base');
    await userEvent.type(screen.getByTestId('build-tags'), 'demo/app:1');
    await userEvent.click(screen.getByTestId('confirm-build'));
    await vi.waitFor(() =>
      expect(mockApi.imageBuild).toHaveBeenCalledWith(
        'Build demo/app:1',
        '/src/app',
        expect.objectContaining({
          target: 'base',
          tags: ['demo/app:1'],
          build_args: { GREETING: 'bonjour' },
        }),
      ),
    );
    expect(onclose).toHaveBeenCalled();
    // The backend keeps it (build args can be secrets): nothing in the window's storage.
    expect(mockApi.buildsRemember).toHaveBeenCalledWith(
      expect.objectContaining({ context: '/src/app', args: { GREETING: 'bonjour' } }),
    );
    await vi.waitFor(() =>
      expect(builds.recent[0].form).toMatchObject({ context: '/src/app', tags: 'demo/app:1' }),
    );
    expect(JSON.stringify({ ...localStorage })).not.toContain('bonjour');
    await vi.waitFor(() => expect(tasks.items[0].image).toBe('sha256:built'));
  });

  it('sends no build arg for fields left alone, and resolves placeholders from typed ones', async () => {
    mockApi.buildReadDockerfile.mockResolvedValue(
      'ARG BASE=slipway-test/busybox\nARG IMG=${BASE}:latest\nARG NONE\nFROM ${IMG}\n',
    );
    mockApi.imageBuild.mockImplementation(
      taskCommand('build', async () => ({ kind: 'build', value: { id: 'sha256:b', tag: [] } })),
    );
    render(ImagesBuildDialog, { seed: { context: '/src/app' }, onclose: vi.fn() });
    const img = await screen.findByTestId('build-arg-IMG');
    expect(img).toHaveAttribute('placeholder', 'slipway-test/busybox:latest');
    expect(screen.getByTestId('build-arg-NONE')).toHaveAttribute('placeholder', 'no default');
    await userEvent.type(screen.getByTestId('build-arg-BASE'), 'mine/base');
    expect(img).toHaveAttribute('placeholder', 'mine/base:latest');
    await userEvent.clear(screen.getByTestId('build-arg-BASE'));
    await userEvent.click(screen.getByTestId('confirm-build'));
    await vi.waitFor(() =>
      expect(mockApi.imageBuild).toHaveBeenCalledWith(
        expect.any(String),
        '/src/app',
        expect.objectContaining({ build_args: {} }),
      ),
    );
  });

  it('offers BuildKit only where the engine has it, and sends the builder chosen', async () => {
    engine.status = connectedStatus({
      info: { ...connectedStatus().info!, kind: 'podman', buildkit: false },
    });
    const first = render(ImagesBuildDialog, { seed: { context: '/src/app' }, onclose: vi.fn() });
    const option = (v: string) =>
      screen.getByTestId('build-builder').querySelector<HTMLOptionElement>(`option[value="${v}"]`)!;
    expect(screen.getByTestId('build-builder')).toHaveValue('classic');
    expect(option('buildkit')).toBeDisabled();
    first.unmount();

    engine.status = connectedStatus();
    mockApi.imageBuild.mockImplementation(
      taskCommand('build', async () => ({ kind: 'build', value: { id: 'sha256:bk', tag: [] } })),
    );
    render(ImagesBuildDialog, { seed: { context: '/src/app' }, onclose: vi.fn() });
    expect(option('buildkit')).toBeEnabled();
    await userEvent.selectOptions(screen.getByTestId('build-builder'), 'buildkit');
    await userEvent.click(screen.getByTestId('confirm-build'));
    await vi.waitFor(() =>
      expect(mockApi.imageBuild).toHaveBeenCalledWith(
        expect.any(String),
        '/src/app',
        expect.objectContaining({ builder: 'buildkit' }),
      ),
    );
    engine.status = null;
  });

  it('refuses a bad tag and says which', async () => {
    render(ImagesBuildDialog, { seed: { context: '/src/app' }, onclose: vi.fn() });
    await userEvent.type(screen.getByTestId('build-tags'), 'Bad:Tag');
    await userEvent.click(screen.getByTestId('confirm-build'));
    expect(screen.getByTestId('build-tags-error')).toHaveTextContent('Bad:Tag');
    expect(mockApi.imageBuild).not.toHaveBeenCalled();
  });

  it('rebuilds a recent build with one click', async () => {
    await builds.remember({
      ...emptyForm(),
      context: '/src/app',
      tags: 'demo/app:1',
      noCache: true,
    });
    const onclose = vi.fn();
    render(ImagesBuildDialog, { seed: {}, onclose });
    await userEvent.click(screen.getByTestId('build-rebuild'));
    await vi.waitFor(() =>
      expect(mockApi.imageBuild).toHaveBeenCalledWith(
        expect.any(String),
        '/src/app',
        expect.objectContaining({ tags: ['demo/app:1'], no_cache: true }),
      ),
    );
    expect(onclose).toHaveBeenCalled();
  });

  it('forgets a recent build in the backend', async () => {
    await builds.remember({ ...emptyForm(), context: '/src/old', tags: 'old:1' });
    render(ImagesBuildDialog, { seed: {}, onclose: vi.fn() });
    expect(screen.getByTestId('build-recent')).toHaveTextContent('/src/old');
    await userEvent.click(screen.getByRole('button', { name: 'Forget the build of /src/old' }));
    expect(mockApi.buildsForget).toHaveBeenCalledWith(builds.recent[0]?.at ?? expect.any(Number));
    await vi.waitFor(() => expect(screen.queryByTestId('build-recent')).toBeNull());
  });
});
