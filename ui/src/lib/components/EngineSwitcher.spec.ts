import { describe, expect, it } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { locale } from 'svelte-i18n';
import EngineSwitcher from './EngineSwitcher.svelte';
import { engine } from '$lib/stores/engine.svelte';
import { view } from '$lib/stores/view.svelte';
import { emitEngines, mockApi } from '$test/mock-api';
import { connectedStatus, engineView, enginesList } from '$test/fixtures';

function given(list = enginesList([engineView('desktop'), engineView('lab', 'unreachable')])) {
  engine.status = connectedStatus();
  engine.list = list;
  emitEngines(list);
}

describe('EngineSwitcher', () => {
  it('lists every engine with its state and why an unreachable one cannot be used', async () => {
    given(
      enginesList([
        engineView('desktop'),
        engineView('lab', 'unreachable'),
        engineView('colima', 'connecting'),
      ]),
    );
    render(EngineSwitcher);
    expect(screen.getByTestId('engine-name')).toHaveTextContent('Docker 20.10.24');
    await userEvent.click(screen.getByTestId('engine-switcher'));
    const options = screen.getAllByTestId('engine-option');
    expect(options.map((o) => [o.dataset.key, o.dataset.state])).toEqual([
      ['desktop', 'connected'],
      ['lab', 'unreachable'],
      ['colima', 'connecting'],
    ]);
    expect(options[0]).toHaveAttribute('aria-checked', 'true');
    expect(within(options[0]).getByTestId('engine-state')).toHaveTextContent('Docker 20.10.24');
    expect(within(options[1]).getByTestId('engine-reason')).toHaveTextContent(
      'Lost the connection to lab; reconnecting…',
    );
    expect(within(options[2]).getByTestId('engine-state')).toHaveTextContent('Connecting…');
    expect(screen.getByTestId('engine-option-all')).toHaveTextContent('1 of 3 connected');
  });

  it('says the reason in the user’s language', async () => {
    given();
    locale.set('zh-CN');
    render(EngineSwitcher);
    await userEvent.click(screen.getByTestId('engine-switcher'));
    const lab = screen.getAllByTestId('engine-option')[1];
    await waitFor(() =>
      expect(within(lab).getByTestId('engine-reason').textContent).toMatch(/[\u4e00-\u9fff]/),
    );
    expect(screen.getByTestId('engine-option-all')).toHaveTextContent('所有引擎');
  });

  it('switches to All engines and to one engine, through the backend (remembered there)', async () => {
    given();
    render(EngineSwitcher);
    await userEvent.click(screen.getByTestId('engine-switcher'));
    await userEvent.click(screen.getByTestId('engine-option-all'));
    expect(mockApi.engineSelect).toHaveBeenCalledWith('all');
    expect(screen.queryByTestId('engine-menu')).toBeNull();
    await waitFor(() => expect(screen.getByTestId('engine-name')).toHaveTextContent('All engines'));
    expect(screen.getByTestId('engine-all-count')).toHaveTextContent('1 of 2 connected');
    await userEvent.click(screen.getByTestId('engine-switcher'));
    await userEvent.click(screen.getAllByTestId('engine-option')[1]);
    expect(mockApi.engineSelect).toHaveBeenLastCalledWith({ engine: 'lab' });
  });

  it('closes on Escape and on a click elsewhere', async () => {
    given();
    render(EngineSwitcher);
    await userEvent.click(screen.getByTestId('engine-switcher'));
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByTestId('engine-menu')).toBeNull();
    await userEvent.click(screen.getByTestId('engine-switcher'));
    await userEvent.click(document.body);
    expect(screen.queryByTestId('engine-menu')).toBeNull();
  });

  it('opens the dialog to add an engine by hand from the menu', async () => {
    given();
    view.engineEdit = null;
    render(EngineSwitcher);
    await userEvent.click(screen.getByTestId('engine-switcher'));
    await userEvent.click(screen.getByTestId('engine-add'));
    expect(view.engineEdit).toEqual({ engine: null });
    expect(screen.queryByTestId('engine-menu')).toBeNull();
  });
});
