import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import ImageDetailsSummary from './ImageDetailsSummary.svelte';
import { details } from '$lib/stores/details.svelte';
import { images } from '$lib/stores/images.svelte';
import { pins } from '$lib/stores/pins.svelte';
import { mockApi } from '$test/mock-api';
import { details as detailsOf, hexId, image } from '$test/fixtures';
import { given } from '$test/render';

const A = hexId('a1');

describe('ImageDetailsSummary', () => {
  it('pins the image or its repository, and unpins by the pattern that protects it', async () => {
    given([image({ id: A, tags: ['demo/app:1'] })]);
    mockApi.imageGet.mockResolvedValue(detailsOf({ id: A, tags: ['demo/app:1'] }));
    details.show(A);
    render(ImageDetailsSummary, { image: images.byId.get(A) ?? null });
    await userEvent.click(await screen.findByTestId('details-pin-repository'));
    expect(mockApi.pinsSet).toHaveBeenLastCalledWith(['demo/app']);
    const row = screen.getByTestId('details-pin');
    expect(row).toHaveTextContent('Pinned by “demo/app”');
    await userEvent.click(screen.getByTestId('details-unpin'));
    expect(pins.patterns).toEqual([]);
    await userEvent.click(screen.getByTestId('details-pin-image'));
    expect(mockApi.pinsSet).toHaveBeenLastCalledWith([A]);
  });

  it('shows what the engine knows about the image', async () => {
    given([image({ id: A, tags: ['demo/app:1'], containers: 2 })]);
    mockApi.imageGet.mockResolvedValue(
      detailsOf({
        id: A,
        tags: ['demo/app:1'],
        digests: ['demo/app@sha256:feed'],
        author: 'Slipway Team',
        size: 1_985_000,
        labels: { 'org.opencontainers.image.title': 'web' },
        env: ['PATH=/usr/bin', 'QUEUE=jobs'],
        cmd: ['sh', '-c', 'serve'],
        entrypoint: ['/entry'],
        exposed_ports: ['8080/tcp'],
        architecture: 'arm64',
      }),
    );
    details.show(A);
    render(ImageDetailsSummary, { image: images.byId.get(A) ?? null });
    const summary = await screen.findByTestId('details-summary');
    await screen.findByTestId('details-id');
    expect(mockApi.imageGet).toHaveBeenCalledWith(A, null);
    for (const text of [
      A,
      'demo/app@sha256:feed',
      'Slipway Team',
      '1.99 MB',
      'linux/arm64',
      'QUEUE=jobs',
      '["sh","-c","serve"]',
      '["/entry"]',
      '8080/tcp',
      'org.opencontainers.image.title',
      'Used by 2 containers',
    ]) {
      expect(summary).toHaveTextContent(text);
    }
  });

  it('shows the error and retries', async () => {
    given([image({ id: A, tags: ['demo/app:1'] })]);
    mockApi.imageGet.mockRejectedValueOnce({ code: 404, message: 'No such image' });
    details.show(A);
    render(ImageDetailsSummary, { image: images.byId.get(A) ?? null });
    expect(await screen.findByText('No such image')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('details-id')).toHaveTextContent(A);
  });

  it('names the containers made from the image and their state', async () => {
    given([image({ id: A, tags: ['demo/app:1'], containers: 2 })]);
    mockApi.imageContainers.mockResolvedValue([
      { id: 'c1', name: 'web-1', state: 'running', status: 'Up 2 minutes' },
      { id: 'c2', name: 'migrate', state: 'exited', status: 'Exited (0) 1 hour ago' },
    ]);
    details.show(A);
    render(ImageDetailsSummary, { image: images.byId.get(A) ?? null });
    const items = await screen.findAllByTestId('details-container');
    expect(mockApi.imageContainers).toHaveBeenCalledWith(A, null);
    expect(items.map((i) => [i.dataset.name, i.dataset.state])).toEqual([
      ['web-1', 'running'],
      ['migrate', 'exited'],
    ]);
    expect(items[1]).toHaveTextContent('Exited (0) 1 hour ago');
  });

  it('shows unique and shared bytes once they are known', async () => {
    given([image({ id: A, tags: ['demo/app:1'], size: 3_000_000 })]);
    images.usage = new Map([
      [A, { id: A, size: 3_000_000, unique_size: 1_000_000, shared_size: 2_000_000 }],
    ]);
    details.show(A);
    render(ImageDetailsSummary, { image: images.byId.get(A) ?? null });
    expect(await screen.findByTestId('details-sharing')).toHaveTextContent(
      '(1 MB unique, 2 MB shared)',
    );
  });
});
