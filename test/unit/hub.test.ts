import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Envelope, encodeFrame } from '../../src/core/hub/envelope.js';
import { Hub, type LiveSubscriber } from '../../src/core/hub/hub.js';
import type { Message } from '../../src/core/messages/message.js';
import { messageToJson } from '../../src/core/messages/message.js';
import { passesFilters } from '../../src/core/subscriptions/filters.js';

const msg = (over: Partial<Message> = {}): Message => ({ id: 'abcdefghijkl', time: 1700000000, event: 'message', topic: 't', message: 'hi', ...over });

test('wire JSON keeps ntfy field order and leaves out empty and private fields', () => {
  const m = msg({ expires: 1700043200, title: '', priority: 4, tags: [], sender: 'ip:1.2.3.4', user: 'u1', attachment: { name: 'a.png', url: 'https://x/a.png' }, content_type: 'text/markdown' });
  assert.equal(messageToJson(m), '{"id":"abcdefghijkl","time":1700000000,"expires":1700043200,"event":"message","topic":"t","message":"hi","priority":4,"attachment":{"name":"a.png","url":"https://x/a.png"},"content_type":"text/markdown"}');
  const actions = messageToJson(msg({ actions: [{ id: 'a1', action: 'http', label: 'L', clear: false, url: 'https://u', method: 'POST', headers: {} }] }));
  assert.match(actions, /"actions":\[\{"id":"a1","action":"http","label":"L","clear":false,"url":"https:\/\/u","method":"POST"\}\]/);
});

test('frames per format', () => {
  const m = msg({ message: 'a\nb' });
  const json = messageToJson(m);
  assert.equal(encodeFrame('json', m), `${json}\n`);
  assert.equal(encodeFrame('ws', m), `${json}\n`);
  assert.equal(encodeFrame('sse', m), `data: ${json}\n\n`);
  assert.equal(encodeFrame('raw', m), 'a b\n');
  const open: Message = { id: 'x', time: 1, event: 'open', topic: 'a,b' };
  assert.equal(encodeFrame('sse', open), `event: open\ndata: ${messageToJson(open)}\n\n`);
  assert.equal(encodeFrame('raw', open), '\n');
});

test('an envelope builds each frame once', () => {
  const e = new Envelope(msg());
  assert.equal(e.frame('sse'), e.frame('sse'));
  assert.equal(e.json, messageToJson(msg()));
});

test('hub delivers to subscribers of the topic that accept it, once each', () => {
  const hub = new Hub();
  const got: string[] = [];
  const sub = (name: string, topics: string[], accepts = true): LiveSubscriber => ({
    topics, accepts: () => accepts, deliver: (e) => got.push(`${name}:${e.message.topic}`), close() {},
  });
  const a = sub('a', ['t', 'u']);
  hub.add(a);
  hub.add(sub('b', ['t']));
  hub.add(sub('c', ['t'], false));
  hub.add(sub('d', ['other']));
  assert.equal(hub.publish(msg()), 2);
  assert.deepEqual(got.sort(), ['a:t', 'b:t']);
  assert.equal(hub.subscriberCount(), 4);
  hub.remove(a);
  hub.remove(a);
  assert.equal(hub.subscriberCount(), 3);
  assert.equal(hub.subscriberCount('u'), 0);
});

test('filters: exact id/message/title, priority OR with unset as 3, tags AND, control events pass', () => {
  const m = msg({ title: 'T', priority: 5, tags: ['x', 'y'] });
  assert.ok(passesFilters(m, { id: 'abcdefghijkl', message: 'hi', title: 'T' }));
  assert.ok(!passesFilters(m, { title: 't' }));
  assert.ok(passesFilters(m, { priorities: [1, 5] }));
  assert.ok(!passesFilters(m, { priorities: [3] }));
  assert.ok(passesFilters(msg(), { priorities: [3] }));
  assert.ok(passesFilters(m, { tags: ['y', 'x'] }));
  assert.ok(!passesFilters(m, { tags: ['x', 'z'] }));
  assert.ok(passesFilters({ id: 'o', time: 1, event: 'open', topic: 't' }, { tags: ['z'] }));
});

test('a subscriber whose delivery throws is closed and the others still get the message', () => {
  const hub = new Hub();
  let closed = false;
  const got: string[] = [];
  hub.add({ topics: ['t'], accepts: () => true, deliver: () => { throw new Error('socket gone'); }, close: () => { closed = true; } });
  hub.add({ topics: ['t'], accepts: () => true, deliver: (e) => void got.push(e.message.id), close() {} });
  assert.equal(hub.publish(msg()), 1);
  assert.deepEqual(got, ['abcdefghijkl']);
  assert.ok(closed);
  assert.equal(hub.subscriberCount('t'), 1);
});
