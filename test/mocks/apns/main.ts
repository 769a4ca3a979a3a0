import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startApnsMock } from './mock.js';

/**
 * The APNs mock as a process, for benchmarks:
 *   node dist/test/mocks/apns/main.js --port 0 --key-id ABC1234567 --team-id TEAM123456 --public-key-file f.pem
 *     [--bundle-id com.example.app] [--max-streams 1000] [--delay-ms 0] [--record 0] [--client-ca-file ca.pem] [--host 127.0.0.1]
 * prints {"url":"https://127.0.0.1:PORT","ca":"<pem>"} once listening and runs until SIGTERM.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'key-id': { type: 'string' },
    'team-id': { type: 'string' },
    'public-key-file': { type: 'string' },
    'client-ca-file': { type: 'string' },
    'bundle-id': { type: 'string' },
    'max-streams': { type: 'string', default: '1000' },
    'delay-ms': { type: 'string', default: '0' },
    record: { type: 'string', default: '1' },
  },
});

const keyId = values['key-id'];
const teamId = values['team-id'];
const publicKeyFile = values['public-key-file'];
if ((keyId || teamId || publicKeyFile) && !(keyId && teamId && publicKeyFile)) {
  process.stderr.write('apns mock: --key-id, --team-id and --public-key-file go together\n');
  process.exit(2);
}

const mock = await startApnsMock({
  port: Number(values.port),
  host: values.host,
  ...(keyId && teamId && publicKeyFile && { token: { keyId, teamId, publicKey: readFileSync(publicKeyFile, 'utf8') } }),
  ...(values['client-ca-file'] !== undefined && { clientCa: readFileSync(values['client-ca-file'], 'utf8') }),
  ...(values['bundle-id'] !== undefined && { bundleId: values['bundle-id'] }),
  maxConcurrentStreams: Number(values['max-streams']),
  delayMs: Number(values['delay-ms']),
  record: values.record !== '0',
});

process.stdout.write(`${JSON.stringify({ url: mock.url, ca: mock.ca })}\n`);

const stop = () => {
  void mock.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
