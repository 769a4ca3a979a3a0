import { HeraldError } from '../../errors/herald-error.js';

/** The canonical names; they are also what ntfy prints and returns in JSON. */
export type Permission = 'read-write' | 'read-only' | 'write-only' | 'deny-all';

export interface PermissionFlags {
  read: boolean;
  write: boolean;
}

const ALIASES: ReadonlyMap<string, Permission> = new Map([
  ['read-write', 'read-write'],
  ['rw', 'read-write'],
  ['read-only', 'read-only'],
  ['read', 'read-only'],
  ['ro', 'read-only'],
  ['write-only', 'write-only'],
  ['write', 'write-only'],
  ['wo', 'write-only'],
  ['deny-all', 'deny-all'],
  ['deny', 'deny-all'],
  ['none', 'deny-all'],
]);

/** Accepts every spelling ntfy's CLI and API accept; throws `permissionInvalid` otherwise. */
export function parsePermission(s: string): Permission {
  const permission = ALIASES.get(s.trim().toLowerCase());
  if (!permission) throw new HeraldError('permissionInvalid', { detail: JSON.stringify(s) });
  return permission;
}

export function permissionFlags(p: Permission): PermissionFlags {
  return { read: p === 'read-write' || p === 'read-only', write: p === 'read-write' || p === 'write-only' };
}

export function permissionOf(flags: PermissionFlags): Permission {
  if (flags.read) return flags.write ? 'read-write' : 'read-only';
  return flags.write ? 'write-only' : 'deny-all';
}
