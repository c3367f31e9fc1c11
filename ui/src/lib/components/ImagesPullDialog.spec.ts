import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import ImagesPullDialog from './ImagesPullDialog.svelte';
import { ApiError } from '$lib/api';
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
    expect(onclose).toHaveBeenCalled();
    await vi.waitFor(() =>
      expect(mockApi.imagePull).toHaveBeenCalledWith(
        'Pull 127.0.0.1:5000/team/app:1',
        '127.0.0.1:5000/team/app:1',
        'linux/arm64',
        false,
      ),
    );
    await vi.waitFor(() => expect(tasks.drawerOpen).toBe(true));
    expect(tasks.items[0]).toMatchObject({ kind: 'pull', title: 'Pull 127.0.0.1:5000/team/app:1' });
  });

  it('asks for all tags only without a digest', async () => {
    render(ImagesPullDialog, { onclose: vi.fn() });
    await userEvent.type(screen.getByTestId('pull-reference'), `app@sha256:${'a'.repeat(64)}`);
    expect(screen.getByTestId('pull-all-tags')).toBeDisabled();
  });

  it("lists a private repository's tags and takes the one clicked", async () => {
    mockApi.registryTags.mockResolvedValue(['1.0', '2.0']);
    render(ImagesPullDialog, { onclose: vi.fn() });
    await userEvent.type(screen.getByTestId('pull-reference'), '127.0.0.1:5000/team/app');
    await userEvent.click(screen.getByTestId('pull-list-tags'));
    expect(mockApi.registryTags).toHaveBeenCalledWith('127.0.0.1:5000/team/app', null);
    const chips = await screen.findAllByTestId('registry-tag');
    expect(chips.map((c) => c.textContent)).toEqual(['1.0', '2.0']);
    await userEvent.click(chips[1]);
    expect(screen.getByTestId('pull-reference')).toHaveValue('127.0.0.1:5000/team/app:2.0');
  });

  it('says why tags could not be listed', async () => {
    mockApi.registryTags.mockRejectedValue(
      new ApiError(401, 'The registry 127.0.0.1:5001 refused to list it: log in first.'),
    );
    render(ImagesPullDialog, { onclose: vi.fn() });
    await userEvent.type(screen.getByTestId('pull-reference'), '127.0.0.1:5001/app');
    await userEvent.click(screen.getByTestId('pull-list-tags'));
    expect(await screen.findByTestId('pull-tags-error')).toHaveTextContent('log in first');
  });

  it("searches with the engine's search and its filters", async () => {
    mockApi.imagesSearch.mockResolvedValue([
      { name: 'busybox', description: 'tiny', stars: 3000, official: true, automated: false },
    ]);
    render(ImagesPullDialog, { onclose: vi.fn() });
    await userEvent.click(screen.getByText('Search a registry'));
    await userEvent.type(screen.getByTestId('pull-search'), 'busy');
    await userEvent.click(screen.getByText('Official only'));
    await userEvent.click(screen.getByTestId('pull-search-go'));
    expect(mockApi.imagesSearch).toHaveBeenCalledWith('busy', {
      limit: 25,
      official_only: true,
      min_stars: null,
    });
    await userEvent.click(await screen.findByTestId('search-result'));
    expect(screen.getByTestId('pull-reference')).toHaveValue('busybox');
  });
});
