import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HeraldError } from '../../src/errors/index.js';
import { parseTemplate, type TemplateScope } from '../../src/core/push/payload-template.js';
import { compilePersonalization, normalizePersonalization, Personalizer, sampleRendering, translationsFor, PERSONALIZE_LIMITS } from '../../src/core/push/personalize.js';
import type { DeviceRecord, DeviceStore } from '../../src/ports/device-store.js';
import type { EncodedPush, PushContent, PushSender } from '../../src/ports/push-sender.js';
import type { ClaimedDelivery } from '../../src/ports/push-store.js';

const LIMITS = { maxChars: 4096, maxActions: 20 };
const SCOPE: TemplateScope = {
  device: { id: 'dev_A', user: 'alice', meta: { first_name: 'Ana', visits: 3, address: { city: 'Porto' }, empty: '' } },
  l10n: { greeting: 'Olá' },
};

function render(text: string, scope: TemplateScope = SCOPE): string {
  const parsed = parseTemplate(text, LIMITS);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.problem);
  return parsed.template.render(scope);
}

function problem(text: string, limits = LIMITS): string {
  const parsed = parseTemplate(text, limits);
  assert.ok(!parsed.ok, `${text} should not parse`);
  return parsed.problem;
}

describe('payload templates: rendering', () => {
  const cases: [string, string, string][] = [
    ['plain text around actions', 'Hi {{.device.user}}, id {{ .device.id }}!', 'Hi alice, id dev_A!'],
    ['meta, nested and non-string', '{{.device.meta.first_name}} {{.device.meta.address.city}} {{.device.meta.visits}}', 'Ana Porto 3'],
    ['a translation', '{{.l10n.greeting}}', 'Olá'],
    ['default with a [[literal]] takes the value when present', '{{default [[hello]] .l10n.greeting}}', 'Olá'],
    ['default with a [[literal]] when the value is missing', '{{default [[hello]] .l10n.farewell}}', 'hello'],
    ['default with a "quoted" literal and escapes', '{{default "say \\"hi\\"" .l10n.nope}}', 'say "hi"'],
    ['default with a `raw` literal', '{{default `a}}b` .l10n.nope}}', 'a}}b'],
    ['default falls back on an empty string', '{{default [[x]] .device.meta.empty}}', 'x'],
    ['default with a path as fallback', '{{default .device.user .device.meta.nickname}}', 'alice'],
    ['the piped form of default', '{{ .l10n.nope | default [[hey]] }}', 'hey'],
    ['a missing variable renders as nothing', '[{{.device.meta.nope}}][{{.l10n.nope}}][{{.device.meta.address.nope.deeper}}]', '[][][]'],
    ['a literal on its own', '{{[[just text]]}}', 'just text'],
    ['trim markers eat the whitespace beside them', 'a  {{- .device.user -}}  b', 'aaliceb'],
    ['a minus without a space is no trim marker', 'x {{default [[-]] .l10n.nope}} y', 'x - y'],
    ['no action at all', 'nothing to see', 'nothing to see'],
    ['unicode passes through', '✓ {{.l10n.greeting}} ✓', '✓ Olá ✓'],
  ];
  for (const [name, text, want] of cases) test(name, () => assert.equal(render(text), want));

  test('the same template renders each scope on its own', () => {
    const parsed = parseTemplate('{{default [[hello]] .l10n.greeting}}, {{.device.user}}', LIMITS);
    assert.ok(parsed.ok);
    assert.equal(parsed.template.render(SCOPE), 'Olá, alice');
    assert.equal(parsed.template.render({ device: { id: '', user: 'bob', meta: {} }, l10n: {} }), 'hello, bob');
    assert.equal(parsed.template.readsDevice, true);
    assert.equal(parsed.template.actions, 2);
  });

  test('a template that reads only translations says so', () => {
    const parsed = parseTemplate('{{default [[hello]] .l10n.greeting}} {{ .l10n.x | default .l10n.y }}', LIMITS);
    assert.ok(parsed.ok);
    assert.equal(parsed.template.readsDevice, false);
  });

  test('meta keys from the prototype are not variables', () => {
    assert.equal(render('[{{.device.meta.constructor}}][{{.l10n.toString}}]', { device: { id: '', user: '', meta: {} }, l10n: {} }), '[][]');
  });
});

describe('payload templates: errors', () => {
  const cases: [string, string, RegExp][] = [
    ['unclosed action', 'Hi {{.device.user', /unclosed action at character 4/],
    ['empty action', 'a {{ }} b', /empty action/],
    ['unknown root', '{{.user}}', /unknown variable \.user .*\.device\.id/],
    ['unknown device field', '{{.device.platform}}', /unknown variable \.device\.platform/],
    ['meta without a key', '{{.device.meta}}', /unknown variable \.device\.meta/],
    ['l10n without a key', '{{.l10n}}', /\.l10n\.<key>/],
    ['unknown function', '{{printf [[%s]] .device.id}}', /unknown function 'printf'/],
    ['default with one argument', '{{default [[x]]}}', /default takes 2 arguments.*got 1/],
    ['default with three arguments', '{{default [[x]] .l10n.a .l10n.b}}', /got 3/],
    ['two values', '{{.device.id .device.user}}', /unexpected \.device\.user after a value/],
    ['a value after a pipe', '{{.device.id | .device.user}}', /after '\|' comes a function/],
    ['unterminated [[', '{{default [[x .l10n.a}}', /unclosed action|unterminated \[\[/],
    ['unterminated string', '{{default "x .l10n.a}}', /unclosed action|unterminated string/],
    ['a number', '{{default 3 .l10n.a}}', /unexpected '3'/],
    ['a bad path', '{{.device..id}}', /bad field path/],
    ['Go control actions', '{{if .device.user}}x{{end}}', /unknown function 'if'/],
  ];
  for (const [name, text, want] of cases) test(name, () => assert.match(problem(text), want));

  test('bounds: template size and actions', () => {
    assert.match(problem('x'.repeat(101), { maxChars: 100, maxActions: 5 }), /at most 100 characters \(got 101\)/);
    assert.match(problem('{{.device.id}}'.repeat(6), { maxChars: 1000, maxActions: 5 }), /at most 5 actions/);
    assert.ok(parseTemplate('{{.device.id}}'.repeat(5), { maxChars: 1000, maxActions: 5 }).ok);
  });
});

describe('localizations', () => {
  const l10n = normalizePersonalization({ useMeta: false, localizations: { PT: { greeting: 'Olá' }, 'pt_BR': { greeting: 'Oi' }, fr: { greeting: 'Bonjour' } } }).localizations;

  test('the full tag first, then the language; none for no locale or no translation', () => {
    assert.deepEqual(Object.keys(l10n).sort(), ['fr', 'pt', 'pt-br']);
    assert.equal(translationsFor(l10n, 'pt-BR').greeting, 'Oi');
    assert.equal(translationsFor(l10n, 'pt_br').greeting, 'Oi');
    assert.equal(translationsFor(l10n, 'pt-PT').greeting, 'Olá');
    assert.equal(translationsFor(l10n, 'pt').greeting, 'Olá');
    assert.equal(translationsFor(l10n, 'fr-CA').greeting, 'Bonjour');
    assert.deepEqual(translationsFor(l10n, 'de-DE'), {});
    assert.deepEqual(translationsFor(l10n, null), {});
    assert.deepEqual(translationsFor(l10n, '__proto__'), {});
  });
});

// A sender whose encoding is its content as JSON: what each device would receive, and how often it encoded.
function jsonSender(maxBytes = 4096): PushSender & { encodes: number; sent: { body: string; tokens: string[] }[] } {
  const sender = {
    provider: 'fcm' as const, app: 'default', encodes: 0, sent: [] as { body: string; tokens: string[] }[],
    encode(content: PushContent): EncodedPush {
      sender.encodes += 1;
      const body = JSON.stringify(content.overrides);
      if (Buffer.byteLength(body) > maxBytes) throw new HeraldError('pushPayloadTooLarge', { detail: `fcm: ${Buffer.byteLength(body)} bytes` });
      return { provider: 'fcm', bytes: body.length, body } as EncodedPush;
    },
    async send(push: EncodedPush, targets: readonly { token: string }[]) {
      sender.sent.push({ body: (push as unknown as { body: string }).body, tokens: targets.map((t) => t.token) });
      return targets.map(() => ({ kind: 'ok' as const }));
    },
    async close() {},
  };
  return sender;
}

function device(id: string, over: Partial<DeviceRecord> = {}): DeviceRecord {
  return {
    id, app: 'default', provider: 'fcm', platform: 'android', token: `tok-${id}`, keys: null, user: null, topics: [], locale: null, timezone: null,
    meta: {}, state: 'active', invalidReason: null, createdAt: 0, updatedAt: 0, lastSeenAt: 0, ...over,
  };
}

function claimed(d: { id: string | null; token: string }): ClaimedDelivery {
  return { target: d.id ?? `t:${d.token}`, deviceId: d.id, provider: 'fcm', app: 'default', token: d.token, p256dh: null, auth: null, attempts: 1 };
}

function push(title: string, settings: PushContent['personalize']): PushContent {
  return { id: 'p1', notification: {}, overrides: { fcm: { message: { notification: { title }, data: { kind: 'order', n: '{{default [[x]] .l10n.n}}' } } } }, priority: 'normal', ...(settings ? { personalize: settings } : {}) };
}

describe('personalizing a chunk', () => {
  const localizations = normalizePersonalization({ useMeta: false, localizations: { pt: { greeting: 'Olá' }, fr: { greeting: 'Bonjour' } } }).localizations;

  test('identical renderings share one encoding, sent as one group; outcomes come back in order', async () => {
    const devices = [device('d1', { locale: 'pt-BR' }), device('d2', { locale: 'fr' }), device('d3', { locale: 'pt' }), device('d4', { locale: 'de' }), device('d5')];
    const content = push('{{default [[hello]] .l10n.greeting}}', { useMeta: false, localizations });
    const sender = jsonSender();
    const chunk = [...devices.map((d) => claimed({ id: d.id, token: d.token })), claimed({ id: null, token: 'raw' })];
    const personalizer = new Personalizer();
    const prepared = personalizer.prepare(content, sender, chunk, new Map(devices.map((d) => [d.id, d])));
    assert.equal(prepared.encodings, 3, 'pt, fr and the default');
    const outcomes = await prepared.send(sender, chunk.map((c) => ({ token: c.token, keys: null })));
    assert.equal(outcomes.length, 6);
    assert.ok(outcomes.every((o) => o.kind === 'ok'));
    const titleOf = (token: string) => JSON.parse(sender.sent.find((s) => s.tokens.includes(token))!.body).fcm.message.notification.title;
    assert.deepEqual(chunk.map((c) => titleOf(c.token)), ['Olá', 'Bonjour', 'Olá', 'hello', 'hello', 'hello']);
    assert.equal(JSON.parse(sender.sent[0]!.body).fcm.message.data.kind, 'order', 'strings that are not templates stay as they are');
    assert.equal(content.overrides.fcm!.message!.notification && (content.overrides.fcm!.message!.notification as { title: string }).title, '{{default [[hello]] .l10n.greeting}}', 'the stored content is not changed');

    // The next chunk of the same push reuses the encodings.
    personalizer.prepare(content, sender, chunk, new Map(devices.map((d) => [d.id, d])));
    assert.equal(sender.encodes, 3);
  });

  test('per-device variables; meta only with useMeta; a removed device keeps its id', async () => {
    const devices = [device('d1', { user: 'ana', meta: { first_name: 'Ana' } }), device('d2', { user: 'bo', meta: { first_name: 'Bo' } })];
    const title = '{{.device.id}}/{{.device.user}}/{{.device.meta.first_name}}';
    const chunk = [claimed({ id: 'd1', token: 'a' }), claimed({ id: 'd2', token: 'b' }), claimed({ id: 'gone', token: 'c' }), claimed({ id: null, token: 'raw' })];
    const titles = async (useMeta: boolean) => {
      const sender = jsonSender();
      const prepared = new Personalizer().prepare(push(title, { useMeta, localizations: {} }), sender, chunk, new Map(devices.map((d) => [d.id, d])));
      await prepared.send(sender, chunk.map((c) => ({ token: c.token, keys: null })));
      return chunk.map((c) => JSON.parse(sender.sent.find((s) => s.tokens.includes(c.token))!.body).fcm.message.notification.title);
    };
    assert.deepEqual(await titles(true), ['d1/ana/Ana', 'd2/bo/Bo', 'gone//', '//']);
    assert.deepEqual(await titles(false), ['d1/ana/', 'd2/bo/', 'gone//', '//']);
  });

  test('a device whose rendering cannot be encoded fails alone, with a clear error', async () => {
    const big = 'x'.repeat(3000);
    const devices = [device('d1', { meta: { bio: big } }), device('d2', { meta: { bio: 'short' } })];
    const sender = jsonSender(2000);
    const chunk = devices.map((d) => claimed({ id: d.id, token: d.token }));
    const prepared = new Personalizer().prepare(push('{{.device.meta.bio}}', { useMeta: true, localizations: {} }), sender, chunk, new Map(devices.map((d) => [d.id, d])));
    const outcomes = await prepared.send(sender, chunk.map((c) => ({ token: c.token, keys: null })));
    assert.equal(outcomes[0]!.kind, 'rejected');
    assert.match((outcomes[0] as { reason: string }).reason, /rendered for this device cannot be sent: .*too large/);
    assert.equal(outcomes[1]!.kind, 'ok');
    assert.deepEqual(sender.sent.map((s) => s.tokens), [['tok-d2']]);
  });

  test('renderings that would join to the same text stay apart', async () => {
    const devices = [device('d1', { meta: { a: 'x\u0000y', b: 'z' } }), device('d2', { meta: { a: 'x', b: 'y\u0000z' } }), device('d3', { meta: { a: '1:x', b: '' } })];
    const content: PushContent = { id: 'p', notification: { title: '{{.device.meta.a}}', body: '{{.device.meta.b}}' }, overrides: {}, priority: 'normal', personalize: { useMeta: true, localizations: {} } };
    const sender = jsonSender();
    sender.encode = (c: PushContent) => ({ provider: 'fcm', bytes: 1, body: JSON.stringify(c.notification) }) as EncodedPush;
    const chunk = devices.map((d) => claimed({ id: d.id, token: d.token }));
    const prepared = new Personalizer().prepare(content, sender, chunk, new Map(devices.map((d) => [d.id, d])));
    assert.equal(prepared.encodings, 3);
    await prepared.send(sender, chunk.map((c) => ({ token: c.token, keys: null })));
    assert.deepEqual(devices.map((d) => JSON.parse(sender.sent.find((s) => s.tokens.includes(d.token))!.body)), devices.map((d) => ({ title: d.meta.a, body: d.meta.b })));
  });

  test('a rendering over the size bound fails without being encoded', async () => {
    const huge = 'y'.repeat(PERSONALIZE_LIMITS.maxRenderedChars + 1);
    const d = device('d1', { meta: { bio: huge } });
    const sender = jsonSender(10 * PERSONALIZE_LIMITS.maxRenderedChars);
    const prepared = new Personalizer().prepare(push('{{.device.meta.bio}}', { useMeta: true, localizations: {} }), sender, [claimed({ id: 'd1', token: 't' })], new Map([['d1', d]]));
    const outcomes = await prepared.send(sender, [{ token: 't', keys: null }]);
    assert.match((outcomes[0] as { reason: string }).reason, /over \d+ characters/);
    assert.equal(sender.encodes, 0);
  });
});

describe('reading the devices of a chunk', () => {
  const chunk = [claimed({ id: 'd1', token: 'a' }), claimed({ id: 'd1', token: 'a' }), claimed({ id: null, token: 'raw' })];
  function store() {
    const calls: unknown[] = [];
    return { calls, store: { list: async (query: unknown) => { calls.push(query); return { devices: [device('d1')] }; } } as unknown as DeviceStore };
  }

  test('one list call with the chunk device ids, only when the templates need the device or its locale', async () => {
    const personalizer = new Personalizer();
    const s = store();
    const byDevice = await personalizer.devicesFor(push('{{.device.user}}', { useMeta: false, localizations: {} }), s.store, chunk);
    assert.deepEqual([...byDevice!.keys()], ['d1']);
    assert.deepEqual(s.calls, [{ ids: ['d1'], limit: 1 }]);
    await personalizer.devicesFor(push('{{.l10n.greeting}}', { useMeta: false, localizations: { pt: { greeting: 'Olá' } } }), s.store, chunk);
    assert.equal(s.calls.length, 2, 'translations need the locale');
    assert.deepEqual(await personalizer.devicesFor(push('{{default [[x]] .l10n.greeting}}', { useMeta: false, localizations: {} }), s.store, chunk), new Map());
    assert.equal(await personalizer.devicesFor(push('{{.device.user}}', undefined), s.store, chunk), undefined, 'not templated');
    assert.equal(s.calls.length, 2);
  });
});

describe('compiling a push', () => {
  const settings = { useMeta: true, localizations: {} };

  test('a bad template is refused naming its field, with the face prefix', () => {
    const content: PushContent = { id: 'p', notification: {}, priority: 'normal', overrides: { apns: { payload: { aps: { alert: { title: 'ok {{.device.id}}', body: 'bad {{.device.nope}}' } } } } } };
    assert.throws(() => compilePersonalization(content, settings), (err) => err instanceof HeraldError && err.errorName === 'pushInvalid' && /: apns\.payload\.aps\.alert\.body: unknown variable \.device\.nope/.test(err.message));
    assert.throws(() => compilePersonalization(content, settings, 'notification.'), /notification\.apns\.payload\.aps\.alert\.body: /);
    const arrays: PushContent = { id: 'p', notification: { title: '{{' }, priority: 'normal', overrides: { fcm: { message: { data: { list: ['a', '{{.x}}'] } } } } };
    assert.throws(() => compilePersonalization(arrays, settings), /notification\.title: unclosed action/);
    assert.throws(() => compilePersonalization({ ...arrays, notification: {} }, settings), /fcm\.message\.data\.list\[1\]: unknown variable \.x/);
  });

  test('the actions of a whole push are bounded', () => {
    const many = '{{.device.id}}'.repeat(PERSONALIZE_LIMITS.maxActions / 2);
    const content: PushContent = { id: 'p', notification: { title: many, body: many }, priority: 'normal', overrides: {} };
    assert.equal(compilePersonalization(content, settings).leaves.length, 2);
    assert.throws(() => compilePersonalization({ ...content, overrides: { fcm: { message: { data: { x: '{{.device.id}}' } } } } }, settings), /fcm\.message\.data\.x: a push holds at most \d+ template actions/);
  });

  test('the sample rendering is what a device without locale or meta gets', () => {
    const content: PushContent = { id: 'p', notification: { title: '{{default [[hello]] .l10n.greeting}} {{.device.user}}' }, priority: 'normal', overrides: { webpush: { payload: { title: '{{default [[x]] .l10n.t}}', n: 3 } } } };
    const sample = sampleRendering(content, compilePersonalization(content, settings));
    assert.deepEqual([sample.notification.title, sample.overrides.webpush!.payload], ['hello ', { title: 'x', n: 3 }]);
  });
});
