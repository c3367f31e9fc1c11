import { describe, expect, it } from 'vitest';
import { BuildsStore, OLD_KEY } from './builds.svelte';
import { emptyForm } from '$lib/build/form';
import { mockApi } from '$test/mock-api';

function oldEntries() {
  return [
    { form: { ...emptyForm(), context: '/src/a', tags: 'a:1', args: { TOKEN: 's3cret' } }, at: 2 },
    { form: { ...emptyForm(), context: '/src/b', tags: 'b:1' }, at: 1 },
  ];
}

describe('BuildsStore', () => {
  it('shows the list the backend keeps', async () => {
    mockApi.buildsRecent.mockResolvedValue([{ form: { ...emptyForm(), context: '/x' }, at: 5 }]);
    const store = new BuildsStore();
    await store.load();
    expect(store.recent.map((r) => r.form.context)).toEqual(['/x']);
    expect(mockApi.buildsMigrate).not.toHaveBeenCalled();
  });

  it('hands the old localStorage copy (with its build args) to the backend once, then deletes it', async () => {
    localStorage.setItem(OLD_KEY, JSON.stringify(oldEntries()));
    const store = new BuildsStore();
    await store.load();
    expect(mockApi.buildsMigrate).toHaveBeenCalledWith(oldEntries());
    expect(store.recent.map((r) => r.form.context)).toEqual(['/src/a', '/src/b']);
    expect(localStorage.getItem(OLD_KEY)).toBeNull();
    // The next start reads the backend's list only.
    await new BuildsStore().load();
    expect(mockApi.buildsMigrate).toHaveBeenCalledTimes(1);
    expect(mockApi.buildsRecent).toHaveBeenCalledTimes(1);
  });

  it('keeps the old copy when the backend could not take it, for the next start', async () => {
    localStorage.setItem(OLD_KEY, JSON.stringify(oldEntries()));
    mockApi.buildsMigrate.mockRejectedValueOnce({ code: 409, message: 'locked' });
    const store = new BuildsStore();
    await store.load();
    expect(localStorage.getItem(OLD_KEY)).not.toBeNull();
    await store.load();
    expect(mockApi.buildsMigrate).toHaveBeenCalledTimes(2);
    expect(localStorage.getItem(OLD_KEY)).toBeNull();
    expect(store.recent).toHaveLength(2);
  });

  it('drops an unreadable old copy and hands over only complete entries', async () => {
    localStorage.setItem(OLD_KEY, '[{"form":{"context":"/ok"},"at":3},{"at":4},"x"]');
    const store = new BuildsStore();
    await store.load();
    expect(mockApi.buildsMigrate).toHaveBeenCalledWith([{ form: { context: '/ok' }, at: 3 }]);
    localStorage.setItem(OLD_KEY, '{not json');
    await store.load();
    expect(mockApi.buildsMigrate).toHaveBeenLastCalledWith([]);
    expect(localStorage.getItem(OLD_KEY)).toBeNull();
  });
});
