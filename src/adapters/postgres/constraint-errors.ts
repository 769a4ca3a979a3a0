/** Which constraint a node-postgres error reports as broken (by SQLSTATE), or undefined for any other error. */
export function postgresConstraintBroken(err: unknown): 'unique' | 'foreign_key' | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === '23505') return 'unique';
  if (code === '23503') return 'foreign_key';
  return undefined;
}
