import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import AppHeader from './AppHeader.svelte';
import { LANGUAGE_KEY } from '$lib/stores/prefs.svelte';
import { view } from '$lib/stores/view.svelte';
import { connectedStatus, disconnectedStatus, hexId, image } from '$test/fixtures';
import { given } from '$test/render';

const list = [
  image({ id: hexId('a1'), tags: ['demo/app:1', 'demo/app:latest'], size: 2_000_000 }),
  image({ id: hexId('b2'), tags: ['other:1'], size: 1_500_000 }),
];

describe('AppHeader', () => {
  it('names the engine and its version', () => {
    given(list);
    render(AppHeader);
    const header = screen.getByTestId('engine-header');
    expect(within(header).getByTestId('engine-name')).toHaveTextContent('Docker 20.10.24');
    expect(header).toHaveTextContent('unix:///var/run/docker.sock');
    expect(within(header).getByText('Connected')).toBeInTheDocument();
  });

  it('names Podman as Podman', () => {
    const status = connectedStatus();
    given(list, { ...status, info: { ...status.info!, kind: 'podman', version: '4.3.1' } });
    render(AppHeader);
    expect(screen.getByTestId('engine-name')).toHaveTextContent('Podman 4.3.1');
  });

  it('counts distinct images and their total size once', () => {
    given(list);
    render(AppHeader);
    expect(screen.getByTestId('image-count')).toHaveTextContent('2 images');
    expect(screen.getByTestId('total-size')).toHaveTextContent('3.5 MB');
  });

  it('shows the sandbox badge only for the sandbox engine', () => {
    given(list);
    const { unmount } = render(AppHeader);
    expect(screen.queryByTestId('sandbox-badge')).toBeNull();
    unmount();
    given(list, connectedStatus({ sandbox: true }));
    render(AppHeader);
    expect(screen.getByTestId('sandbox-badge')).toHaveTextContent('Sandbox engine');
  });

  it('says when nothing is connected', () => {
    given([], disconnectedStatus());
    render(AppHeader);
    expect(screen.getByTestId('engine-name')).toHaveTextContent('Not connected');
    expect(screen.queryByTestId('image-count')).toBeNull();
  });

  it('switches the language to Chinese and remembers it', async () => {
    given(list);
    render(AppHeader);
    const select = screen.getByTestId('language-select') as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(['en', 'zh-CN']);
    await userEvent.selectOptions(select, 'zh-CN');
    expect(screen.getByTestId('image-count')).toHaveTextContent('2 个镜像');
    expect(localStorage.getItem(LANGUAGE_KEY)).toBe('zh-CN');
    await userEvent.selectOptions(select, 'en');
    expect(screen.getByTestId('image-count')).toHaveTextContent('2 images');
  });

  it('has Images and Disk usage tabs, the open page marked current', async () => {
    given(list);
    render(AppHeader);
    const imagesTab = screen.getByTestId('nav-images');
    const diskTab = screen.getByTestId('nav-disk');
    expect(imagesTab).toHaveAttribute('aria-current', 'page');
    expect(diskTab).not.toHaveAttribute('aria-current');
    await userEvent.click(diskTab);
    expect(view.page).toBe('disk');
    expect(diskTab).toHaveAttribute('aria-current', 'page');
    expect(imagesTab).not.toHaveAttribute('aria-current');
    await userEvent.click(imagesTab);
    expect(view.page).toBe('images');
  });

  it('opens the settings, connected or not', async () => {
    given([], disconnectedStatus());
    render(AppHeader);
    await userEvent.click(screen.getByRole('button', { name: 'Settings' }));
    expect(view.settingsOpen).toBe(true);
  });
});
