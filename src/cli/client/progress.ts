import type { Writable } from 'node:stream';

/**
 * A one-line progress bar on stderr for work that takes a while (uploads, large pushes). Drawn
 * only on a terminal, and redrawn only when the shown figure changes, so piping output stays clean.
 */
export class ProgressBar {
  readonly #out: Writable;
  readonly #label: string;
  readonly #format: (n: number) => string;
  readonly #enabled: boolean;
  #total: number;
  #drawn = '';

  constructor(out: Writable & { isTTY?: boolean }, label: string, total: number, options: { format?: (n: number) => string; enabled?: boolean } = {}) {
    this.#out = out;
    this.#label = label;
    this.#total = total;
    this.#format = options.format ?? String;
    this.#enabled = options.enabled ?? out.isTTY === true;
  }

  /** The total may only become known as work goes on (a broadcast's audience). */
  setTotal(total: number): void {
    this.#total = total;
  }

  update(done: number, suffix = ''): void {
    if (!this.#enabled) return;
    const width = 30;
    const ratio = this.#total > 0 ? Math.min(1, done / this.#total) : 0;
    const filled = Math.round(width * ratio);
    const line = `${this.#label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${this.#format(done)}/${this.#format(this.#total)}${suffix ? ` ${suffix}` : ''}`;
    if (line === this.#drawn) return;
    this.#drawn = line;
    this.#out.write(`\r${line}`);
  }

  finish(): void {
    if (this.#enabled && this.#drawn) this.#out.write('\n');
  }
}
