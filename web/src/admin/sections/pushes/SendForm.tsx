import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { navigate } from '../../AdminApp.js';
import type { Api } from '../../session.js';
import { ErrorText, Field, Json, messageOf, PROVIDER_LABEL, PROVIDERS, type ProviderName } from './ui.js';

interface Draft {
  devices: string; users: string; topics: string;
  everyone: boolean; filterProviders: ProviderName[]; filterPlatforms: string; filterApps: string; filterLocales: string; filterUsers: string; filterTopics: string;
  title: string; body: string; url: string; image: string; sound: string; badge: string; data: string;
  priority: 'high' | 'normal' | 'low'; collapseKey: string; sendAt: string; expiresAt: string; id: string; category: string;
  overrides: Record<ProviderName, string>;
}

interface ProviderPreview {
  provider: ProviderName; configured: boolean; app?: string; bytes?: number;
  headers?: Record<string, string>; body?: unknown; note?: string; error?: { code: number; error: string };
}

const EMPTY: Draft = {
  devices: '', users: '', topics: '',
  everyone: false, filterProviders: [], filterPlatforms: '', filterApps: '', filterLocales: '', filterUsers: '', filterTopics: '',
  title: '', body: '', url: '', image: '', sound: '', badge: '', data: '',
  priority: 'normal', collapseKey: '', sendAt: '', expiresAt: '', id: '', category: '',
  overrides: { apns: '', fcm: '', hms: '', webpush: '' },
};

const OVERRIDE_HINT: Record<ProviderName, string> = {
  apns: '{"headers": {"apns-push-type": "alert"}, "payload": {"aps": {…}}}',
  fcm: '{"message": {"android": {…}, "data": {…}}}',
  hms: '{"message": {"android": {…}}}',
  webpush: '{"payload": {…}, "ttl": 3600, "urgency": "high", "topic": "orders"}',
};

/** Words split on commas, spaces or new lines. */
const list = (text: string) => text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);

/**
 * The push a draft stands for, as POST /v1/push takes it, or the first thing wrong with it in
 * words (the field it concerns). Herald checks everything else and answers in its own words.
 */
function buildPush(d: Draft): { push?: Record<string, unknown>; problems: Partial<Record<string, string>> } {
  const problems: Partial<Record<string, string>> = {};
  const to: Record<string, unknown> = {};
  if (list(d.devices).length) to.devices = list(d.devices);
  if (list(d.users).length) to.users = list(d.users);
  if (list(d.topics).length) to.topics = list(d.topics);
  const filter: Record<string, unknown> = {};
  if (d.filterProviders.length) filter.providers = d.filterProviders;
  if (list(d.filterPlatforms).length) filter.platforms = list(d.filterPlatforms);
  if (list(d.filterApps).length) filter.apps = list(d.filterApps);
  if (list(d.filterLocales).length) filter.locales = list(d.filterLocales);
  if (list(d.filterUsers).length) filter.users = list(d.filterUsers);
  if (list(d.filterTopics).length) filter.topics = list(d.filterTopics);
  if (d.everyone || Object.keys(filter).length) to.filter = filter;

  const notification: Record<string, unknown> = {};
  for (const field of ['title', 'body', 'url', 'image', 'sound'] as const) if (d[field].trim()) notification[field] = d[field].trim();
  if (d.badge.trim()) {
    const badge = Number(d.badge);
    if (!Number.isInteger(badge) || badge < 0) problems.badge = 'The badge is a whole number, 0 or more.';
    else notification.badge = badge;
  }
  if (d.data.trim()) {
    const data: Record<string, string> = {};
    d.data.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      const at = line.indexOf('=');
      if (at < 1) problems.data ??= `Line ${i + 1}: write key=value.`;
      else data[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    });
    notification.data = data;
  }

  const push: Record<string, unknown> = { to, notification, priority: d.priority };
  if (d.id.trim()) push.id = d.id.trim();
  if (d.category.trim()) push.category = d.category.trim();
  if (d.collapseKey.trim()) push.collapse_key = d.collapseKey.trim();
  for (const [field, value] of [['send_at', d.sendAt], ['expires_at', d.expiresAt]] as const) {
    if (!value) continue;
    const at = new Date(value);
    if (Number.isNaN(at.getTime())) problems[field] = 'Not a date and time.';
    else push[field] = at.toISOString();
  }
  for (const provider of PROVIDERS) {
    const text = d.overrides[provider].trim();
    if (!text) continue;
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) problems[provider] = 'Write a JSON object.';
      else push[provider] = value;
    } catch (err) {
      problems[provider] = `Not valid JSON: ${(err as Error).message}`;
    }
  }
  return Object.keys(problems).length ? { problems } : { push, problems };
}

/** The send form: targets, content and per-provider overrides, with a live preview of what each provider receives. */
export function SendForm({ api }: { api: Api }) {
  const [draft, setDraft] = useState<Draft>(() => {
    const device = new URLSearchParams(location.search).get('device');
    return device ? { ...EMPTY, devices: device } : EMPTY;
  });
  const [error, setError] = useState('');
  const [sending, setSending] = useState(false);
  const [preview, setPreview] = useState<ProviderPreview[]>();
  const [previewError, setPreviewError] = useState('');
  const built = useMemo(() => buildPush(draft), [draft]);

  // The preview follows the form, a moment after typing stops.
  useEffect(() => {
    if (!built.push) return;
    const { to: _to, ...content } = built.push;
    const hasContent = Object.keys(content.notification as object).length > 0 || PROVIDERS.some((p) => p in content);
    if (!hasContent) { setPreview(undefined); setPreviewError(''); return; }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api.call<{ providers: ProviderPreview[] }>('/v1/push/preview', { body: content, signal: controller.signal }).then(
        (answer) => { setPreview(answer.providers); setPreviewError(''); },
        (err: unknown) => { if ((err as Error).name !== 'AbortError') { setPreview(undefined); setPreviewError(messageOf(err)); } },
      );
    }, 300);
    return () => { clearTimeout(timer); controller.abort(); };
  }, [api, built]);

  const set = <K extends keyof Draft>(field: K, value: Draft[K]) => setDraft((d) => ({ ...d, [field]: value }));
  const text = (field: { [K in keyof Draft]: Draft[K] extends string ? K : never }[keyof Draft]) =>
    ({ value: draft[field], onChange: (e: { target: { value: string } }) => set(field, e.target.value as never) });
  const invalid = (field: string) => (built.problems[field] ? { 'aria-invalid': true as const, 'aria-describedby': `problem-${field}` } : {});
  const problem = (field: string) => built.problems[field] && <span id={`problem-${field}`} role="alert" className="push-error">{built.problems[field]}</span>;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!built.push) { setError('Fix the fields marked above first.'); return; }
    setSending(true);
    setError('');
    try {
      const accepted = await api.call<{ id: string }>('/v1/push', { body: built.push });
      navigate(`pushes/${encodeURIComponent(accepted.id)}`);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setSending(false);
    }
  };

  return (
    <div className="push-screen">
      <p><a href="/admin/pushes" onClick={(e) => { e.preventDefault(); navigate('pushes'); }}>← All pushes</a></p>
      <h1>New push</h1>
      <div className="push-compose">
        <form aria-label="Send a push" onSubmit={submit} className="push-form">
          <fieldset>
            <legend>Targets</legend>
            <Field label="Devices" hint="device ids, separated by commas or spaces"><input {...text('devices')} /></Field>
            <Field label="Users"><input {...text('users')} /></Field>
            <Field label="Topics"><input {...text('topics')} /></Field>
            <fieldset>
              <legend>Filter</legend>
              <label className="push-check"><input type="checkbox" checked={draft.everyone} onChange={(e) => set('everyone', e.target.checked)} /> Every active device the filter matches (no filter: all of them)</label>
              <div role="group" aria-label="Filter by provider" className="push-checks">
                {PROVIDERS.map((p) => (
                  <label key={p} className="push-check"><input type="checkbox" checked={draft.filterProviders.includes(p)}
                    onChange={(e) => set('filterProviders', e.target.checked ? [...draft.filterProviders, p] : draft.filterProviders.filter((x) => x !== p))} /> {PROVIDER_LABEL[p]}</label>
                ))}
              </div>
              <Field label="Filter users"><input {...text('filterUsers')} /></Field>
              <Field label="Filter topics"><input {...text('filterTopics')} /></Field>
              <Field label="Filter platforms"><input {...text('filterPlatforms')} /></Field>
              <Field label="Filter locales"><input {...text('filterLocales')} /></Field>
              <Field label="Filter apps"><input {...text('filterApps')} /></Field>
            </fieldset>
          </fieldset>
          <fieldset>
            <legend>Notification</legend>
            <Field label="Title"><input {...text('title')} /></Field>
            <Field label="Body"><textarea rows={3} {...text('body')} /></Field>
            <Field label="URL"><input type="url" {...text('url')} /></Field>
            <Field label="Image"><input type="url" {...text('image')} /></Field>
            <Field label="Sound"><input {...text('sound')} placeholder="default" /></Field>
            <Field label="Badge"><input inputMode="numeric" {...text('badge')} {...invalid('badge')} /></Field>{problem('badge')}
            <Field label="Data" hint="key=value, one a line"><textarea rows={3} {...text('data')} {...invalid('data')} /></Field>{problem('data')}
          </fieldset>
          <fieldset>
            <legend>Delivery</legend>
            <Field label="Priority">
              <select value={draft.priority} onChange={(e) => set('priority', e.target.value as Draft['priority'])}>
                <option value="high">High</option><option value="normal">Normal</option><option value="low">Low</option>
              </select>
            </Field>
            <Field label="Collapse key"><input {...text('collapseKey')} /></Field>
            <Field label="Send at" hint="your local time; empty sends now"><input type="datetime-local" step={1} {...text('sendAt')} {...invalid('send_at')} /></Field>{problem('send_at')}
            <Field label="Expires at" hint="your local time"><input type="datetime-local" step={1} {...text('expiresAt')} {...invalid('expires_at')} /></Field>{problem('expires_at')}
            <Field label="Push id" hint="optional idempotency id"><input {...text('id')} /></Field>
            <Field label="Category"><input {...text('category')} /></Field>
          </fieldset>
          <fieldset>
            <legend>Per-provider overrides (JSON merged over the mapping)</legend>
            {PROVIDERS.map((p) => (
              <div key={p}>
                <Field label={`${PROVIDER_LABEL[p]} override`} hint={OVERRIDE_HINT[p]}>
                  <textarea rows={3} className="push-code" value={draft.overrides[p]} {...invalid(p)}
                    onChange={(e) => set('overrides', { ...draft.overrides, [p]: e.target.value })} />
                </Field>
                {problem(p)}
              </div>
            ))}
          </fieldset>
          <ErrorText error={error} />
          <div className="push-actions"><button disabled={sending}>{sending ? 'Sending…' : 'Send push'}</button></div>
        </form>
        <section aria-labelledby="preview-heading" className="push-preview">
          <h2 id="preview-heading">Preview per provider</h2>
          <p>What each provider receives, built by Herald's own encoders for a stand-in device token.</p>
          <ErrorText error={previewError} />
          {!preview && !previewError && <p>Write a title, a body or data to see the preview.</p>}
          {preview?.map((p) => (
            <section key={p.provider} aria-labelledby={`preview-${p.provider}`} className="push-preview-provider" data-provider={p.provider}>
              <h3 id={`preview-${p.provider}`}>{PROVIDER_LABEL[p.provider]}{p.app && <small> · app {p.app}</small>}{p.bytes !== undefined && <small> · {p.bytes} bytes</small>}</h3>
              {!p.configured && <p>Not configured on this server: nothing is sent to {PROVIDER_LABEL[p.provider]}.</p>}
              {p.error && <p className="push-error">Would be refused: {p.error.error}</p>}
              {p.headers && <Json label={`${PROVIDER_LABEL[p.provider]} headers`} value={p.headers} />}
              {p.body !== undefined && <Json label={`${PROVIDER_LABEL[p.provider]} body`} value={p.body} />}
              {p.note && <p><small>{p.note}</small></p>}
            </section>
          ))}
        </section>
      </div>
    </div>
  );
}
