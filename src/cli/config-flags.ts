import { CONFIG_KEYS } from '../config/index.js';

/**
 * Reads `--key value`, `--key=value` and bare boolean `--key` flags. Every config key is a flag,
 * so the flag set comes from the config table rather than a hand-kept list.
 */
export function parseServeFlags(args: string[]): { config?: string; flags: Record<string, string | boolean> } {
  const booleans = new Set(CONFIG_KEYS.filter((k) => k.kind === 'boolean').map((k) => k.kebab));
  const flags: Record<string, string | boolean> = {};
  let config: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    let name: string;
    let value: string | boolean | undefined;
    if (arg === '-c') name = 'config';
    else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      if (eq > 0) value = arg.slice(eq + 1);
    } else throw new Error(`unexpected argument '${arg}'`);
    if (value === undefined) {
      const next = args[i + 1];
      const nextIsValue = next !== undefined && !next.startsWith('--');
      if (booleans.has(name) && !(nextIsValue && /^(true|false|yes|no|on|off|1|0)$/i.test(next))) value = true;
      else if (nextIsValue) value = args[++i]!;
      else throw new Error(`--${name} needs a value`);
    }
    if (name === 'config') config = String(value);
    else flags[name] = value;
  }
  return config === undefined ? { flags } : { config, flags };
}
