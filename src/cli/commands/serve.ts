import { parseArgs } from 'node:util';
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
  const { values, positionals } = parseArgs({ args, options: { config: { type: 'string', short: 'c' } }, strict: false, allowPositionals: true });
  if (positionals.length > 0) {
    process.stderr.write(`herald serve: unexpected argument '${positionals[0]}'\n`);
    return 2;
  }
  const flags: Record<string, string | boolean | undefined> = {};
  for (const [key, value] of Object.entries(values)) if (key !== 'config') flags[key] = value as string | boolean | undefined;
  const file = (values.config as string | undefined) ?? process.env.HERALD_CONFIG;
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
