import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:http2';
import { request } from 'node:https';
import { join } from 'node:path';
import WebSocket from 'ws';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/wait.js';

let server: TestServer;
let ca: Buffer;

before(async () => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'herald-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  ca = readFileSync(join(dir, 'cert.pem'));
  server = await startTestServer({ 'listen-https': '127.0.0.1:0', 'cert-file': join(dir, 'cert.pem'), 'key-file': join(dir, 'key.pem'), 'visitor-request-limit-exempt-hosts': '127.0.0.1' }, dir);
});
after(() => server.close());

function h2(path: string, method = 'GET', body?: string): Promise<{ status: number; text: string; version: string }> {
  return new Promise((resolve, reject) => {
    const session = connect(server.httpsUrl!, { ca });
    session.on('error', reject);
    const req = session.request({ ':path': path, ':method': method });
    let text = '';
    let status = 0;
    req.on('response', (headers) => (status = Number(headers[':status'])));
    req.setEncoding('utf8');
    req.on('data', (d: string) => (text += d));
    req.on('end', () => {
      session.close();
      resolve({ status, text, version: '2' });
    });
    req.end(body);
  });
}

describe('HTTPS listener', () => {
  test('speaks HTTP/2 to API clients', async () => {
    const health = await h2('/v1/health');
    assert.equal(health.status, 200);
    assert.equal(health.text, '{"healthy":true}\n');
    const topic = randomTopic();
    const published = await h2(`/${topic}`, 'POST', 'over h2');
    assert.equal(JSON.parse(published.text).message, 'over h2');
    const polled = await h2(`/${topic}/json?poll=1`);
    assert.equal(JSON.parse(polled.text).message, 'over h2');
  });

  test('serves HTTP/1.1 clients and shares the core with the plain listener', async () => {
    const topic = randomTopic();
    await fetch(`${server.url}/${topic}`, { method: 'POST', body: 'via http' });
    const text = await new Promise<string>((resolve, reject) => {
      request(`${server.httpsUrl}/${topic}/json?poll=1`, { ca }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(body));
      }).on('error', reject).end();
    });
    assert.equal(JSON.parse(text).message, 'via http');
  });

  test('streams over HTTP/2 and WebSockets over TLS receive live messages', async () => {
    const topic = randomTopic();
    const session = connect(server.httpsUrl!, { ca });
    const stream = session.request({ ':path': `/${topic}/json` });
    stream.setEncoding('utf8');
    const lines: string[] = [];
    stream.on('data', (d: string) => lines.push(...d.split('\n').filter(Boolean)));
    const ws = new WebSocket(`${server.httpsUrl!.replace('https', 'wss')}/${topic}/ws`, { ca });
    const frames: string[] = [];
    ws.on('message', (d) => frames.push(d.toString()));
    await new Promise((r) => ws.once('open', r));
    await eventually('both open events', () => lines.length >= 1 && frames.length >= 1);
    await fetch(`${server.url}/${topic}`, { method: 'POST', body: 'live over tls' });
    await eventually('the message on both', () => lines.length >= 2 && frames.length >= 2);
    assert.equal(JSON.parse(lines[1]!).message, 'live over tls');
    assert.equal(JSON.parse(frames[1]!).message, 'live over tls');
    ws.close();
    stream.close();
    session.close();
  });
});

test('a half-configured HTTPS setup stops the start with a clear message', async () => {
  await assert.rejects(startTestServer({ 'listen-https': '127.0.0.1:0' }), /listen-https, cert-file and key-file must be set together/);
});
