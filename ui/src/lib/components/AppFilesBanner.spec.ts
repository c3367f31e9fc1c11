import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import AppFilesBanner from './AppFilesBanner.svelte';
import { files } from '$lib/stores/files.svelte';
import { pins } from '$lib/stores/pins.svelte';
import { toasts } from '$lib/stores/toasts.svelte';
import { mockApi } from '$test/mock-api';
import { pinsState } from '$test/fixtures';

const KEPT = '/home/u/.config/slipway/pins.json.broken-20250101T000000Z';

describe('AppFilesBanner', () => {
  it('shows nothing while every file is fine', () => {
    render(AppFilesBanner);
    expect(screen.queryByTestId('pins-damaged')).toBeNull();
    expect(screen.queryByTestId('file-kept-aside')).toBeNull();
  });

  it('names the damaged pins file, where it is kept and the pins recovered from it', async () => {
    mockApi.filesState.mockResolvedValue({
      pins: pinsState([], { recovered: ['db', 'team/*'] }),
      kept_aside: [],
    });
    await files.load();
    render(AppFilesBanner);
    const banner = screen.getByTestId('pins-damaged');
    expect(banner).toHaveTextContent('Clean-up and delete are off');
    expect(banner).toHaveTextContent(KEPT);
    expect(banner).toHaveTextContent('2 pins were recovered');
    const recovered = within(banner)
      .getAllByTestId('pins-recovered')
      .map((li) => li.dataset.pattern);
    expect(recovered).toEqual(['db', 'team/*']);
  });

  it('keeping the recovered pins asks the backend and the notice goes', async () => {
    pins.apply(pinsState([], { recovered: ['db'] }));
    mockApi.pinsResolve.mockResolvedValue(pinsState(['db']));
    render(AppFilesBanner);
    await userEvent.click(screen.getByTestId('pins-keep-recovered'));
    expect(mockApi.pinsResolve).toHaveBeenCalledWith(true);
    expect(screen.queryByTestId('pins-damaged')).toBeNull();
    expect(pins.patterns).toEqual(['db']);
  });

  it('with nothing recovered, the only way on is to start without them', async () => {
    pins.apply(pinsState([], { recovered: [] }));
    render(AppFilesBanner);
    expect(screen.queryByTestId('pins-keep-recovered')).toBeNull();
    expect(screen.getByTestId('pins-damaged')).toHaveTextContent('No pins could be recovered');
    await userEvent.click(screen.getByTestId('pins-start-without'));
    expect(mockApi.pinsResolve).toHaveBeenCalledWith(false);
  });

  it('a refused answer keeps the notice up and says why', async () => {
    pins.apply(pinsState([], { recovered: ['db'] }));
    mockApi.pinsResolve.mockRejectedValue({ code: 409, message: 'held by another process' });
    render(AppFilesBanner);
    await userEvent.click(screen.getByTestId('pins-keep-recovered'));
    expect(screen.getByTestId('pins-damaged')).toBeInTheDocument();
    expect(toasts.items.map((t) => t.detail)).toContain('held by another process');
  });

  it('tells about a history kept aside with how many tasks were kept, until dismissed', async () => {
    const notice = {
      kind: 'history',
      file: '/home/u/.local/share/dev.slipway.app/tasks.json',
      kept_at: '/home/u/.local/share/dev.slipway.app/tasks.json.broken-20250101T000000Z',
      reason: 'EOF',
      salvaged: 2,
    };
    mockApi.filesState.mockResolvedValue({ pins: pinsState([]), kept_aside: [notice] });
    await files.load();
    render(AppFilesBanner);
    const shown = screen.getByTestId('file-kept-aside');
    expect(shown).toHaveTextContent(notice.kept_at);
    expect(shown).toHaveTextContent('2 complete tasks were kept');
    await userEvent.click(screen.getByTestId('file-kept-aside-dismiss'));
    expect(mockApi.filesDismiss).toHaveBeenCalledWith(notice.kept_at);
    expect(screen.queryByTestId('file-kept-aside')).toBeNull();
  });

  it('tells about recent builds kept aside in their own words', async () => {
    const notice = {
      kind: 'builds',
      file: '/d/recent-builds.json',
      kept_at: '/d/recent-builds.json.broken-20250101T000000Z',
      reason: 'EOF',
      salvaged: 1,
    };
    mockApi.filesState.mockResolvedValue({ pins: pinsState([]), kept_aside: [notice] });
    await files.load();
    render(AppFilesBanner);
    const shown = screen.getByTestId('file-kept-aside');
    expect(shown).toHaveTextContent('The recent builds file /d/recent-builds.json');
    expect(shown).toHaveTextContent('1 complete build was kept');
  });
});
