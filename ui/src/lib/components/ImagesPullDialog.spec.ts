import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import ImagesPullDialog from './ImagesPullDialog.svelte';
import { tasks } from '$lib/stores/tasks.svelte';
import { mockApi } from '$test/mock-api';

describe('ImagesPullDialog', () => {
  it('checks the reference as it is typed and will not start a bad one', async () => {
    render(ImagesPullDialog, { onclose: vi.fn() });
    await userEvent.type(screen.getByTestId('pull-reference'), 'Team/App');
    expect(screen.getByTestId('pull-error')).toHaveTextContent('lowercase');
    expect(screen.getByTestId('confirm-pull')).toBeDisabled();
    expect(mockApi.imagePull).not.toHaveBeenCalled();
  });

  it('starts the pull as a task shown in the drawer, and closes', async () => {
    const onclose = vi.fn();
    render(ImagesPullDialog, { onclose });
    await userEvent.type(screen.getByTestId('pull-reference'), '127.0.0.1:5000/team/app:1');
    await userEvent.selectOptions(screen.getByTestId('pull-platform'), 'linux/arm64');
    await userEvent.click(screen.getByTestId('confirm-pull'));
    expect(mockApi.imagePull).toHaveBeenCalledWith(
      expect.stringMatching(/^pull-/),
      '127.0.0.1:5000/team/app:1',
      'linux/arm64',
      false,
      expect.any(Function),
    );
    expect(onclose).toHaveBeenCalled();
    expect(tasks.drawerOpen).toBe(true);
    expect(tasks.items[0]).toMatchObject({ kind: 'pull', title: 'Pull 127.0.0.1:5000/team/app:1' });
  });

  it('asks for all tags only without a digest', async () => {
    render(ImagesPullDialog, { onclose: vi.fn() });
    await userEvent.type(screen.getByTestId('pull-reference'), `app@sha256:${'a'.repeat(64)}`);
    expect(screen.getByTestId('pull-all-tags')).toBeDisabled();
  });
});
