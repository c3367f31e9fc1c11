import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import ImageDetailsTags from './ImageDetailsTags.svelte';
import { toasts } from '$lib/stores/toasts.svelte';
import { view } from '$lib/stores/view.svelte';
import { mockApi } from '$test/mock-api';
import { hexId, image, removalItem, removalPlan } from '$test/fixtures';
import { given } from '$test/render';

const A = hexId('a1');

describe('ImageDetailsTags', () => {
  it('lists the tags', () => {
    render(ImageDetailsTags, { id: A, tags: ['demo/app:1', 'demo/app:latest'] });
    expect(screen.getAllByTestId('tag-item').map((i) => i.textContent?.trim())).toEqual([
      expect.stringContaining('demo/app:1'),
      expect.stringContaining('demo/app:latest'),
    ]);
  });

  it('blocks bad tags as they are typed', async () => {
    render(ImageDetailsTags, { id: A, tags: ['demo/app:1'] });
    const input = screen.getByTestId('new-tag');
    const add = screen.getByTestId('add-tag');
    expect(add).toBeDisabled();
    await userEvent.type(input, 'Not Valid');
    expect(screen.getByTestId('tag-error')).toHaveTextContent('Names cannot contain spaces.');
    expect(add).toBeDisabled();
    await userEvent.clear(input);
    await userEvent.type(input, 'MyApp:1');
    expect(screen.getByTestId('tag-error')).toHaveTextContent('must be lowercase');
    await userEvent.type(input, '{Enter}');
    expect(mockApi.imageTag).not.toHaveBeenCalled();
    await userEvent.clear(input);
    await userEvent.type(input, 'demo/app:1');
    expect(screen.getByTestId('tag-error')).toHaveTextContent('already has that tag');
    expect(add).toBeDisabled();
  });

  it('adds a valid tag to the image', async () => {
    render(ImageDetailsTags, { id: A, tags: ['demo/app:1'] });
    const input = screen.getByTestId('new-tag');
    await userEvent.type(input, '127.0.0.1:5000/demo/app:from-ui');
    expect(screen.queryByTestId('tag-error')).toBeNull();
    await userEvent.click(screen.getByTestId('add-tag'));
    expect(mockApi.imageTag).toHaveBeenCalledWith(A, '127.0.0.1:5000/demo/app:from-ui', null, null);
    expect(input).toHaveValue('');
    expect(toasts.items.at(-1)?.title).toBe('Tagged as 127.0.0.1:5000/demo/app:from-ui');
  });

  it('asks before moving a name another image holds, and moves it only from that image', async () => {
    const B = hexId('b2');
    mockApi.imageTag.mockResolvedValueOnce({
      status: 'conflict',
      name: 'app:1',
      holder: { id: B, tags: ['app:1'], keeps: [] },
    });
    mockApi.imageTag.mockResolvedValueOnce({
      status: 'tagged',
      name: 'app:1',
      moved_from: { id: B, tags: ['app:1'], keeps: [] },
    });
    render(ImageDetailsTags, { id: A, tags: ['demo/app:1'] });
    await userEvent.type(screen.getByTestId('new-tag'), 'app:1{Enter}');
    const ask = await screen.findByTestId('tag-conflict');
    expect(ask).toHaveTextContent('app:1 is now on image b2b2b2b2b2b2. Move it here?');
    expect(ask).toHaveTextContent('That image will be left without a name.');
    expect(mockApi.imageTag).toHaveBeenCalledTimes(1);
    await userEvent.click(screen.getByTestId('tag-move-confirm'));
    expect(mockApi.imageTag).toHaveBeenLastCalledWith(A, 'app:1', B, null);
    expect(screen.queryByTestId('tag-conflict')).toBeNull();
    expect(toasts.items.at(-1)?.title).toBe('Moved app:1 here from image b2b2b2b2b2b2');
  });

  it('leaves the name where it is when the user keeps it there', async () => {
    mockApi.imageTag.mockResolvedValue({
      status: 'conflict',
      name: 'app:1',
      holder: { id: hexId('b2'), tags: ['app:1', 'app:2'], keeps: ['app:2'] },
    });
    render(ImageDetailsTags, { id: A, tags: [] });
    await userEvent.type(screen.getByTestId('new-tag'), 'app:1{Enter}');
    expect(await screen.findByTestId('tag-conflict')).toHaveTextContent('That image keeps app:2.');
    await userEvent.click(screen.getByTestId('tag-move-cancel'));
    expect(screen.queryByTestId('tag-conflict')).toBeNull();
    expect(mockApi.imageTag).toHaveBeenCalledTimes(1);
  });

  it('says a missing tag means latest', async () => {
    render(ImageDetailsTags, { id: A, tags: [] });
    await userEvent.type(screen.getByTestId('new-tag'), 'demo/other');
    expect(screen.getByText(/demo\/other:latest/)).toBeInTheDocument();
  });

  it('shows the engine refusing the tag', async () => {
    mockApi.imageTag.mockRejectedValue({ code: 500, message: 'tag is locked' });
    render(ImageDetailsTags, { id: A, tags: [] });
    await userEvent.type(screen.getByTestId('new-tag'), 'demo/app:2{Enter}');
    expect(await screen.findByTestId('tag-api-error')).toHaveTextContent('tag is locked');
  });

  it('removes a tag with its button when the backend says only the name goes', async () => {
    mockApi.imagesRemovePlan.mockResolvedValue(
      removalPlan([
        removalItem({ id: A, requested: ['demo/app:latest'], untag: ['demo/app:latest'] }),
      ]),
    );
    render(ImageDetailsTags, { id: A, tags: ['demo/app:1', 'demo/app:latest'] });
    await userEvent.click(screen.getAllByTestId('untag')[1]);
    expect(mockApi.imagesRemovePlan).toHaveBeenCalledWith(['demo/app:latest'], false, null);
    expect(mockApi.imagesRemove).toHaveBeenCalledWith(['demo/app:latest'], false, [], null);
    expect(toasts.items.at(-1)?.title).toBe('Removed demo/app:latest');
  });

  it('asks again when the backend says the image goes with the name', async () => {
    render(ImageDetailsTags, { id: A, tags: ['demo/app:1'] });
    const button = screen.getByTestId('untag');
    await userEvent.click(button);
    expect(mockApi.imagesRemove).not.toHaveBeenCalled();
    expect(screen.getByTestId('tag-item')).toHaveTextContent('the image will be deleted');
    await userEvent.click(button);
    expect(mockApi.imagesRemove).toHaveBeenCalledWith(['demo/app:1'], false, [], null);
  });

  it('says why the last name cannot go instead of promising a deletion', async () => {
    const web = { id: 'c0ffee00c0ffee', name: 'web', state: 'exited', status: '' };
    mockApi.imagesRemovePlan.mockResolvedValue(
      removalPlan([
        removalItem({
          id: A,
          requested: ['demo/app:1'],
          refusal: {
            kind: 'in_use',
            containers: [web],
            subject: 'demo/app:1',
            message: '',
            forceable: true,
          },
        }),
      ]),
    );
    render(ImageDetailsTags, { id: A, tags: ['demo/app:1'] });
    await userEvent.click(screen.getByTestId('untag'));
    expect(await screen.findByTestId('untag-refused')).toHaveTextContent(
      'Used by the container web (exited)',
    );
    expect(screen.getByTestId('untag')).toBeDisabled();
    expect(mockApi.imagesRemove).not.toHaveBeenCalled();
  });

  it('opens the push dialog for one of its names', async () => {
    given([image({ id: A, tags: ['demo/app:1', 'demo/app:2'] })]);
    render(ImageDetailsTags, { id: A, tags: ['demo/app:1', 'demo/app:2'] });
    const items = screen.getAllByTestId('tag-item');
    await userEvent.click(within(items[1]).getByTestId('push-tag'));
    expect(view.pushRow?.name).toBe('demo/app:2');
  });
});
