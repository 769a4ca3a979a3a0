import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { CONFIG_KEYS, NTFY_ONLY_KEYS } from '../config/index.js';

/** A command-line mistake: the command reports it and exits with status 2. */
export class FlagError extends Error {}

/**
 * Where the server config is looked for when neither `-c/--config` nor `$HERALD_CONFIG` names a
 * file: the system-wide file of a package install, then one beside the working directory.
 */
export const DEFAULT_CONFIG_FILES: readonly string[] = ['/etc/herald/server.yml', 'herald.yml'];

/** The config file in use and how it was chosen, for the startup log and error messages. */
export interface ChosenConfigFile {
  file: string | undefined;
  origin: 'flag' | 'env' | 'default' | 'none';
}

/**
 * `--config` beats `$HERALD_CONFIG` beats the first default file that exists. A named file that is
 * missing is left for the loader to report; only the defaults are optional.
 */
export function chooseConfigFile(flag: string | undefined, env: NodeJS.ProcessEnv, cwd = process.cwd()): ChosenConfigFile {
  if (flag !== undefined) return { file: flag, origin: 'flag' };
  if (env.HERALD_CONFIG) return { file: env.HERALD_CONFIG, origin: 'env' };
  for (const candidate of DEFAULT_CONFIG_FILES) {
    const path = resolve(cwd, candidate);
    if (existsSync(path)) return { file: path, origin: 'default' };
  }
  return { file: undefined, origin: 'none' };
}

/** One line for the log: which file the settings came from. */
export function describeConfigFile(chosen: ChosenConfigFile): string {
  switch (chosen.origin) {
    case 'flag':
      return `config file ${chosen.file} (--config)`;
    case 'env':
      return `config file ${chosen.file} ($HERALD_CONFIG)`;
    case 'default':
      return `config file ${chosen.file} (default location)`;
    case 'none':
      return `no config file (looked for ${DEFAULT_CONFIG_FILES.join(', ')}); defaults, environment and flags only`;
  }
}

/**
 * Reads `--key value`, `--key=value` and bare boolean `--key` flags. Every config key is a flag,
 * so the flag set comes from the config table rather than a hand-kept list. Unlike unknown YAML
 * keys (kept as warnings so an ntfy server.yml starts as is), an unknown flag is a typo on a line
 * someone just typed, so it is refused.
 */
export function parseServeFlags(args: string[]): { config?: string; flags: Record<string, string | boolean> } {
  const booleans = new Set(CONFIG_KEYS.filter((k) => k.kind === 'boolean').map((k) => k.kebab));
  const known = new Set(CONFIG_KEYS.map((k) => k.kebab));
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
    } else if (arg.startsWith('-') && arg !== '-') throw new FlagError(`unknown option '${arg}'`);
    else throw new FlagError(`unexpected argument '${arg}'`);
    // ntfy spells some flags with underscores; the config file accepts both, so flags do too.
    name = name.replaceAll('_', '-');
    if (name !== 'config' && !known.has(name)) throw new FlagError(unknownFlagMessage(name));
    if (value === undefined) {
      const next = args[i + 1];
      const nextIsValue = next !== undefined && !next.startsWith('--');
      if (booleans.has(name) && !(nextIsValue && /^(true|false|yes|no|on|off|1|0)$/i.test(next))) value = true;
      else if (nextIsValue) value = args[++i]!;
      else throw new FlagError(`--${name} needs a value`);
    }
    if (name === 'config') config = String(value);
    else flags[name] = value;
  }
  return config === undefined ? { flags } : { config, flags };
}

/** Why `--name` is refused, with the nearest real option when the name looks like a typo. */
export function unknownFlagMessage(name: string): string {
  const why = NTFY_ONLY_KEYS.get(name);
  if (why !== undefined) return `unknown option '--${name}': an ntfy option Herald does not use, since ${why}`;
  const near = nearestKey(name);
  return `unknown option '--${name}'${near ? ` (did you mean --${near}?)` : ''}`;
}

function nearestKey(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 4)) + 1;
  for (const key of CONFIG_KEYS) {
    const d = editDistance(name, key.kebab);
    if (d < bestDistance) {
      best = key.kebab;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}
