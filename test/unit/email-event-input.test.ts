import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_EMAIL_EVENTS, readEmailEvents, recordEmailEvents } from '../../src/core/notify/email-event-input.js';
import type { EmailEvent } from '../../src/core/notify/notify-types.js';
import { HeraldError } from '../../src/errors/index.js';

function refusal(body: unknown): string {
  try {
    readEmailEvents(body);
  } catch (err) {
    assert.ok(err instanceof HeraldError && err.code === 40000, String(err));
    return err.message.replace(/^invalid request: /, '');
  }
  assert.fail(`expected a 400 for ${JSON.stringify(body)}`);
}

test('an event is normalised: lower-cased address, hard unless a bounce says permanent: false, a reason always', () => {
  const rows: [Record<string, unknown>, EmailEvent][] = [
    [{ address: 'Ann@Example.COM', type: 'bounce' }, { address: 'ann@example.com', kind: 'bounce', permanent: true, reason: 'hard bounce' }],
    [{ address: 'a@example.com', type: 'bounce', permanent: true }, { address: 'a@example.com', kind: 'bounce', permanent: true, reason: 'hard bounce' }],
    [{ address: 'a@example.com', type: 'bounce', permanent: false }, { address: 'a@example.com', kind: 'bounce', permanent: false, reason: 'soft bounce' }],
    [{ address: 'a@example.com', type: 'complaint' }, { address: 'a@example.com', kind: 'complaint', permanent: true, reason: 'complaint' }],
    [{ address: 'a@example.com', type: 'bounce', reason: '' }, { address: 'a@example.com', kind: 'bounce', permanent: true, reason: 'hard bounce' }],
    [{ address: 'a@example.com', type: 'bounce', reason: '550 5.1.1 no such user', message_id: '<x1@mail.example>' },
      { address: 'a@example.com', kind: 'bounce', permanent: true, reason: '550 5.1.1 no such user', messageId: '<x1@mail.example>' }],
    [{ address: 'a@example.com', type: 'complaint', message_id: 'bare-id' }, { address: 'a@example.com', kind: 'complaint', permanent: true, reason: 'complaint', messageId: 'bare-id' }],
  ];
  for (const [input, expected] of rows) assert.deepEqual(readEmailEvents(input), [expected], JSON.stringify(input));
});

test('a batch is {"events": [...]} of 1 to 1000 events, read in order', () => {
  const events = [{ address: 'a@example.com', type: 'bounce' }, { address: 'b@example.com', type: 'complaint' }];
  assert.deepEqual(readEmailEvents({ events }).map((e) => e.address), ['a@example.com', 'b@example.com']);
  const full = Array.from({ length: MAX_EMAIL_EVENTS }, (_, i) => ({ address: `u${i}@example.com`, type: 'bounce' }));
  assert.equal(readEmailEvents({ events: full }).length, MAX_EMAIL_EVENTS);
  assert.equal(refusal({ events: [...full, events[0]] }), `events: must have 1 to ${MAX_EMAIL_EVENTS} events (got ${MAX_EMAIL_EVENTS + 1})`);
});

test('every refusal names its field, inside a batch with its index', () => {
  const ok = { address: 'a@example.com', type: 'bounce' };
  const rows: [unknown, string][] = [
    [null, 'body: expected an event {"address", "type"} or {"events": [...]}'],
    [[ok], 'body: expected an event {"address", "type"} or {"events": [...]}'],
    ['a@example.com', 'body: expected an event {"address", "type"} or {"events": [...]}'],
    [{ events: [ok], address: 'a@example.com' }, 'address: not allowed next to events'],
    [{ events: ok }, 'events: must be a list of events'],
    [{ events: [] }, 'events: must have 1 to 1000 events (got 0)'],
    [{ events: [ok, 'x'] }, 'events[1]: must be an object {"address", "type", "permanent"?, "reason"?, "message_id"?}'],
    [{ ...ok, status: 'bounced' }, 'status: unknown field (known: address, type, permanent, reason, message_id)'],
    [{ events: [ok, { ...ok, messageId: 'x' }] }, 'events[1].messageId: unknown field (known: address, type, permanent, reason, message_id)'],
    [{ type: 'bounce' }, 'address: must be an e-mail address'],
    [{ ...ok, address: 'not-an-address' }, 'address: must be an e-mail address'],
    [{ ...ok, address: `${'a'.repeat(64)}@${'b'.repeat(186)}.com` }, 'address: must be an e-mail address'],
    [{ ...ok, type: 'delivered' }, 'type: must be "bounce" or "complaint"'],
    [{ events: [{ ...ok, type: 'Bounce' }] }, 'events[0].type: must be "bounce" or "complaint"'],
    [{ ...ok, type: 'complaint', permanent: true }, 'permanent: only for bounces (a complaint is always recorded)'],
    [{ ...ok, permanent: 'yes' }, 'permanent: must be true or false'],
    [{ ...ok, reason: 5 }, 'reason: must be a string of at most 500 characters'],
    [{ ...ok, reason: 'r'.repeat(501) }, 'reason: must be a string of at most 500 characters'],
    [{ ...ok, message_id: '' }, 'message_id: must be a Message-ID (<id@host> or bare, no spaces)'],
    [{ ...ok, message_id: '<a b@host>' }, 'message_id: must be a Message-ID (<id@host> or bare, no spaces)'],
    [{ ...ok, message_id: `<${'m'.repeat(997)}>` }, 'message_id: must be a Message-ID (<id@host> or bare, no spaces)'],
  ];
  for (const [body, message] of rows) assert.equal(refusal(body), message, JSON.stringify(body).slice(0, 80));
  // The limits themselves pass.
  assert.equal(readEmailEvents({ ...ok, reason: 'r'.repeat(500), message_id: `<${'m'.repeat(996)}>` }).length, 1);
  assert.equal(readEmailEvents({ ...ok, address: `${'a'.repeat(64)}@${'b'.repeat(185)}.com` }).length, 1);
});

test('recording checks the whole batch first: one bad event records none', async () => {
  const recorded: EmailEvent[] = [];
  const notify = { emailEvent: async (e: EmailEvent) => (recorded.push(e), true) };
  const good = { address: 'a@example.com', type: 'bounce' };
  await assert.rejects(recordEmailEvents(notify, { events: [good, good, { ...good, type: 'spam' }] }), HeraldError);
  assert.equal(recorded.length, 0);
  assert.equal(await recordEmailEvents(notify, { events: [good, { ...good, type: 'complaint' }] }), 2);
  assert.deepEqual(recorded.map((e) => e.kind), ['bounce', 'complaint']);
});
