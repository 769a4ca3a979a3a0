import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startPushRig, type PushRig } from '../helpers/push-rig.js';

/**
 * The notify face's directory and send routes moved onto TypeBox schemas; what callers relied on
 * before the move holds: the same codes for the same mistakes, bodies read as JSON whatever their
 * type, and the domain still naming the bad field of a template or preference document.
 */
let rig: PushRig;
before(async () => (rig = await startPushRig()));
after(() => rig.close());

describe('the notify face on schema-driven routes answers as before', () => {
  it('reads a body as JSON whatever its Content-Type says, and answers JSON with a trailing newline', async () => {
    const res = await fetch(`${rig.server.url}/v1/subscribers/form-typed`, {
      method: 'PUT',
      headers: { authorization: rig.admin, 'content-type': 'application/x-www-form-urlencoded' },
      body: JSON.stringify({ name: 'Ann' }),
    });
    const text = await res.text();
    assert.equal(res.status, 201, text);
    assert.ok(text.endsWith('}\n'));
    assert.equal((JSON.parse(text) as { name: string }).name, 'Ann');
  });

  it('refuses a wrong shape with 40024 naming the field, bad JSON with 40024, U+0000 with 40083', async () => {
    const wrongType = await rig.call('PUT', '/v1/subscribers/shape', { name: 7 });
    assert.equal(wrongType.json.code, 40024);
    assert.match(wrongType.json.error, /\/name/);
    const unknown = await rig.call('POST', '/v1/notify', { template: 't', to: { subscribers: ['a'] }, colour: 'red' });
    assert.equal(unknown.json.code, 40024);
    assert.equal((await rig.call('PUT', '/v1/categories/c', '{"description":')).json.code, 40024);
    assert.equal((await rig.call('PUT', '/v1/categories/c', '{"description":"a\\u0000b"}')).json.code, 40083);
    assert.equal((await rig.call('POST', '/v1/templates/x/preview', { locale: 5 })).json.code, 40024);
  });

  it('leaves templates and preference documents to the domain, which names the field with 40000', async () => {
    const template = await rig.call('PUT', '/v1/templates/t1', { channels: { sms: { text: 5 } } });
    assert.equal(template.json.code, 40000, JSON.stringify(template.json));
    assert.match(template.json.error, /sms\.text/);
    assert.equal((await rig.call('PUT', '/v1/templates/t1', [])).json.code, 40000);
    await rig.call('PUT', '/v1/subscribers/prefs-1', {});
    const prefs = await rig.call('PUT', '/v1/subscribers/prefs-1/preferences', { enabled: 'yes' });
    assert.equal(prefs.json.code, 40000, JSON.stringify(prefs.json));
    assert.match(prefs.json.error, /enabled/);
    const empty = await rig.call('PUT', '/v1/subscribers/prefs-1/preferences');
    assert.equal(empty.status, 200, 'no body is the default document');
    assert.equal(empty.json.enabled, true);
  });

  it('checks path and query parameters: 40000 for a bad one, unknown query parameters dropped', async () => {
    const long = await rig.call('GET', `/v1/subscribers/${'a'.repeat(129)}`);
    assert.equal(long.json.code, 40000);
    assert.equal((await rig.call('GET', '/v1/notify/some-id?limit=0')).json.code, 40000);
    assert.equal((await rig.call('GET', '/v1/notify/some-id?limit=2&colour=red')).json.code, 40409);
  });

  it('ignores a body sent to a route that takes none', async () => {
    const res = await rig.call('DELETE', '/v1/categories/nothing-here', 'not json', rig.admin, { 'content-type': 'text/plain' });
    assert.equal(res.status, 404, JSON.stringify(res.json));
  });
});
