import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import CleanupPins from './CleanupPins.svelte';
import { ApiError } from '$lib/api';
import { pins } from '$lib/stores/pins.svelte';
import { mockApi } from '$test/mock-api';
import { pinsState } from '$test/fixtures';

describe('CleanupPins', () => {
  it('pins a pattern, shows it, and tells the caller so the preview refreshes', async () => {
    const onchange = vi.fn();
    render(CleanupPins, { onchange });
    await userEvent.type(screen.getByTestId('pin-input'), 'team/*{Enter}');
    expect(mockApi.pinsSet).toHaveBeenCalledWith(['team/*']);
    expect(screen.getByTestId('pin')).toHaveTextContent('team/*');
    expect(onchange).toHaveBeenCalled();
  });

  it('refuses a pattern with spaces without asking the backend', async () => {
    render(CleanupPins, {});
    await userEvent.type(screen.getByTestId('pin-input'), 'my app{Enter}');
    expect(screen.getByTestId('pin-error')).toHaveTextContent('letters, digits');
    expect(mockApi.pinsSet).not.toHaveBeenCalled();
  });

  it('unpins, and shows the backend refusal when saving fails', async () => {
    pins.apply(pinsState(['db']));
    mockApi.pinsSet.mockRejectedValueOnce(new ApiError(500, 'Could not save the pins: read-only'));
    render(CleanupPins, {});
    await userEvent.click(screen.getByTestId('pin-remove'));
    expect(screen.getByTestId('pin-error')).toHaveTextContent('read-only');
    expect(screen.getByTestId('pin')).toHaveTextContent('db');
    await userEvent.click(screen.getByTestId('pin-remove'));
    expect(screen.queryByTestId('pin')).toBeNull();
  });
});
