import { CONFIG_KEYS, ConfigError, loadConfig } from '../../config/index.js';
import { createLogger, startServer } from '../../main.js';

export const SERVE_HELP = `Usage: herald serve [--config FILE] [--KEY VALUE ...]

Runs the server. Settings come from defaults < the YAML file (ntfy's server.yml keys work)
< environment (HERALD_<KEY>) < flags (--<key> value).

Options:
  -c, --config FILE   YAML config file (also HERALD_CONFIG)
${CONFIG_KEYS.map((k) => `  --${k.kebab.padEnd(40)} ${k.description} (default: ${k.default === '' ? "''" : k.default})`).join('\n')}
`;

/** `herald serve`: load config, start, and stop cleanly on SIGTERM/SIGINT. */
export async function runServe(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseServeFlags(args);
  } catch (err) {
    process.stderr.write(`herald serve: ${(err as Error).message}\n`);
    return 2;
  }
  const { flags } = parsed;
  const file = parsed.config ?? process.env.HERALD_CONFIG;
  let loaded;
  try {
    loaded = loadConfig({ file, env: process.env, flags });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`herald serve: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const logger = createLogger(loaded.config);
  for (const warning of loaded.warnings) logger.warn({}, warning);
  const server = await startServer(loaded.config, { logger });
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      server.stop().then(resolve, (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  return 0;
}

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
