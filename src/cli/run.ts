import type { CliIo } from './io.js';

interface Command {
  run(args: string[], io: CliIo): Promise<number>;
  help: string;
}

// Commands load on demand: publish and subscribe are HTTP clients and should not pay for
// loading the server (Fastify, SQLite) at every call.
const COMMANDS: Record<string, { load: () => Promise<Command>; summary: string }> = {
  serve: { load: async () => { const m = await import('./commands/serve.js'); return { run: m.runServe, help: m.SERVE_HELP }; }, summary: 'run the server' },
  publish: { load: async () => { const m = await import('./commands/publish.js'); return { run: m.runPublish, help: m.PUBLISH_HELP }; }, summary: 'send a message to a topic' },
  subscribe: { load: async () => { const m = await import('./commands/subscribe.js'); return { run: m.runSubscribe, help: m.SUBSCRIBE_HELP }; }, summary: 'print (or act on) messages of topics' },
  key: { load: async () => { const m = await import('./commands/key.js'); return { run: m.runKey, help: m.KEY_HELP }; }, summary: 'create, list, revoke and rotate API keys' },
  device: { load: async () => { const m = await import('./commands/device.js'); return { run: m.runDevice, help: m.DEVICE_HELP }; }, summary: 'list, show and remove registered push devices' },
  push: { load: async () => { const m = await import('./commands/push.js'); return { run: m.runPush, help: m.PUSH_HELP }; }, summary: 'send a push and follow it; show or cancel one' },
  webpush: { load: async () => { const m = await import('./commands/webpush.js'); return { run: m.runWebpush, help: m.WEBPUSH_HELP }; }, summary: 'print a new VAPID key pair for Web Push' },
  user: { load: async () => { const m = await import('./commands/user.js'); return { run: m.runUser, help: m.USER_HELP }; }, summary: 'add, remove and change users' },
  tier: { load: async () => { const m = await import('./commands/tier.js'); return { run: m.runTier, help: m.TIER_HELP }; }, summary: 'add, change, remove and list tiers' },
  access: { load: async () => { const m = await import('./commands/access.js'); return { run: m.runAccess, help: m.ACCESS_HELP }; }, summary: 'grant, list and reset topic access' },
  token: { load: async () => { const m = await import('./commands/token.js'); return { run: m.runToken, help: m.TOKEN_HELP }; }, summary: 'create, list and remove access tokens' },
  migrate: { load: async () => { const m = await import('./commands/migrate.js'); return { run: m.runMigrate, help: m.MIGRATE_HELP }; }, summary: 'copy this SQLite installation into PostgreSQL' },
};

const USAGE = `herald - self-hosted notification server

Usage: herald <command> [options]

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(11)}${c.summary}`).join('\n')}

Run 'herald <command> --help' for a command's options.
`;

/**
 * Runs one command line (without the program name) and returns its exit status: 0 on success,
 * 1 when the work failed, 2 on a usage error. Nothing here exits the process, so tests call it
 * in-process; the binary turns the status into `process.exitCode`.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch([...argv], io);
  } catch (err) {
    io.stderr.write(`herald: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(USAGE);
    return name ? 0 : 1;
  }
  const entry = COMMANDS[name === 'pub' || name === 'send' ? 'publish' : name === 'sub' ? 'subscribe' : name];
  if (!entry) {
    io.stderr.write(`herald: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.help);
    return 0;
  }
  return command.run(rest, io);
}
