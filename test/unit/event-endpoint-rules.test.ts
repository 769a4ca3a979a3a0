import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkEndpointUrl, EVENT_TYPES, parseEventTypes } from '../../src/core/events/index.js';
import { notifyChannelEvent, pushDeliveryEvent } from '../../src/core/events/event-types.js';
import { isHeraldError } from '../../src/errors/index.js';

const strict: { allowHttp: boolean; allowedHosts: string[] } = { allowHttp: false, allowedHosts: [] };

function refused(run: () => unknown, detail: RegExp): void {
  assert.throws(run, (err: unknown) => isHeraldError(err) && err.http === 400 && detail.test(err.message));
}

describe('checkEndpointUrl', () => {
  const table: [url: string, rules: typeof strict, verdict: RegExp | 'ok', note: string][] = [
    ['https://hooks.example.com/herald', strict, 'ok', 'a public https URL'],
    ['https://93.184.216.34/x', strict, 'ok', 'a public address literal'],
    ['http://hooks.example.com/', strict, /https:/, 'http only when outbound-allow-http is on'],
    ['http://hooks.example.com/', { allowHttp: true, allowedHosts: [] }, 'ok', 'http when allowed'],
    ['ftp://hooks.example.com/', { allowHttp: true, allowedHosts: [] }, /http: or https:/, 'no other scheme'],
    ['hooks.example.com/x', strict, /valid absolute URL/, 'not absolute'],
    ['https://10.0.0.1/', strict, /private or reserved/, 'RFC 1918'],
    ['https://10.1/', strict, /private or reserved/, 'a short form WHATWG expands to 10.0.0.1'],
    ['https://169.254.169.254/latest/meta-data', strict, /private or reserved/, 'cloud metadata'],
    ['https://[::1]/', strict, /private or reserved/, 'IPv6 loopback'],
    ['https://[::ffff:127.0.0.1]/', strict, /private or reserved/, 'IPv4-mapped loopback'],
    ['https://localhost:8443/', strict, /local host/, 'localhost by name'],
    ['https://api.localhost/', strict, /local host/, 'a .localhost name'],
    ['https://127.0.0.1:9000/', { allowHttp: false, allowedHosts: ['127.0.0.1'] }, 'ok', 'an allowed private address'],
    ['https://10.2.3.4/', { allowHttp: false, allowedHosts: ['10.0.0.0/8'] }, 'ok', 'inside an allowed CIDR'],
    ['https://user:secret@hooks.example.com/', strict, /credentials/, 'no credentials in the URL'],
  ];
  for (const [url, rules, verdict, note] of table) {
    it(`${note}: ${url}`, () => {
      if (verdict === 'ok') assert.equal(typeof checkEndpointUrl(url, rules), 'string');
      else refused(() => checkEndpointUrl(url, rules), verdict);
    });
  }
});

describe('parseEventTypes', () => {
  it('accepts known types, drops duplicates, keeps order', () => {
    assert.deepEqual(parseEventTypes(['device.invalidated', 'push.delivery.sent', 'device.invalidated']), ['device.invalidated', 'push.delivery.sent']);
    assert.deepEqual(parseEventTypes(['*']), ['*']);
  });
  it('refuses unknown types, an empty list, and * beside other types', () => {
    refused(() => parseEventTypes(['push.delivery.retrying']), /unknown event type 'push.delivery.retrying'/);
    refused(() => parseEventTypes([]), /at least one/);
    refused(() => parseEventTypes(['*', 'device.invalidated']), /alone/);
  });
  it('names an event for every final push state and notify channel state offered, and none for steps', () => {
    for (const state of ['sent', 'failed', 'invalid_token', 'dead', 'expired', 'delivered', 'interacted']) assert.ok(EVENT_TYPES.includes(pushDeliveryEvent(state)!), state);
    for (const state of ['retrying', 'queued', 'sending', 'cancelled']) assert.equal(pushDeliveryEvent(state), undefined, state);
    assert.equal(notifyChannelEvent('sent'), 'notify.channel.sent');
    assert.equal(notifyChannelEvent('retrying'), undefined);
  });
});
