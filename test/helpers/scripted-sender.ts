import type { Provider } from '../../src/ports/device-store.js';
import type { Outcome } from '../../src/ports/provider.js';
import type { EncodedPush, PushContent, PushSender, PushTarget } from '../../src/ports/push-sender.js';

/**
 * A PushSender for pipeline tests: answers each token from a script (a queue of outcomes, then
 * `ok`), optionally after a delay, and counts every send per token. Test code only; the provider
 * clients themselves are tested against their protocol mocks.
 */
export class ScriptedSender implements PushSender {
  readonly provider: Provider;
  readonly app: string;
  readonly sends = new Map<string, number>();
  readonly scripts = new Map<string, Outcome[]>();
  /** Milliseconds each send takes (simulated work, not a test's wait: use `hold` to keep a send pending). */
  delayMs = 0;
  /** Every send call's targets, in order. */
  readonly batches: string[][] = [];
  encodes = 0;
  /** When set, encode throws this (to exercise accept-time refusal). */
  refuse: Error | undefined;
  #gate: Promise<void> | undefined;

  constructor(provider: Provider, app = 'default') {
    this.provider = provider;
    this.app = app;
  }

  script(token: string, ...outcomes: Outcome[]): void {
    this.scripts.set(token, outcomes);
  }

  encode(content: PushContent): EncodedPush & { content: PushContent } {
    this.encodes++;
    if (this.refuse) throw this.refuse;
    return { provider: this.provider, bytes: JSON.stringify(content.notification).length, content };
  }

  /**
   * Makes every send wait (after it is recorded in `batches`) until the returned function is
   * called: a provider that hangs for exactly as long as the test needs, however slow the machine.
   */
  hold(): () => void {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    this.#gate = gate;
    return () => {
      if (this.#gate === gate) this.#gate = undefined;
      release();
    };
  }

  async send(_push: EncodedPush, targets: readonly PushTarget[]): Promise<Outcome[]> {
    this.batches.push(targets.map((t) => t.token));
    if (this.#gate) await this.#gate;
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    return targets.map((t) => {
      this.sends.set(t.token, (this.sends.get(t.token) ?? 0) + 1);
      return this.scripts.get(t.token)?.shift() ?? { kind: 'ok', providerId: `id-${t.token.slice(0, 8)}` };
    });
  }

  total(): number {
    let n = 0;
    for (const v of this.sends.values()) n += v;
    return n;
  }

  async close(): Promise<void> {}
}
