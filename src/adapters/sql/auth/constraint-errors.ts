import { AuthStoreError } from '../../../ports/auth-store.js';
import type { AuthDialect } from './schema.js';

/** Turns the driver's constraint errors into the port's error kinds; anything else passes through. */
export async function translateConstraint<T>(dialect: AuthDialect, pending: Promise<T>, duplicate: string, missing = 'not found'): Promise<T> {
  try {
    return await pending;
  } catch (err) {
    const broken = dialect.constraintBroken(err);
    if (broken === 'unique') throw new AuthStoreError('duplicate', duplicate);
    if (broken === 'foreign_key') throw new AuthStoreError('not_found', missing);
    throw err;
  }
}

/** Runs a write and reports it to the dialect once it succeeded. */
export async function written<T>(dialect: AuthDialect, pending: Promise<T>): Promise<T> {
  const value = await pending;
  dialect.written?.();
  return value;
}
