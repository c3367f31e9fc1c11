import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import AppSegmented from './AppSegmented.svelte';

describe('AppSegmented', () => {
  it('shows exactly one option pressed and moves it on a click', async () => {
    render(AppSegmented, {
      value: 'a',
      label: 'Show',
      testidPrefix: 'pick',
      options: [
        { value: 'a', label: 'First' },
        { value: 'b', label: 'Second' },
      ],
    });
    expect(screen.getByRole('group', { name: 'Show' })).toBeInTheDocument();
    expect(screen.getByTestId('pick-a')).toHaveAttribute('aria-pressed', 'true');
    await userEvent.click(screen.getByTestId('pick-b'));
    expect(screen.getByTestId('pick-b')).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByTestId('pick-a')).toHaveAttribute('aria-pressed', 'false');
  });
});
