// The system's file dialogs (tauri-plugin-dialog). A typed path always works too: the dialog
// is a convenience, and on a desktop without a portal it may not open at all.
import { open, save } from '@tauri-apps/plugin-dialog';

/** Ask where to save a tar; null when the user cancels or no dialog can be shown. */
export async function pickTarSavePath(defaultPath: string, title: string): Promise<string | null> {
  try {
    return await save({
      title,
      defaultPath,
      filters: [{ name: 'Tar archive', extensions: ['tar'] }],
    });
  } catch (e) {
    console.warn('save dialog unavailable', e);
    return null;
  }
}

/** Ask for a tar to load; null when the user cancels or no dialog can be shown. */
export async function pickTarOpenPath(title: string): Promise<string | null> {
  try {
    const picked = await open({
      title,
      multiple: false,
      directory: false,
      filters: [{ name: 'Tar archive', extensions: ['tar', 'tar.gz', 'tgz'] }],
    });
    return typeof picked === 'string' ? picked : null;
  } catch (e) {
    console.warn('open dialog unavailable', e);
    return null;
  }
}

/** Ask for a folder (a build context); null when cancelled or unavailable. */
export async function pickFolder(title: string): Promise<string | null> {
  try {
    const picked = await open({ title, directory: true, multiple: false });
    return typeof picked === 'string' ? picked : null;
  } catch (e) {
    console.warn('folder dialog unavailable', e);
    return null;
  }
}

/** Ask for one file (a Dockerfile); null when cancelled or unavailable. */
export async function pickFile(title: string): Promise<string | null> {
  try {
    const picked = await open({ title, directory: false, multiple: false });
    return typeof picked === 'string' ? picked : null;
  } catch (e) {
    console.warn('file dialog unavailable', e);
    return null;
  }
}
