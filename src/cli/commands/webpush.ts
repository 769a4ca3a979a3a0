import { generateVapidKeys } from '../../composition/cli-stores.js';
import type { CliIo } from '../io.js';

export const WEBPUSH_HELP = `Usage: herald webpush keys

Prints a new VAPID key pair (RFC 8292) for Web Push, as YAML to paste into the config.
The private key is a secret: keep it out of version control.
`;

/** `herald webpush keys`. */
export async function runWebpush(args: string[], io: CliIo): Promise<number> {
  if (args.length !== 1 || args[0] !== 'keys') {
    io.stderr.write(`herald webpush: expected 'keys'\n\n${WEBPUSH_HELP}`);
    return 2;
  }
  const keys = generateVapidKeys();
  io.stdout.write(`web-push-public-key: ${keys.publicKey}\nweb-push-private-key: ${keys.privateKey}\n`);
  return 0;
}
