// "Now", ticking slowly, so "3 minutes ago" becomes "4 minutes ago" without a refresh.
export class Clock {
  now = $state(Date.now());
  #timer: ReturnType<typeof setInterval> | null = null;

  start(intervalMs = 30_000): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => (this.now = Date.now()), intervalMs);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}

export const clock = new Clock();
