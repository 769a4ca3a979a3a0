import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';
import { nextEvents, openStream } from '../helpers/streams.js';
import { eventually } from '../helpers/wait.js';

/** One request over the Unix socket: status and body text. */
function overSocket(socketPath: string, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A socket file nobody serves on, as a process killed with SIGKILL leaves behind. */
async function staleSocket(path: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`listener exited early (${code})`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  assert.ok(statSync(path).isSocket(), 'the killed listener left its socket file');
}

describe('listen-unix', () => {
  let server: TestServer;
  let socket: string;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-unix-'));
    socket = join(dir, 'herald.sock');
    await staleSocket(socket);
    server = await startTestServer({ 'listen-unix': socket, 'listen-unix-mode': '0660' }, dir);
  });
  after(() => server.close());

  it('replaces a stale socket file and applies listen-unix-mode', () => {
    const stat = statSync(socket);
    assert.ok(stat.isSocket());
    assert.equal((stat.mode & 0o777).toString(8), '660');
    assert.equal(server.unixSocket, socket);
  });

  it('publishes and subscribes over the socket, sharing topics with the TCP listener', async () => {
    const topic = randomTopic('unix');
    const overUnix = await openStream(`http://localhost/${topic}/json`, {}, { socketPath: socket });
    const overTcp = await openStream(`${server.url}/${topic}/json`);
    try {
      assert.equal(overUnix.status, 200);
      assert.equal((await nextEvents(overUnix))[0]!.event, 'open');
      assert.equal((await nextEvents(overTcp))[0]!.event, 'open');
      const published = await overSocket(socket, 'POST', `/${topic}`, 'through the socket', { Title: 'Unix' });
      assert.equal(published.status, 200, published.text);
      assert.equal(JSON.parse(published.text).message, 'through the socket');
      for (const stream of [overUnix, overTcp]) {
        const [m] = await nextEvents(stream);
        assert.deepEqual([m!.event, m!.message, m!.title], ['message', 'through the socket', 'Unix']);
      }
      await fetch(`${server.url}/${topic}`, { method: 'POST', body: 'through TCP' });
      assert.equal((await nextEvents(overUnix))[0]!.message, 'through TCP');
      const polled = await overSocket(socket, 'GET', `/${topic}/json?poll=1`);
      assert.deepEqual(polled.text.trim().split('\n').map((l) => JSON.parse(l).message), ['through the socket', 'through TCP']);
    } finally {
      overUnix.close();
      overTcp.close();
    }
  });

  it('takes WebSocket subscriptions over the socket', async () => {
    const topic = randomTopic('unixws');
    const ws = new WebSocket(`ws+unix://${socket}:/${topic}/ws`);
    const events: Record<string, unknown>[] = [];
    const opened = new Promise<void>((resolve, reject) => {
      ws.on('message', (data) => {
        const event = JSON.parse(String(data)) as Record<string, unknown>;
        events.push(event);
        if (event.event === 'open') resolve();
      });
      ws.once('error', reject);
    });
    try {
      await opened;
      await overSocket(socket, 'PUT', `/${topic}`, 'ws over unix');
      await eventually('the WebSocket got the message', () => events.some((e) => e.message === 'ws over unix'));
    } finally {
      ws.close();
    }
  });

  it('answers errors over the socket in the usual JSON shape', async () => {
    const res = await overSocket(socket, 'GET', '/v1/no-such-route');
    assert.equal(res.status, 404);
    assert.equal(JSON.parse(res.text).code, 40401);
  });
});

describe('listen-unix start and stop', () => {
  it('removes the socket at shutdown, and serves with listen-http "-" on the socket alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-unix-'));
    const socket = join(dir, 'only.sock');
    const server = await startTestServer({ 'listen-http': '-', 'listen-unix': socket }, dir);
    try {
      assert.equal(server.url, '', 'no TCP listener');
      assert.equal(server.app.server.listening, false);
      const topic = randomTopic('only');
      assert.equal((await overSocket(socket, 'POST', `/${topic}`, 'hello')).status, 200);
      assert.match((await overSocket(socket, 'GET', `/${topic}/json?poll=1`)).text, /"message":"hello"/);
      await server.stop();
      assert.equal(existsSync(socket), false, 'the socket file is gone after shutdown');
    } finally {
      await server.close();
    }
  });

  it('refuses to start on a socket another process serves, and on a path that is not a socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-unix-'));
    try {
      const live = join(dir, 'live.sock');
      const other = createServer();
      await new Promise<void>((resolve) => other.listen(live, resolve));
      try {
        await assert.rejects(startTestServer({ 'listen-unix': live }, join(dir, 'a')), /another process is serving on/);
        assert.ok(statSync(live).isSocket(), 'the other process keeps its socket');
      } finally {
        await new Promise((resolve) => other.close(resolve));
      }
      const file = join(dir, 'notes.txt');
      writeFileSync(file, 'keep me');
      await assert.rejects(startTestServer({ 'listen-unix': file }, join(dir, 'b')), /exists and is not a socket/);
      assert.equal(readFileSync(file, 'utf8'), 'keep me');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('behind a proxy, believes the forwarded address of a request that came through the socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-unix-'));
    const socket = join(dir, 'proxy.sock');
    const server = await startTestServer({ 'listen-unix': socket, 'behind-proxy': 'true', 'proxy-trusted-hosts': '10.9.9.9' }, dir);
    try {
      const topic = randomTopic('fwd');
      const from = (ip: string) => ({ 'X-Forwarded-For': ip });
      assert.equal((await overSocket(socket, 'POST', `/${topic}`, 'one', from('203.0.113.7'))).status, 200);
      const stats = async (ip: string) => JSON.parse((await overSocket(socket, 'GET', '/v1/account', undefined, from(ip))).text).stats.messages as number;
      assert.equal(await stats('203.0.113.7'), 1, 'counted against the forwarded address');
      assert.equal(await stats('203.0.113.8'), 0, 'another forwarded address is another visitor');
    } finally {
      await server.close();
    }
  });
});
