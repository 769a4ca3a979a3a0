/** Where a configuration value came from. */
export type ConfigSource = 'file' | 'env' | 'flag';

/** One problem found while loading the configuration. */
export interface ConfigViolation {
  readonly source: ConfigSource;
  /**
   * The name exactly as the user wrote it in that source: the YAML key (`cache_duration`), the
   * environment variable (`HERALD_CACHE_DURATION`) or the flag (`--cache-duration`). For
   * problems with the file as a whole, the file's path.
   */
  readonly name: string;
  /** Path of the config file, for `source: 'file'`. */
  readonly file?: string;
  /** The offending value as given; absent when the problem is not about one value. */
  readonly value?: unknown;
  /** What would have been accepted, in words ("a duration such as 30s, 12h or 3d"). */
  readonly expected: string;
}

/**
 * Thrown once by `loadConfig()` with every problem it found, so an operator fixes the whole file
 * in one round rather than one key per restart. Deliberately not a `HeraldError`: it never
 * reaches HTTP, and config/ must not depend on errors/.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly violations: readonly ConfigViolation[];

  constructor(violations: readonly ConfigViolation[]) {
    super(formatViolations(violations));
    this.violations = Object.freeze([...violations]);
  }
}

function formatViolations(violations: readonly ConfigViolation[]): string {
  const count = violations.length === 1 ? '1 problem' : `${violations.length} problems`;
  const lines = violations.map((v) => {
    const where = v.source === 'file' && v.file !== undefined && v.file !== v.name ? `file ${v.file}` : v.source;
    const got = v.value === undefined ? '' : `got ${describeValue(v.value)}, `;
    return `  - ${v.name} (${where}): ${got}expected ${v.expected}`;
  });
  return `invalid configuration (${count}):\n${lines.join('\n')}`;
}

function describeValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  // A stray multi-line YAML block should not bury the rest of the report.
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
