import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseActions } from '../../src/core/publish/actions.js';
import type { MessageAction } from '../../src/core/messages/message.js';
import { HeraldError } from '../../src/errors/herald-error.js';

/** Drops the random IDs after checking their shape, so the rest can be compared exactly. */
function withoutIds(actions: MessageAction[]): Array<Omit<MessageAction, 'id'>> {
  return actions.map(({ id, ...rest }) => {
    assert.match(id, /^[A-Za-z0-9]{10}$/);
    return rest;
  });
}

const valid: Array<[string, string, Array<Omit<MessageAction, 'id'>>]> = [
  ['view, positional url', 'view, Open portal, https://home.nest.com/',
    [{ action: 'view', label: 'Open portal', url: 'https://home.nest.com/', clear: false }]],
  ['view with clear=true', 'view, Open portal, https://home.nest.com/, clear=true',
    [{ action: 'view', label: 'Open portal', url: 'https://home.nest.com/', clear: true }]],
  ['action name is case-insensitive', 'VIEW, Open, https://x.test',
    [{ action: 'view', label: 'Open', url: 'https://x.test', clear: false }]],
  ['explicit keys', 'action=view, label=Open, url=https://x.test, clear=yes',
    [{ action: 'view', label: 'Open', url: 'https://x.test', clear: true }]],
  ['explicit keys in any order', 'url=https://x.test, label=Open, action=http',
    [{ action: 'http', label: 'Open', url: 'https://x.test', clear: false }]],
  ['url with a query string needs no quotes', 'view, Open, https://x.test/?a=b&c=d',
    [{ action: 'view', label: 'Open', url: 'https://x.test/?a=b&c=d', clear: false }]],
  ['http with method, headers and quoted body', `http, Turn down, https://api.nest.com/, method=put, headers.Authorization=Bearer abc, body='{"temp": 65, "mode": "eco"}'`,
    [{ action: 'http', label: 'Turn down', url: 'https://api.nest.com/', method: 'PUT', headers: { Authorization: 'Bearer abc' }, body: '{"temp": 65, "mode": "eco"}', clear: false }]],
  ['broadcast with extras and intent', 'broadcast, Take picture, extras.cmd=pic, extras.camera=front, intent=io.heckel.ntfy.USER_ACTION',
    [{ action: 'broadcast', label: 'Take picture', extras: { cmd: 'pic', camera: 'front' }, intent: 'io.heckel.ntfy.USER_ACTION', clear: false }]],
  ['broadcast with no extras', 'broadcast, Ping',
    [{ action: 'broadcast', label: 'Ping', clear: false }]],
  ['double-quoted label containing a comma and semicolon', 'view, "Open, then; close", https://x.test',
    [{ action: 'view', label: 'Open, then; close', url: 'https://x.test', clear: false }]],
  ['apostrophe inside an unquoted value is literal', "view, Don't panic, https://x.test",
    [{ action: 'view', label: "Don't panic", url: 'https://x.test', clear: false }]],
  ['several actions separated by semicolons', 'view, A, https://a.test; http, B, https://b.test, method=GET; broadcast, C',
    [
      { action: 'view', label: 'A', url: 'https://a.test', clear: false },
      { action: 'http', label: 'B', url: 'https://b.test', method: 'GET', clear: false },
      { action: 'broadcast', label: 'C', clear: false },
    ]],
  ['trailing separators are forgiven', 'view, A, https://a.test, ;',
    [{ action: 'view', label: 'A', url: 'https://a.test', clear: false }]],
  ['empty value', '   ', []],
  ['JSON array', '[{"action":"http","label":"Close door","url":"https://api.test/door","method":"post","headers":{"X-Auth":"1"},"body":"close","clear":true}]',
    [{ action: 'http', label: 'Close door', url: 'https://api.test/door', method: 'POST', headers: { 'X-Auth': '1' }, body: 'close', clear: true }]],
  ['JSON ignores a publisher-supplied id and unknown keys', '  [{"id":"mine","action":"View","label":"L","url":"https://x.test","colour":"red"}]',
    [{ action: 'view', label: 'L', url: 'https://x.test', clear: false }]],
  ['JSON broadcast', '[{"action":"broadcast","label":"B","extras":{"a":"b"},"intent":"x.y"}]',
    [{ action: 'broadcast', label: 'B', extras: { a: 'b' }, intent: 'x.y', clear: false }]],
  ['empty JSON array', '[]', []],
];

for (const [name, input, expected] of valid) {
  test(`parseActions: ${name}`, () => {
    assert.deepEqual(withoutIds(parseActions(input)), expected);
  });
}

const invalid: Array<[string, string, RegExp]> = [
  ['too many actions', 'view, 1, https://x; view, 2, https://x; view, 3, https://x; view, 4, https://x', /too many actions/],
  ['too many JSON actions', JSON.stringify(Array(4).fill({ action: 'view', label: 'l', url: 'https://x' })), /too many actions/],
  ['unknown action', 'dance, Go, https://x', /action 'dance' unknown/],
  ['missing label', 'view', /'label' is required/],
  ['blank label', 'view, , https://x', /'label' is required/],
  ['view without url', 'view, Open', /'url' is required/],
  ['http without url', 'http, Go, method=POST', /'url' is required/],
  ['broadcast takes no positional url', 'broadcast, Go, https://x', /term 'https:\/\/x' unknown/],
  ['unknown positional term', 'view, Open, https://x, whatever', /term 'whatever' unknown/],
  ['bad clear value', 'view, Open, https://x, clear=maybe', /not a boolean/],
  ['unterminated quote', 'view, "Open, https://x', /unterminated/],
  ['text after closing quote', 'view, "Open" now, https://x', /unexpected text/],
  ['invalid JSON', '[{"action":', /not valid JSON/],
  ['JSON element not an object', '["view"]', /must be a JSON object/],
  ['JSON label not a string', '[{"action":"view","label":5,"url":"https://x"}]', /'label' must be a string/],
  ['JSON clear not a boolean', '[{"action":"view","label":"l","url":"https://x","clear":"true"}]', /'clear' must be a boolean/],
  ['JSON headers not strings', '[{"action":"http","label":"l","url":"https://x","headers":{"a":1}}]', /'headers' must be an object of strings/],
  ['JSON extras not an object', '[{"action":"broadcast","label":"l","extras":["a"]}]', /'extras' must be an object of strings/],
  ['JSON missing action', '[{"label":"l"}]', /'action' is required/],
];

for (const [name, input, detail] of invalid) {
  test(`parseActions rejects: ${name}`, () => {
    assert.throws(
      () => parseActions(input),
      (err: unknown) => {
        assert.ok(err instanceof HeraldError);
        assert.equal(err.errorName, 'actionsInvalid');
        assert.equal(err.code, 40018);
        assert.match(err.message, detail);
        return true;
      },
    );
  });
}

test('parseActions gives every action a different id', () => {
  const actions = parseActions('view, A, https://a; view, B, https://b; view, C, https://c');
  assert.equal(new Set(actions.map((a) => a.id)).size, 3);
});

test('parseActions: copy actions (ntfy 2.17) take a value, by position or by name, in either form', () => {
  const strip = (actions: MessageAction[]) => actions.map(({ id: _id, ...rest }) => rest);
  const expected = [{ action: 'copy', label: 'Copy code', clear: false, value: '123456' }];
  assert.deepEqual(strip(parseActions('copy, Copy code, 123456')), expected);
  assert.deepEqual(strip(parseActions('action=copy, label=Copy code, value=123456')), expected);
  assert.deepEqual(strip(parseActions('[{"action":"copy","label":"Copy code","value":"123456"}]')), expected);
  assert.throws(() => parseActions('copy, Copy code'), /parameter 'value' is required for action 'copy'/);
});
