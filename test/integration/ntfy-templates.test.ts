import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * ntfy's templates from 2.14 to 2.17 through HTTP: the built-in `github`, `grafana` and
 * `alertmanager` templates against realistic webhook bodies, `<name>.yml` files from
 * `template-dir` (also replacing a built-in one), and the priority rendered as a template.
 */
let server: TestServer;
let templateDir: string;

before(async () => {
  // The folder does not exist yet when the server starts: templates are looked up per request.
  const dir = mkdtempSync(join(tmpdir(), 'herald-test-'));
  templateDir = join(dir, 'templates');
  server = await startTestServer({ 'template-dir': templateDir }, dir);
  mkdirSync(templateDir);
});
after(() => server.close());

async function publish(topic: string, body: unknown, params: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const query = new URLSearchParams(params).toString();
  const res = await fetch(`${server.url}/${topic}?${query}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text.split('\n')[0]!) };
}

/** The message as a subscriber polling the topic gets it, which is what a phone shows. */
async function polled(topic: string): Promise<any> {
  const res = await fetch(`${server.url}/${topic}/json?poll=1`);
  const lines = (await res.text()).trim().split('\n');
  return JSON.parse(lines.at(-1)!);
}

describe('priority templates (ntfy 2.17)', () => {
  test('with X-Template: yes the priority is rendered from the body, then read as a priority', async () => {
    const topic = randomTopic();
    const r = await publish(topic, { severity: 'critical', host: 'db1' }, {
      tpl: 'yes', m: '{{.host}} is down', p: '{{if eq .severity "critical"}}urgent{{else}}low{{end}}',
    });
    assert.equal(r.status, 200);
    assert.equal(r.json.priority, 5);
    assert.equal((await polled(topic)).priority, 5);
    const low = await publish(randomTopic(), { severity: 'minor' }, { tpl: '1', p: '{{if eq .severity "critical"}}urgent{{else}}low{{end}}' });
    assert.equal(low.json.priority, 2);
  });

  test('a number from the body works, and a plain priority still works in template mode', async () => {
    const fromBody = await publish(randomTopic(), { level: 4 }, { tpl: 'yes', m: 'x', p: '{{.level}}' });
    assert.equal(fromBody.json.priority, 4);
    const plain = await publish(randomTopic(), { a: 1 }, { m: '{{.a}}' }, { 'X-Template': 'yes', Priority: 'high' });
    assert.equal(plain.json.priority, 4);
    assert.equal(plain.json.message, '1');
  });

  test('a priority that renders to no priority is 40007, and a broken priority template is a template error', async () => {
    const bad = await publish(randomTopic(), { level: 'catastrophic' }, { tpl: 'yes', m: 'x', p: '{{.level}}' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.code, 40007);
    const broken = await publish(randomTopic(), { level: 1 }, { tpl: 'yes', m: 'x', p: '{{.level' });
    assert.equal(broken.status, 400);
    assert.equal(broken.json.code, 40043);
    // Without template mode the braces are just a wrong priority, as before.
    const untemplated = await publish(randomTopic(), 'plain', { p: '{{.level}}' });
    assert.equal(untemplated.json.code, 40007);
  });
});

describe('built-in templates (ntfy 2.14)', () => {
  test('github: a push lists its commits', async () => {
    const topic = randomTopic();
    const r = await publish(topic, {
      ref: 'refs/heads/main', before: 'a'.repeat(40), after: 'b'.repeat(40),
      repository: { full_name: 'acme/rocket', html_url: 'https://github.com/acme/rocket' },
      pusher: { name: 'wile', email: 'wile@acme.test' }, sender: { login: 'wile', html_url: 'https://github.com/wile' },
      compare: 'https://github.com/acme/rocket/compare/aaaaaaa...bbbbbbb',
      commits: [
        { id: '1f2e3d4c5b6a79880000000000000000000000000', message: 'Fix the fuse', url: 'https://github.com/acme/rocket/commit/1f2e3d4', author: { name: 'Wile E.' } },
        { id: '9a8b7c6d5e4f30210000000000000000000000000', message: 'Add more boosters', url: 'https://github.com/acme/rocket/commit/9a8b7c6', author: { name: 'Wile E.' } },
      ],
    }, { template: 'github' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.title, '[acme/rocket] wile pushed 2 commits to main');
    assert.equal(r.json.message, '• 1f2e3d4 Fix the fuse (Wile E.)\n• 9a8b7c6 Add more boosters (Wile E.)\n\nhttps://github.com/acme/rocket/compare/aaaaaaa...bbbbbbb');
    assert.equal((await polled(topic)).title, r.json.title);
  });

  test('github: an opened issue, a comment, a pull request and a star', async () => {
    const repository = { full_name: 'acme/rocket', html_url: 'https://github.com/acme/rocket' };
    const sender = { login: 'roadrunner', html_url: 'https://github.com/roadrunner' };
    const issue = { number: 42, title: 'Rocket explodes on launch', body: 'Every time.', html_url: 'https://github.com/acme/rocket/issues/42', user: { login: 'roadrunner' } };

    const opened = await publish(randomTopic(), { action: 'opened', issue, repository, sender }, { template: 'github' });
    assert.equal(opened.json.title, '[acme/rocket] Issue #42 opened: Rocket explodes on launch');
    assert.equal(opened.json.message, 'Opened by roadrunner\n\nEvery time.\n\nhttps://github.com/acme/rocket/issues/42');

    const comment = await publish(randomTopic(), {
      action: 'created', issue, repository, sender,
      comment: { body: 'Beep beep.', html_url: 'https://github.com/acme/rocket/issues/42#issuecomment-1', user: { login: 'roadrunner' } },
    }, { template: 'github' });
    assert.equal(comment.json.title, '[acme/rocket] roadrunner commented on #42: Rocket explodes on launch');
    assert.equal(comment.json.message, 'Beep beep.\n\nhttps://github.com/acme/rocket/issues/42#issuecomment-1');

    const pr = await publish(randomTopic(), {
      action: 'opened', number: 7, repository, sender,
      pull_request: { number: 7, title: 'Use a parachute', body: null, html_url: 'https://github.com/acme/rocket/pull/7', user: { login: 'wile' }, head: { ref: 'parachute' }, base: { ref: 'main' } },
    }, { template: 'github' });
    assert.equal(pr.json.title, '[acme/rocket] PR #7 opened: Use a parachute');
    assert.equal(pr.json.message, 'parachute → main, by wile\n\nhttps://github.com/acme/rocket/pull/7');

    const star = await publish(randomTopic(), { action: 'created', starred_at: '2026-03-01T10:00:00Z', repository, sender }, { template: 'github' });
    assert.equal(star.json.title, '[acme/rocket] ⭐ Starred by roadrunner');
  });

  test('github: an event without a branch of its own still gets a notification', async () => {
    const ping = await publish(randomTopic(), { zen: 'Keep it logically awesome.', hook_id: 1, repository: { full_name: 'acme/rocket' } }, { template: 'github' });
    assert.equal(ping.status, 200);
    assert.equal(ping.json.title, '[acme/rocket] Webhook connected');
    assert.equal(ping.json.message, 'Keep it logically awesome.');
    const other = await publish(randomTopic(), { action: 'completed', sender: { login: 'bot' }, repository: { full_name: 'acme/rocket', html_url: 'https://github.com/acme/rocket' } }, { template: 'github' });
    assert.equal(other.json.title, '[acme/rocket] GitHub event: completed');
    assert.equal(other.json.message, 'Sent by bot\nhttps://github.com/acme/rocket');
  });

  test('grafana: firing and resolved alerts from the webhook contact point', async () => {
    const alert = {
      status: 'firing', labels: { alertname: 'High load', instance: '10.0.0.2:9100' }, annotations: { summary: 'Load above 4' },
      startsAt: '2026-03-15T02:28:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://grafana.local/alerting/grafana/x/view', fingerprint: 'becbfb94bd81ef48',
    };
    const body = {
      receiver: 'ntfy', status: 'firing', orgId: 1, alerts: [alert], groupLabels: {}, commonLabels: { alertname: 'High load' }, commonAnnotations: {},
      externalURL: 'http://grafana.local/', version: '1', groupKey: '{}:{}', truncatedAlerts: 0,
      title: '[FIRING:1] High load Node alerts', state: 'alerting', message: '**Firing**\n\nValue: B=4.7\nLabels:\n - alertname = High load\n',
    };
    const firing = await publish(randomTopic(), body, { template: 'grafana' });
    assert.equal(firing.status, 200, JSON.stringify(firing.json));
    assert.equal(firing.json.title, '🔥 [FIRING:1] High load Node alerts');
    assert.equal(firing.json.message, '**Firing**\n\nValue: B=4.7\nLabels:\n - alertname = High load');
    const resolved = await publish(randomTopic(), { ...body, status: 'resolved', title: '[RESOLVED] High load Node alerts', message: '' }, { template: 'grafana' });
    assert.equal(resolved.json.title, '✅ [RESOLVED] High load Node alerts');
    assert.equal(resolved.json.message, 'High load: firing — Load above 4');
  });

  test('alertmanager: a group of alerts, firing then resolved', async () => {
    const alerts = [
      { status: 'firing', labels: { alertname: 'DiskFull', severity: 'critical', instance: 'db1:9100' }, annotations: { summary: 'Disk 97% full', description: '/var is almost full' }, startsAt: '2026-05-01T10:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus.local/graph?g0.expr=disk', fingerprint: 'a1' },
      { status: 'firing', labels: { alertname: 'DiskFull', severity: 'critical', instance: 'db2:9100' }, annotations: { summary: 'Disk 95% full' }, startsAt: '2026-05-01T10:01:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: 'a2' },
    ];
    const body = {
      version: '4', groupKey: '{}:{alertname="DiskFull"}', truncatedAlerts: 0, status: 'firing', receiver: 'ntfy',
      groupLabels: { alertname: 'DiskFull' }, commonLabels: { alertname: 'DiskFull', severity: 'critical' }, commonAnnotations: {}, externalURL: 'http://alertmanager.local', alerts,
    };
    const firing = await publish(randomTopic(), body, { template: 'alertmanager' });
    assert.equal(firing.status, 200, JSON.stringify(firing.json));
    assert.equal(firing.json.title, '🔥 [FIRING:2] DiskFull');
    assert.equal(firing.json.message, [
      'DiskFull is firing (severity critical) on db1:9100', 'Disk 97% full', '/var is almost full', 'Since 2026-05-01T10:00:00Z', 'http://prometheus.local/graph?g0.expr=disk', '',
      'DiskFull is firing (severity critical) on db2:9100', 'Disk 95% full', 'Since 2026-05-01T10:01:00Z',
    ].join('\n'));
    const done = alerts.slice(0, 1).map((a) => ({ ...a, status: 'resolved', endsAt: '2026-05-01T11:00:00Z' }));
    const resolved = await publish(randomTopic(), { ...body, status: 'resolved', commonLabels: {}, alerts: done }, { template: 'alertmanager' });
    assert.equal(resolved.json.title, '✅ [RESOLVED] DiskFull');
    assert.match(resolved.json.message, /^DiskFull is resolved \(severity critical\) on db1:9100\n.*Since 2026-05-01T10:00:00Z, until 2026-05-01T11:00:00Z/s);
  });

  test('the X-Template header and its aliases pick a named template too', async () => {
    for (const header of ['X-Template', 'Template', 'Tpl']) {
      const r = await publish(randomTopic(), { status: 'firing', title: 'T', message: 'M' }, {}, { [header]: 'grafana' });
      assert.equal(r.json.title, '🔥 T', header);
    }
  });
});

describe('custom templates from template-dir', () => {
  test('a <name>.yml file renders title, message and priority', async () => {
    writeFileSync(join(templateDir, 'backup.yml'), [
      'title: |',
      '  Backup {{ .job }} {{ if .ok }}finished{{ else }}FAILED{{ end }}',
      'message: "{{ .job }} wrote {{ .bytes }} bytes in {{ .seconds }}s"',
      'priority: \'{{ if .ok }}low{{ else }}high{{ end }}\'',
      '',
    ].join('\n'));
    const ok = await publish(randomTopic(), { job: 'nightly', ok: true, bytes: 2048, seconds: 42 }, { template: 'backup' });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.deepEqual([ok.json.title, ok.json.message, ok.json.priority], ['Backup nightly finished', 'nightly wrote 2048 bytes in 42s', 2]);
    const failed = await publish(randomTopic(), { job: 'nightly', ok: false, bytes: 0, seconds: 3 }, { template: 'backup' });
    assert.deepEqual([failed.json.title, failed.json.priority], ['Backup nightly FAILED', 4]);
  });

  test('parts a file leaves out keep the request’s own values, read plainly', async () => {
    writeFileSync(join(templateDir, 'titleonly.yml'), 'title: "Deploy of {{ .app }}"\n');
    const r = await publish(randomTopic(), { app: 'shop' }, { template: 'titleonly', message: 'see the dashboard', priority: 'max' });
    assert.deepEqual([r.json.title, r.json.message, r.json.priority], ['Deploy of shop', 'see the dashboard', 5]);
  });

  test('a file named like a built-in template replaces it, and edits apply without a restart', async () => {
    writeFileSync(join(templateDir, 'grafana.yml'), 'title: "Ours: {{ .title }}"\nmessage: "{{ .status }}"\n');
    const ours = await publish(randomTopic(), { status: 'firing', title: 'CPU', message: 'x' }, { template: 'grafana' });
    assert.deepEqual([ours.json.title, ours.json.message], ['Ours: CPU', 'firing']);
    writeFileSync(join(templateDir, 'grafana.yml'), 'title: "Edited: {{ .title }}"\n');
    const edited = await publish(randomTopic(), { status: 'firing', title: 'CPU', message: 'x' }, { template: 'grafana' });
    assert.equal(edited.json.title, 'Edited: CPU');
    // An emptied file is no file: the built-in one answers again.
    writeFileSync(join(templateDir, 'grafana.yml'), '');
    const builtIn = await publish(randomTopic(), { status: 'firing', title: 'CPU', message: 'x' }, { template: 'grafana' });
    assert.equal(builtIn.json.title, '🔥 CPU');
  });

  test('unknown names, names that are not file names and broken files are 400s in the common shape', async () => {
    const unknown = await publish(randomTopic(), { a: 1 }, { template: 'nosuchtemplate' });
    assert.deepEqual([unknown.status, unknown.json.code, unknown.json.http], [400, 40050, 400]);
    for (const name of ['../etc/passwd', 'a.b', 'x/y', `${'n'.repeat(65)}`]) {
      const r = await publish(randomTopic(), { a: 1 }, { template: name });
      assert.deepEqual([r.status, r.json.code], [400, 40050], name);
    }
    writeFileSync(join(templateDir, 'broken.yml'), 'title: [unclosed\n');
    const broken = await publish(randomTopic(), { a: 1 }, { template: 'broken' });
    assert.deepEqual([broken.status, broken.json.code], [400, 40051]);
    writeFileSync(join(templateDir, 'notamap.yml'), '- just\n- a list\n');
    assert.equal((await publish(randomTopic(), { a: 1 }, { template: 'notamap' })).json.code, 40051);
    writeFileSync(join(templateDir, 'nottext.yml'), 'title:\n  nested: map\n');
    assert.equal((await publish(randomTopic(), { a: 1 }, { template: 'nottext' })).json.code, 40051);
    writeFileSync(join(templateDir, 'huge.yml'), `title: "${'x'.repeat(40_000)}"\n`);
    assert.equal((await publish(randomTopic(), { a: 1 }, { template: 'huge' })).json.code, 40051);
  });

  test('a body that is not JSON, and a bad priority from a file, are refused', async () => {
    const notJson = await publish(randomTopic(), 'this is not json', { template: 'github' });
    assert.deepEqual([notJson.status, notJson.json.code], [400, 40042]);
    writeFileSync(join(templateDir, 'badprio.yml'), 'priority: "{{ .p }}"\n');
    const badPrio = await publish(randomTopic(), { p: 'whenever' }, { template: 'badprio' });
    assert.deepEqual([badPrio.status, badPrio.json.code], [400, 40007]);
  });

  test('X-Template: no and false leave the body alone', async () => {
    for (const value of ['no', 'false', '0']) {
      const r = await publish(randomTopic(), '{"a":1}', { template: value });
      assert.equal(r.json.message, '{"a":1}', value);
    }
  });
});
