import type { AuditLog } from '../../ports/audit-log.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';

/** Who did something and from where: passed by the HTTP layer or the CLI to mutating operations. */
export interface AuditContext {
  actor: string;
  address: string;
}

export const CLI_CONTEXT: AuditContext = Object.freeze({ actor: 'cli', address: '' });

/**
 * Appends to the audit log. A failed write is logged, never allowed to undo or fail the change
 * it records: the change already happened.
 */
export class AuditTrail {
  readonly #log: AuditLog | undefined;
  readonly #clock: Clock;
  readonly #logger: Logger;

  constructor(log: AuditLog | undefined, clock: Clock, logger: Logger) {
    this.#log = log;
    this.#clock = clock;
    this.#logger = logger;
  }

  async record(ctx: AuditContext, action: string, target: string, details: Record<string, unknown> = {}): Promise<void> {
    if (!this.#log) return;
    try {
      await this.#log.append({ time: this.#clock.now(), actor: ctx.actor, action, target, address: ctx.address, details });
    } catch (err) {
      this.#logger.error({ err, action, target }, 'audit write failed');
    }
  }
}
