import { parseArgs } from 'node:util';
import { startSmtpSink } from './smtp-sink.js';

/**
 * The SMTP sink as a process, for benchmarks:
 *   node dist/test/mocks/smtp/main.js [PORT] [--port 0] [--host 127.0.0.1] [--tls] [--user U --pass P] [--keep]
 * prints {"port":N} (plus "ca" with --tls) as one line once listening, then only counts messages:
 * nothing is printed per message. SIGUSR2 prints {"count":N}; SIGTERM and SIGINT print it and exit.
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    tls: { type: 'boolean', default: false },
    user: { type: 'string' },
    pass: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

const port = Number(values.port ?? positionals[0] ?? '0');
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`smtp sink: bad port ${values.port ?? positionals[0]}\n`);
  process.exit(2);
}
if ((values.user === undefined) !== (values.pass === undefined)) {
  process.stderr.write('smtp sink: --user and --pass go together\n');
  process.exit(2);
}

const sink = await startSmtpSink({
  port,
  host: values.host,
  tls: values.tls,
  keep: values.keep,
  ...(values.user !== undefined && values.pass !== undefined && { auth: { user: values.user, pass: values.pass } }),
});

process.stdout.write(`${JSON.stringify({ port: sink.port, ...(sink.ca !== undefined && { ca: sink.ca }) })}\n`);

const report = () => process.stdout.write(`${JSON.stringify({ count: sink.count() })}\n`);
process.on('SIGUSR2', report);
const stop = () => {
  report();
  void sink.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
