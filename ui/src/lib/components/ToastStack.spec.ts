import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import ToastStack from './ToastStack.svelte';
import { toasts } from '$lib/stores/toasts.svelte';

describe('ToastStack', () => {
  it('shows errors with the engine message, and dismisses them', async () => {
    render(ToastStack);
    toasts.error('Could not refresh the image list', 'No container engine is connected.');
    const toast = await screen.findByRole('alert');
    expect(toast).toHaveTextContent('Could not refresh the image list');
    expect(toast).toHaveTextContent('No container engine is connected.');
    await userEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('lets confirmations go by themselves', async () => {
    vi.useFakeTimers();
    try {
      render(ToastStack);
      toasts.success('Tagged as demo/app:2');
      await vi.advanceTimersByTimeAsync(100);
      expect(screen.getByRole('status')).toHaveTextContent('Tagged as demo/app:2');
      await vi.advanceTimersByTimeAsync(5000);
      expect(screen.queryByTestId('toast')).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });
});
