import type { Provider } from '../../ports/device-store.js';
import type { PushSender } from '../../ports/push-sender.js';

/** The configured provider credentials, by provider and app name. */
export class SenderRegistry {
  readonly #byKey = new Map<string, PushSender>();

  constructor(senders: readonly PushSender[]) {
    for (const s of senders) {
      const key = `${s.app}:${s.provider}`;
      if (this.#byKey.has(key)) throw new Error(`two ${s.provider} apps are named '${s.app}'`);
      this.#byKey.set(key, s);
    }
  }

  get(provider: Provider, app: string): PushSender | undefined {
    return this.#byKey.get(`${app}:${provider}`);
  }

  all(): PushSender[] {
    return [...this.#byKey.values()];
  }

  providers(): Provider[] {
    return [...new Set(this.all().map((s) => s.provider))];
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((s) => s.close()));
  }
}
