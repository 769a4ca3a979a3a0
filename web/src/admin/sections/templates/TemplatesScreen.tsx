import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { ApiError } from '../../../shared/api.js';
import { navigate } from '../../AdminApp.js';
import type { SectionProps } from '../../sections.js';
import { allowed } from '../../sections.js';
import { CHANNELS, CHANNEL_LABELS, ConfirmDialog, Notice, errorText, useSubPath, type Channel } from '../notify-common/ui.js';
import { SourceField, type FieldError } from './SourceField.js';

/** The fields of each channel, as `PUT /v1/templates/{name}` names them; the webhook body is JSON. */
const FIELDS: Record<Channel, { name: string; label: string; rows?: number }[]> = {
  push: [{ name: 'title', label: 'Title' }, { name: 'body', label: 'Body', rows: 3 }, { name: 'url', label: 'Click URL' }],
  email: [{ name: 'subject', label: 'Subject' }, { name: 'html', label: 'HTML', rows: 6 }, { name: 'text', label: 'Text (empty: derived from the HTML)', rows: 4 }],
  sms: [{ name: 'text', label: 'Text', rows: 3 }],
  inapp: [{ name: 'title', label: 'Title' }, { name: 'body', label: 'Body', rows: 3 }, { name: 'url', label: 'Link URL' }],
  webhook: [{ name: 'body', label: 'Body (JSON; every string in it is a template)', rows: 6 }],
};

type Sources = Partial<Record<Channel, Record<string, string>>>;
interface Draft { category: string; defaultLocale: string; channels: Sources; locales: Record<string, Sources> }

interface TemplateJson { name: string; category?: string; default_locale: string; channels: Record<string, Record<string, unknown>>; locales: Record<string, Record<string, Record<string, unknown>>> }
interface Problem { kind: 'parse' | 'render' | 'shape'; channel?: Channel; field?: string; locale?: string; line?: number; column?: number; message: string }
interface Preview {
  locale: string;
  channels: {
    push?: { title?: string; body: string; url?: string };
    email?: { subject: string; html?: string; text: string };
    sms?: { text: string; segments: number; encoding: string };
    inapp?: { title?: string; body: string; url?: string };
    webhook?: { body: unknown };
  };
  problems: Problem[];
}

const EMPTY_DRAFT: Draft = { category: '', defaultLocale: 'en', channels: { push: { title: '', body: '' } }, locales: {} };

/** `/admin/templates`: the list; `/admin/templates/<name>`: the editor with its live preview. */
export function TemplatesScreen(props: SectionProps) {
  const name = useSubPath('templates');
  return <div className="notify">{name === undefined ? <TemplateList {...props} /> : <TemplateEditor key={name} name={name} {...props} />}</div>;
}

function TemplateList({ api, identity }: SectionProps) {
  const [names, setNames] = useState<string[]>();
  const [error, setError] = useState('');
  const [fresh, setFresh] = useState('');
  useEffect(() => {
    api.call<{ templates: string[] }>('/v1/templates').then((r) => setNames(r.templates), (err: unknown) => setError(errorText(err)));
  }, [api]);
  const create = (e: FormEvent) => {
    e.preventDefault();
    navigate(`templates/${encodeURIComponent(fresh.trim())}`);
  };
  return (
    <>
      <h1>Templates</h1>
      <Notice error={error} />
      {names && (names.length === 0 ? <p>No template yet.</p> : (
        <ul aria-label="Templates">
          {names.map((n) => (
            <li key={n}><a href={`/admin/templates/${encodeURIComponent(n)}`} onClick={(e) => { e.preventDefault(); navigate(`templates/${encodeURIComponent(n)}`); }}>{n}</a></li>
          ))}
        </ul>
      ))}
      {allowed(identity, 'templates:write') && (
        <form className="inline" onSubmit={create} aria-label="New template">
          <label>New template name <input required value={fresh} pattern="[A-Za-z0-9][\-_.A-Za-z0-9]{0,63}" title="1-64 letters, digits, -, _ or ." onChange={(e) => setFresh(e.target.value)} /></label>
          <button>Create template</button>
        </form>
      )}
    </>
  );
}

function TemplateEditor({ name, api, identity }: SectionProps & { name: string }) {
  const [draft, setDraft] = useState<Draft>();
  const [isNew, setIsNew] = useState(false);
  const [categories, setCategories] = useState<string[]>([]);
  const [locale, setLocale] = useState('');
  const [newLocale, setNewLocale] = useState('');
  const [sample, setSample] = useState('{\n  "order": "42"\n}');
  const [subscriber, setSubscriber] = useState('');
  const [preview, setPreview] = useState<Preview>();
  const [previewError, setPreviewError] = useState('');
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  const [deleting, setDeleting] = useState(false);
  const canWrite = allowed(identity, 'templates:write');
  const path = `/v1/templates/${encodeURIComponent(name)}`;

  useEffect(() => {
    api.call<TemplateJson>(path).then((t) => { setDraft(fromJson(t)); setLocale(t.default_locale); }, (err: unknown) => {
      if (err instanceof ApiError && err.status === 404) {
        setIsNew(true);
        setDraft(EMPTY_DRAFT);
        setLocale(EMPTY_DRAFT.defaultLocale);
      } else {
        setError(errorText(err));
      }
    });
    api.call<{ categories: { name: string }[] }>('/v1/categories').then((r) => setCategories(r.categories.map((c) => c.name)), (err: unknown) => setError(errorText(err)));
  }, [api, path]);

  const built = useMemo(() => (draft ? toJson(draft) : undefined), [draft]);
  const data = useMemo(() => parseSample(sample), [sample]);

  // The live preview: rendered by Herald's own engine a moment after the typing stops.
  useEffect(() => {
    if (!built || data.error) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api.call<Preview>('/v1/templates/preview', {
        method: 'POST', signal: controller.signal,
        body: { template: built.template, locale, data: data.value, ...(subscriber.trim() ? { subscriber: subscriber.trim() } : {}) },
      }).then((p) => { setPreview(p); setPreviewError(''); }, (err: unknown) => {
        if ((err as Error).name !== 'AbortError') setPreviewError(errorText(err));
      });
    }, 300);
    return () => { clearTimeout(timer); controller.abort(); };
  }, [api, built, locale, data, subscriber]);

  const problems = useMemo(() => [...(built?.problems ?? []), ...(preview?.problems ?? [])], [built, preview]);

  const save = useCallback(async () => {
    if (!built) return;
    setError('');
    setDone('');
    if (built.problems.length > 0) { setError(`Not saved: ${describe(built.problems[0]!)}`); return; }
    try {
      // Checked against the draft as it is now (the live preview may be a moment behind): a source
      // that does not parse is shown where it is rather than sent to be refused.
      const check = await api.call<Preview>('/v1/templates/preview', { method: 'POST', body: { template: built.template, locale, data: data.value } });
      setPreview(check);
      const blocking = check.problems.find((p) => p.kind !== 'render');
      if (blocking) { setError(`Not saved: ${describe(blocking)}`); return; }
      await api.call(path, { method: 'PUT', body: { ...built.template, ...(draft!.category ? { category: draft!.category } : {}) } });
      setIsNew(false);
      setDone(`Template ${name} saved.`);
    } catch (err) {
      setError(errorText(err));
    }
  }, [api, built, data, draft, locale, name, path]);

  const remove = async () => {
    setDeleting(false);
    try {
      await api.call(path, { method: 'DELETE' });
      navigate('templates');
    } catch (err) {
      setError(errorText(err));
    }
  };

  if (!draft) return <><h1>Template {name}</h1><Notice error={error} /></>;

  const isDefault = locale === draft.defaultLocale;
  const sources = isDefault ? draft.channels : draft.locales[locale] ?? {};
  const channelsOn = CHANNELS.filter((c) => draft.channels[c] !== undefined);
  const setSource = (channel: Channel, field: string, value: string) => {
    setDone('');
    if (isDefault) {
      setDraft({ ...draft, channels: { ...draft.channels, [channel]: { ...draft.channels[channel], [field]: value } } });
    } else {
      const own = draft.locales[locale] ?? {};
      setDraft({ ...draft, locales: { ...draft.locales, [locale]: { ...own, [channel]: { ...own[channel], [field]: value } } } });
    }
  };
  const toggleChannel = (channel: Channel, on: boolean) => {
    const channels = { ...draft.channels };
    if (on) channels[channel] = {};
    else delete channels[channel];
    setDraft({ ...draft, channels });
  };
  const fieldError = (channel: Channel, field: string): FieldError | undefined => {
    const p = problems.find((x) => x.channel === channel && x.field !== undefined && (x.field === field || x.field.startsWith(`${field}.`) || x.field.startsWith(`${field}[`))
      && (x.locale === undefined || x.locale === locale));
    return p ? { line: p.line, column: p.column, message: p.message } : undefined;
  };
  const addLocale = (e: FormEvent) => {
    e.preventDefault();
    let tag: string;
    try {
      tag = Intl.getCanonicalLocales(newLocale.trim())[0]!;
    } catch {
      setError(`"${newLocale}" is not a BCP 47 language tag (e.g. fr, fr-CA).`);
      return;
    }
    if (tag !== draft.defaultLocale && !draft.locales[tag]) setDraft({ ...draft, locales: { ...draft.locales, [tag]: {} } });
    setLocale(tag);
    setNewLocale('');
    setError('');
  };
  const removeLocale = () => {
    const { [locale]: _gone, ...rest } = draft.locales;
    setDraft({ ...draft, locales: rest });
    setLocale(draft.defaultLocale);
  };

  return (
    <>
      <p><a href="/admin/templates" onClick={(e) => { e.preventDefault(); navigate('templates'); }}>← All templates</a></p>
      <h1>Template {name}{isNew ? ' (new, not saved yet)' : ''}</h1>
      <Notice error={error} done={done} />
      <div className="row">
        <label>Category
          <select value={draft.category} onChange={(e) => setDraft({ ...draft, category: e.target.value })}>
            <option value="">(none)</option>
            {[...new Set([...categories, ...(draft.category ? [draft.category] : [])])].map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        </label>
        <label>Default locale <input value={draft.defaultLocale} size={8} readOnly={Object.keys(draft.locales).length > 0}
          onChange={(e) => { setDraft({ ...draft, defaultLocale: e.target.value }); setLocale(e.target.value); }} /></label>
        <label>Locale shown
          <select value={locale} onChange={(e) => setLocale(e.target.value)}>
            <option value={draft.defaultLocale}>{draft.defaultLocale} (default)</option>
            {Object.keys(draft.locales).sort().map((l) => <option key={l} value={l}>{l}</option>)}
          </select>
        </label>
        {!isDefault ? <button type="button" className="secondary" onClick={removeLocale}>Remove locale {locale}</button> : null}
      </div>
      <form className="inline" onSubmit={addLocale} aria-label="Locales">
        <label>Add a locale <input value={newLocale} size={10} placeholder="fr-CA" onChange={(e) => setNewLocale(e.target.value)} /></label>
        <button className="secondary">Add locale</button>
      </form>
      <fieldset>
        <legend>Channels</legend>
        <div className="row">
          {CHANNELS.map((c) => (
            <label key={c} className="check"><input type="checkbox" checked={draft.channels[c] !== undefined} disabled={!isDefault} onChange={(e) => toggleChannel(c, e.target.checked)} /> {CHANNEL_LABELS[c]}</label>
          ))}
        </div>
      </fieldset>
      <div className="tpl-layout">
        <section aria-labelledby="sources-h">
          <h2 id="sources-h">Sources ({isDefault ? `${locale}, the default` : `${locale}; empty fields fall back`})</h2>
          {channelsOn.map((c) => (
            <fieldset key={c}>
              <legend>{CHANNEL_LABELS[c]}</legend>
              {FIELDS[c].map((f) => (
                <SourceField key={`${locale}-${c}-${f.name}`} label={`${CHANNEL_LABELS[c]} ${f.label.toLowerCase()}`} rows={f.rows ?? 1}
                  value={sources[c]?.[f.name] ?? ''} onChange={(v) => setSource(c, f.name, v)} error={fieldError(c, f.name)}
                  placeholder={isDefault ? undefined : draft.channels[c]?.[f.name]} />
              ))}
            </fieldset>
          ))}
          <div className="actions">
            {canWrite ? <button type="button" onClick={() => void save()}>Save template</button> : null}
            {canWrite && !isNew ? <button type="button" className="danger" onClick={() => setDeleting(true)}>Delete template…</button> : null}
          </div>
        </section>
        <section aria-labelledby="preview-h">
          <h2 id="preview-h">Preview</h2>
          <div className="row">
            <label>Sample data (JSON)
              <textarea rows={4} value={sample} onChange={(e) => setSample(e.target.value)} aria-invalid={data.error ? true : undefined} spellCheck={false} />
            </label>
            <label>As subscriber (id, optional) <input value={subscriber} onChange={(e) => setSubscriber(e.target.value)} /></label>
          </div>
          {data.error ? <p role="alert">Sample data: {data.error}</p> : null}
          {previewError ? <p role="alert">{previewError}</p> : null}
          {problems.length > 0 && (
            <div role="alert" aria-label="Problems">
              <h3>Problems</h3>
              <ul>
                {problems.map((p, i) => (
                  <li key={i}>
                    {describe(p)}
                    {p.locale && p.locale !== locale && (p.locale === draft.defaultLocale || draft.locales[p.locale]) ? <> <button type="button" className="secondary" onClick={() => setLocale(p.locale!)}>Show {p.locale}</button></> : null}
                  </li>
                ))}
              </ul>
            </div>
          )}
          {preview && <PreviewCards preview={preview} wanted={channelsOn} />}
        </section>
      </div>
      <ConfirmDialog open={deleting} title={`Delete template ${name}?`} confirm="Delete" onConfirm={() => void remove()} onCancel={() => setDeleting(false)}>
        <p>Notifications naming it will be refused until it exists again.</p>
      </ConfirmDialog>
    </>
  );
}

function PreviewCards({ preview, wanted }: { preview: Preview; wanted: Channel[] }) {
  const c = preview.channels;
  return (
    <div aria-label={`Rendered in ${preview.locale}`} role="region">
      <p className="muted">Rendered in locale {preview.locale}.</p>
      {wanted.map((channel) => {
        const missing = c[channel] === undefined;
        return (
          <article key={channel} className="preview-card" aria-label={`${CHANNEL_LABELS[channel]} preview`}>
            <h3>{CHANNEL_LABELS[channel]}</h3>
            {missing ? <p>Not rendered: see the problems above.</p> : null}
            {channel === 'push' && c.push ? <><p><strong>{c.push.title ?? ''}</strong></p><p>{c.push.body}</p>{c.push.url ? <p className="muted">Opens {c.push.url}</p> : null}</> : null}
            {channel === 'inapp' && c.inapp ? <><p><strong>{c.inapp.title ?? ''}</strong></p><p>{c.inapp.body}</p>{c.inapp.url ? <p className="muted">Links to {c.inapp.url}</p> : null}</> : null}
            {channel === 'email' && c.email ? (
              <>
                <p><strong>Subject:</strong> {c.email.subject}</p>
                {c.email.html !== undefined ? <iframe title="E-mail HTML preview" sandbox="" srcDoc={c.email.html} /> : null}
                <h4>Text part</h4>
                <pre>{c.email.text}</pre>
              </>
            ) : null}
            {channel === 'sms' && c.sms ? <><pre>{c.sms.text}</pre><p className="muted">{c.sms.segments} segment{c.sms.segments === 1 ? '' : 's'}, {c.sms.encoding}</p></> : null}
            {channel === 'webhook' && c.webhook ? <pre>{JSON.stringify(c.webhook.body, null, 2)}</pre> : null}
          </article>
        );
      })}
    </div>
  );
}

function describe(p: Problem): string {
  const where = [p.channel ? `${CHANNEL_LABELS[p.channel]}${p.field ? ` ${p.field}` : ''}` : '', p.locale ? `(${p.locale})` : '',
    p.line !== undefined ? `line ${p.line}${p.column !== undefined ? `, column ${p.column}` : ''}` : ''].filter(Boolean).join(' ');
  const kind = p.kind === 'parse' ? 'does not parse' : p.kind === 'render' ? 'fails to render' : 'is incomplete';
  return `${where || 'The template'} ${kind}: ${p.message}`;
}

function fromJson(t: TemplateJson): Draft {
  const sources = (channels: Record<string, Record<string, unknown>>): Sources => {
    const out: Sources = {};
    for (const [channel, fields] of Object.entries(channels)) {
      if (!(CHANNELS as readonly string[]).includes(channel) || !fields) continue;
      const kept: Record<string, string> = {};
      for (const [field, value] of Object.entries(fields)) kept[field] = typeof value === 'string' && channel !== 'webhook' ? value : JSON.stringify(value, null, 2);
      out[channel as Channel] = kept;
    }
    return out;
  };
  const locales: Record<string, Sources> = {};
  for (const [tag, overrides] of Object.entries(t.locales ?? {})) locales[tag] = sources(overrides);
  return { category: t.category ?? '', defaultLocale: t.default_locale, channels: sources(t.channels), locales };
}

/** The draft as the API takes it: empty fields left out (a locale then falls back), the webhook body parsed. */
function toJson(d: Draft): { template: Record<string, unknown>; problems: Problem[] } {
  const problems: Problem[] = [];
  const build = (sources: Sources, locale: string, isDefault: boolean) => {
    const out: Record<string, Record<string, unknown>> = {};
    for (const channel of CHANNELS) {
      const fields = sources[channel];
      if (!fields || (!isDefault && d.channels[channel] === undefined)) continue;
      const kept: Record<string, unknown> = {};
      for (const [field, value] of Object.entries(fields)) {
        if (value.trim() === '') continue;
        if (channel === 'webhook') {
          try {
            kept[field] = JSON.parse(value);
          } catch (err) {
            problems.push({ kind: 'parse', channel, field, locale, message: `not valid JSON: ${(err as Error).message}`, ...jsonErrorLine(value, err) });
          }
        } else {
          kept[field] = value;
        }
      }
      if (Object.keys(kept).length > 0 || isDefault) out[channel] = kept;
    }
    return out;
  };
  const locales: Record<string, unknown> = {};
  for (const [tag, sources] of Object.entries(d.locales)) locales[tag] = build(sources, tag, false);
  return { template: { default_locale: d.defaultLocale, channels: build(d.channels, d.defaultLocale, true), locales }, problems };
}

/** Where JSON.parse stopped, as a line, when its message gives the offset. */
function jsonErrorLine(text: string, err: unknown): { line?: number } {
  const at = /position (\d+)/.exec((err as Error).message);
  if (!at) return {};
  return { line: text.slice(0, Number(at[1])).split('\n').length };
}

function parseSample(text: string): { value: Record<string, unknown>; error?: string } {
  if (!text.trim()) return { value: {} };
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { value: {}, error: 'must be a JSON object' };
    return { value: value as Record<string, unknown> };
  } catch (err) {
    return { value: {}, error: (err as Error).message };
  }
}
