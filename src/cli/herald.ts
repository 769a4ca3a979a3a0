import { runPublish, PUBLISH_HELP } from './commands/publish.js';
import { runServe, SERVE_HELP } from './commands/serve.js';
import { runSubscribe, SUBSCRIBE_HELP } from './commands/subscribe.js';

const COMMANDS: Record<string, { run: (args: string[]) => Promise<number>; help: string; summary: string }> = {
  serve: { run: runServe, help: SERVE_HELP, summary: 'run the server' },
  publish: { run: runPublish, help: PUBLISH_HELP, summary: 'send a message to a topic' },
  subscribe: { run: runSubscribe, help: SUBSCRIBE_HELP, summary: 'print (or act on) messages of topics' },
};

const USAGE = `herald - self-hosted notification server

Usage: herald <command> [options]

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(11)}${c.summary}`).join('\n')}

Run 'herald <command> --help' for a command's options.
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name ? 0 : 1;
  }
  const command = COMMANDS[name === 'pub' || name === 'send' ? 'publish' : name === 'sub' ? 'subscribe' : name];
  if (!command) {
    process.stderr.write(`herald: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.help);
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`herald: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
