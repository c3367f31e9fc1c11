import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { createRawSnippet } from 'svelte';
import AppDialog from './AppDialog.svelte';

const body = createRawSnippet(() => ({
  render: () =>
    '<div><h2 id="t">Title</h2><button data-testid="a">A</button><button data-autofocus data-testid="b">B</button></div>',
}));

describe('AppDialog', () => {
  it('focuses the control marked data-autofocus', () => {
    render(AppDialog, { labelledby: 't', testid: 'd', onclose: vi.fn(), children: body });
    expect(screen.getByTestId('b')).toHaveFocus();
    expect(screen.getByRole('dialog')).toHaveAccessibleName('Title');
  });

  it('closes on Escape when idle', async () => {
    const onclose = vi.fn();
    render(AppDialog, { labelledby: 't', testid: 'd', onclose, children: body });
    await userEvent.keyboard('{Escape}');
    expect(onclose).toHaveBeenCalled();
  });

  it('stays open while busy: a running operation is not abandoned by a stray key', async () => {
    const onclose = vi.fn();
    render(AppDialog, { labelledby: 't', testid: 'd', busy: true, onclose, children: body });
    await userEvent.keyboard('{Escape}');
    expect(onclose).not.toHaveBeenCalled();
  });

  it('keeps Tab inside the dialog', async () => {
    render(AppDialog, { labelledby: 't', testid: 'd', onclose: vi.fn(), children: body });
    await userEvent.tab();
    expect(screen.getByTestId('a')).toHaveFocus();
  });
});
