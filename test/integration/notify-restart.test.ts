import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { CLI_CONTEXT } from '../../src/core/audit/audit-trail.js';
import { openKeys } from '../../src/main.js';
import { OffsetClock } from '../helpers/manual-clock.js';
import { eventually } from '../helpers/wait.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startSmtpSink, type SmtpSink } from '../mocks/smtp/smtp-sink.js';

/** Scheduled and deferred notifications live in the durable queue: a restart loses neither. */
let sink: SmtpSink;
let dir: string;
/** The servers' clock: it jumps past the schedule and the quiet hours across the restart. */
const clock = new OffsetClock();

before(async () => {
  sink = await startSmtpSink();
  dir = mkdtempSync(join(tmpdir(), 'herald-notify-restart-'));
});
after(async () => {
  await sink.close();
  rmSync(dir, { recursive: true, force: true });
});

const flags = () => ({
  'smtp-sender-addr': `127.0.0.1:${sink.port}`,
  'smtp-sender-from': 'Herald <noreply@herald.test>',
  'smtp-sender-tls': 'none',
  'visitor-request-limit-exempt-hosts': '127.0.0.1,::1',
});

it('a scheduled and a quiet-hours-deferred notification both go out after a restart', async () => {
  let server: TestServer = await startTestServer(flags(), dir, { clock });
  const keys = await openKeys(loadConfig({ env: {}, flags: { 'database-file': join(dir, 'herald.db') } }).config);
  const auth = `Bearer ${(await keys.keys.create(CLI_CONTEXT, { name: 'restart', scopes: ['admin'] })).secret}`;
  await keys.close();
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, { method, headers: { authorization: auth, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, json: await res.json() as any };
  };
  assert.equal((await call('PUT', '/v1/categories/news', { channels: ['email'] })).status, 200);
  assert.equal((await call('PUT', '/v1/templates/hello', { category: 'news', channels: { email: { subject: 'Hello {{ n }}', text: 'Hi' } } })).status, 201);
  const hour = new Date(clock.now()).getUTCHours();
  const pad = (h: number) => String((h + 24) % 24).padStart(2, '0');
  await call('PUT', '/v1/subscribers/later', { email: 'later@example.com', timezone: 'UTC' });
  await call('PUT', '/v1/subscribers/quiet', { email: 'quiet@example.com', timezone: 'UTC' });
  await call('PUT', '/v1/subscribers/quiet/preferences', { quiet_hours: { start: `${pad(hour - 1)}:00`, end: `${pad(hour + 2)}:00` } });

  // Due in an hour: however slow the machine, it cannot go out before the restart.
  const sendAt = new Date(clock.now() + 3600_000).toISOString();
  const scheduled = await call('POST', '/v1/notify', { template: 'hello', to: { subscribers: ['later'] }, send_at: sendAt, data: { n: 'scheduled' } });
  assert.equal(scheduled.status, 202, JSON.stringify(scheduled.json));
  assert.equal(scheduled.json.state, 'scheduled');
  const deferred = await call('POST', '/v1/notify', { template: 'hello', to: { subscribers: ['quiet'] }, data: { n: 'deferred' } });
  await eventually('deferred', async () => (await call('GET', `/v1/notify/${deferred.json.id}`)).json.deliveries[0]?.state === 'deferred');
  await server.stop();
  assert.equal(sink.count(), 0, 'nothing went out before the restart');

  clock.advance(3 * 3600_000);
  server = await startTestServer(flags(), dir, { clock });
  try {
    await eventually('both mails after the restart', () => sink.count() === 2);
    const subjects = sink.messages.map((m) => /^Subject: (.*)$/m.exec(m.raw.toString('utf8'))?.[1]).sort();
    assert.deepEqual(subjects, ['Hello deferred', 'Hello scheduled']);
    // The sink has the mail a moment before Herald records the relay's answer.
    await eventually('the scheduled delivery recorded as sent', async () => (await call('GET', `/v1/notify/${scheduled.json.id}`)).json.deliveries[0].state === 'sent');
  } finally {
    await server.stop();
  }
});
