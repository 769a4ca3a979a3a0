import bcrypt from 'bcryptjs';
import type { PasswordHasher } from '../../ports/password-hasher.js';

export interface BcryptPasswordHasherOptions {
  /** log2 of the work factor; 10 is ntfy's `DefaultUserPasswordBcryptCost`. */
  cost?: number;
}

/**
 * bcrypt through bcryptjs (pure JS, so no native build): the async calls yield to the event loop
 * between rounds rather than blocking it for the ~50–100 ms a hash takes at cost 10.
 */
export function createBcryptPasswordHasher(options: BcryptPasswordHasherOptions = {}): PasswordHasher {
  const cost = options.cost ?? 10;
  return {
    hash(password) {
      return bcrypt.hash(password, cost);
    },

    async verify(password, hash) {
      try {
        return await bcrypt.compare(password, hash);
      } catch {
        // bcryptjs throws on a hash it cannot parse (bad version, salt or rounds); for the caller that
        // is simply not a match, and a corrupt row must not turn a login into a 500.
        return false;
      }
    },
  };
}
