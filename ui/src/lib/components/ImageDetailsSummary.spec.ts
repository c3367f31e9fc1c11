import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import ImageDetailsSummary from './ImageDetailsSummary.svelte';
import { details } from '$lib/stores/details.svelte';
import { images } from '$lib/stores/images.svelte';
import { mockApi } from '$test/mock-api';
import { details as detailsOf, hexId, image } from '$test/fixtures';
import { given } from '$test/render';

const A = hexId('a1');

describe('ImageDetailsSummary', () => {
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
    expect(mockApi.imageGet).toHaveBeenCalledWith(A);
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
});
