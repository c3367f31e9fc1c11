import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import ImageDetailsInspect from './ImageDetailsInspect.svelte';
import { details } from '$lib/stores/details.svelte';
import { toasts } from '$lib/stores/toasts.svelte';
import { mockApi } from '$test/mock-api';
import { hexId } from '$test/fixtures';

const json = '{\n  "Id": "sha256:a1",\n  "RepoTags": [\n    "demo/app:1"\n  ]\n}';

describe('ImageDetailsInspect', () => {
  it('shows the raw JSON as the engine wrote it, and copies it', async () => {
    mockApi.imageInspect.mockResolvedValue(json);
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    details.show(hexId('a1'));
    render(ImageDetailsInspect);
    const pre = await screen.findByTestId('inspect-json');
    expect(pre.tagName).toBe('PRE');
    expect(pre.textContent).toBe(json);
    await userEvent.click(screen.getByTestId('copy-inspect'));
    expect(writeText).toHaveBeenCalledWith(json);
    expect(toasts.items.at(-1)?.title).toBe('Inspect JSON copied');
  });
});
