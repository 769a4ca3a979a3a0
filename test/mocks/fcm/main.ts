/**
 * The FCM mock as a process, for benchmarks and manual runs:
 *   node dist/test/mocks/fcm/main.js [--port 0] [--delay-ms 0] [--record 0|1] [--project herald-test] [--max-streams 100]
 * Prints one JSON line once listening — {"url", "ca", "tokenUrl", "serviceAccount"} where
 * serviceAccount is a key file Herald can load (token_uri points at the mock) — and runs until SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startFcmMock } from './mock.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'delay-ms': { type: 'string', default: '0' },
    record: { type: 'string', default: '0' },
    project: { type: 'string', default: 'herald-test' },
    'max-streams': { type: 'string', default: '100' },
  },
});

const mock = await startFcmMock({
  port: Number(values.port),
  host: values.host,
  delayMs: Number(values['delay-ms']),
  record: values.record === '1' || values.record === 'true',
  project: values.project,
  maxConcurrentStreams: Number(values['max-streams']),
});
process.stdout.write(`${JSON.stringify({ url: mock.url, tokenUrl: mock.tokenUrl, ca: mock.ca, serviceAccount: mock.serviceAccount })}\n`);

let closing = false;
const stop = (): void => {
  if (closing) return;
  closing = true;
  process.stderr.write(`fcm mock: ${JSON.stringify(mock.counters)}\n`);
  void mock.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
