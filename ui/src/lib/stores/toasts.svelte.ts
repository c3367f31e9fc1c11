// Short notices in the corner: failures (with the engine's message) and confirmations.
export type ToastKind = 'error' | 'success' | 'info';

export interface Toast {
  id: number;
  kind: ToastKind;
  /** Already translated. */
  title: string;
  detail?: string;
}

const TIMEOUT: Record<ToastKind, number> = { error: 10_000, success: 4_000, info: 5_000 };

export class ToastStore {
  items = $state<Toast[]>([]);
  #next = 1;
  #timers = new Map<number, ReturnType<typeof setTimeout>>();

  push(kind: ToastKind, title: string, detail?: string): number {
    const id = this.#next++;
    this.items = [...this.items, { id, kind, title, detail }].slice(-5);
    this.#timers.set(
      id,
      setTimeout(() => this.dismiss(id), TIMEOUT[kind]),
    );
    return id;
  }

  error(title: string, detail?: string): number {
    return this.push('error', title, detail);
  }

  success(title: string, detail?: string): number {
    return this.push('success', title, detail);
  }

  info(title: string, detail?: string): number {
    return this.push('info', title, detail);
  }

  dismiss(id: number): void {
    const t = this.#timers.get(id);
    if (t) clearTimeout(t);
    this.#timers.delete(id);
    this.items = this.items.filter((x) => x.id !== id);
  }

  clear(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    this.items = [];
  }
}

export const toasts = new ToastStore();
