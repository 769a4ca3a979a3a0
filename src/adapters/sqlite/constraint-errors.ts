/** Which constraint a better-sqlite3 error reports as broken, or undefined for any other error. */
export function sqliteConstraintBroken(err: unknown): 'unique' | 'foreign_key' | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'unique';
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreign_key';
  return undefined;
}
