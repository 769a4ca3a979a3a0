import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { clientIp, type ClientIpSettings } from '../../src/http/plugins/client-ip.js';
import { inAddressList } from '../../src/http/plugins/address-list.js';

const req = (remote: string | undefined, forwarded?: string) =>
  ({ socket: { remoteAddress: remote }, headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } }) as unknown as IncomingMessage;
const settings = (over: Partial<ClientIpSettings> = {}): ClientIpSettings => ({ behindProxy: true, forwardedHeader: 'X-Forwarded-For', trustedProxies: [], ...over });

test('without behind-proxy the socket address is the client', () => {
  assert.equal(clientIp(req('9.9.9.9', '1.2.3.4'), settings({ behindProxy: false })), '9.9.9.9');
});

test('behind a proxy the rightmost forwarded entry counts (the left part is client-written)', () => {
  assert.equal(clientIp(req('10.0.0.1', 'forged, 1.2.3.4'), settings()), '1.2.3.4');
  assert.equal(clientIp(req('10.0.0.1'), settings()), '10.0.0.1');
});

test('trusted proxies are skipped from the right, and only they may set the header', () => {
  const s = settings({ trustedProxies: ['10.0.0.0/8', '192.168.1.5'] });
  assert.equal(clientIp(req('10.0.0.1', '1.2.3.4, 192.168.1.5, 10.2.3.4'), s), '1.2.3.4');
  assert.equal(clientIp(req('8.8.8.8', '1.2.3.4'), s), '8.8.8.8', 'a direct client cannot pose as a proxy');
  assert.equal(clientIp(req('10.0.0.1', '10.9.9.9'), s), '10.9.9.9', 'all trusted: the leftmost entry');
});

test('a request through the Unix socket (no peer address) counts as from a trusted proxy', () => {
  const s = settings({ trustedProxies: ['10.0.0.0/8'] });
  assert.equal(clientIp(req(undefined, '1.2.3.4'), s), '1.2.3.4');
  assert.equal(clientIp(req(undefined, '1.2.3.4'), settings({ behindProxy: false })), '0.0.0.0', 'not behind a proxy: one unnamed visitor, as in ntfy');
});

test('address lists take IPs, CIDRs and localhost', () => {
  assert.ok(inAddressList('::ffff:127.0.0.1', ['localhost']));
  assert.ok(inAddressList('::1', ['localhost']));
  assert.ok(inAddressList('10.1.2.3', ['10.0.0.0/8']));
  assert.ok(!inAddressList('11.1.2.3', ['10.0.0.0/8']));
  assert.ok(inAddressList('2001:db8::5', ['2001:db8::/32']));
  assert.ok(!inAddressList('1.2.3.4', ['not-an-ip', '']));
});
