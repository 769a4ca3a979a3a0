/**
 * ntfy's boolean rule: `1`, `yes` and `true` are true, any other non-empty value is false, and
 * an empty or missing value means "not given", so the caller's default applies.
 */
export function parseBoolean(value: string | undefined, fallback: boolean): boolean {
  const v = value?.trim().toLowerCase() ?? '';
  if (v === '') return fallback;
  return v === '1' || v === 'yes' || v === 'true';
}
