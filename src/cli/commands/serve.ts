import { CONFIG_KEYS, ConfigError, loadConfig } from '../../config/index.js';
import { createLogger, startServer } from '../../main.js';
import type { CliIo } from '../io.js';
import { ProvisioningError } from '../../core/auth/provisioning.js';
import { chooseConfigFile, DEFAULT_CONFIG_FILES, describeConfigFile, parseServeFlags } from '../config-flags.js';

export const SERVE_HELP = `Usage: herald serve [--config FILE] [--KEY VALUE ...]

Runs the server. Settings come from defaults < the YAML file (ntfy's server.yml keys work)
< environment (HERALD_<KEY>) < flags (--<key> value).

Options:
  -c, --config FILE   YAML config file (also HERALD_CONFIG); without either, the first of
                      ${DEFAULT_CONFIG_FILES.join(', ')} that exists
${CONFIG_KEYS.map((k) => `  --${k.kebab.padEnd(40)} ${k.description} (default: ${k.default === '' ? "''" : k.default})`).join('\n')}
`;

/** `herald serve`: load config, start, and stop cleanly on SIGTERM/SIGINT. */
export async function runServe(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseServeFlags(args);
  } catch (err) {
    io.stderr.write(`herald serve: ${(err as Error).message}\nRun 'herald serve --help' for the options.\n`);
    return 2;
  }
  const { flags } = parsed;
  const chosen = chooseConfigFile(parsed.config, io.env);
  let loaded;
  try {
    loaded = loadConfig({ ...(chosen.file === undefined ? {} : { file: chosen.file }), env: io.env, flags });
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`herald serve: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const logger = createLogger(loaded.config);
  logger.info({ configFile: chosen.file ?? null }, describeConfigFile(chosen));
  for (const warning of loaded.warnings) logger.warn({}, warning);
  // Listening starts inside startServer, before it returns: a SIGTERM from then on (a supervisor,
  // a test that saw /v1/health answer) must stop the server cleanly, not kill it by the signal's
  // default action. The handlers are in place first and wait for the start to finish.
  let stopSignal: string | undefined;
  let onSignal: (signal: string) => void = (signal) => { stopSignal ??= signal; };
  io.signals.once('SIGTERM', () => onSignal('SIGTERM'));
  io.signals.once('SIGINT', () => onSignal('SIGINT'));
  let server;
  try {
    server = await startServer(loaded.config, { logger });
  } catch (err) {
    // A bad auth-users/auth-access/auth-tokens entry is a configuration error like any other.
    if (err instanceof ProvisioningError) {
      io.stderr.write(`herald serve: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const running = server;
  await new Promise<void>((resolve) => {
    let stopping = false;
    onSignal = (signal) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      running.stop().then(resolve, (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    if (stopSignal) onSignal(stopSignal);
  });
  return 0;
}
