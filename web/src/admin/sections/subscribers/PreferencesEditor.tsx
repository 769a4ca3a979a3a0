import { useEffect, useState, type FormEvent } from 'react';
import type { SectionProps } from '../../sections.js';
import { allowed } from '../../sections.js';
import { CHANNELS, CHANNEL_LABELS, Notice, errorText, type Channel } from '../notify-common/ui.js';

interface Cap { category?: string; max: number; per: string }
interface Preferences {
  enabled: boolean;
  channels: Record<string, boolean>;
  categories: Record<string, { enabled?: boolean; channels?: Record<string, boolean> }>;
  quiet_hours?: { start: string; end: string };
  frequency_caps: Cap[];
  channel_order?: Channel[];
}

/** The subscriber's preference document as a form: switches, quiet hours, caps and channel order. */
export function PreferencesEditor({ api, identity, subscriber, canWrite }: SectionProps & { subscriber: string; canWrite: boolean }) {
  const path = `/v1/subscribers/${encodeURIComponent(subscriber)}/preferences`;
  const [prefs, setPrefs] = useState<Preferences>();
  const [categories, setCategories] = useState<string[]>([]);
  const [order, setOrder] = useState('');
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);

  const take = (p: Preferences) => {
    setPrefs(p);
    setOrder((p.channel_order ?? []).join(', '));
  };

  useEffect(() => {
    api.call<Preferences>(path).then(take, (err: unknown) => setError(errorText(err)));
    if (allowed(identity, 'templates:read')) {
      api.call<{ categories: { name: string }[] }>('/v1/categories').then((r) => setCategories(r.categories.map((c) => c.name)), (err: unknown) => setError(errorText(err)));
    }
  }, [api, path, identity]);

  if (!prefs) return <section aria-labelledby="prefs-h"><h2 id="prefs-h">Preferences</h2><Notice error={error} /></section>;

  const update = (patch: Partial<Preferences>) => { setDone(''); setPrefs({ ...prefs, ...patch }); };
  const shownCategories = [...new Set([...categories, ...Object.keys(prefs.categories)])].sort();

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    setDone('');
    const channelOrder = order.split(/[\s,]+/).filter(Boolean);
    const bad = channelOrder.find((c) => !(CHANNELS as readonly string[]).includes(c));
    if (bad) { setError(`Channel order: "${bad}" is not a channel (${CHANNELS.join(', ')}).`); return; }
    const body: Record<string, unknown> = {
      enabled: prefs.enabled, channels: prefs.channels, categories: prefs.categories,
      quiet_hours: prefs.quiet_hours && prefs.quiet_hours.start && prefs.quiet_hours.end ? prefs.quiet_hours : null,
      frequency_caps: prefs.frequency_caps.map((c) => (c.category ? c : { max: c.max, per: c.per })),
    };
    if (channelOrder.length > 0) body.channel_order = channelOrder;
    setBusy(true);
    try {
      take(await api.call<Preferences>(path, { method: 'PUT', body }));
      setDone('Preferences saved.');
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const caps = prefs.frequency_caps;
  const setCap = (i: number, patch: Partial<Cap>) => update({ frequency_caps: caps.map((c, j) => (j === i ? { ...c, ...patch } : c)) });

  return (
    <section aria-labelledby="prefs-h">
      <h2 id="prefs-h">Preferences</h2>
      <form onSubmit={(e) => void save(e)} aria-label="Preferences">
        <fieldset disabled={!canWrite}>
          <legend>Delivery</legend>
          <label className="check"><input type="checkbox" checked={prefs.enabled} onChange={(e) => update({ enabled: e.target.checked })} /> Notifications enabled</label>
        </fieldset>
        <fieldset disabled={!canWrite}>
          <legend>Channels</legend>
          <div className="row">
            {CHANNELS.map((c) => (
              <label key={c} className="check">
                <input type="checkbox" checked={prefs.channels[c] !== false} onChange={(e) => update({ channels: { ...prefs.channels, [c]: e.target.checked } })} /> {CHANNEL_LABELS[c]}
              </label>
            ))}
          </div>
        </fieldset>
        {shownCategories.length > 0 && (
          <fieldset disabled={!canWrite}>
            <legend>Categories</legend>
            <div className="row">
              {shownCategories.map((name) => (
                <label key={name} className="check">
                  <input type="checkbox" checked={prefs.categories[name]?.enabled !== false}
                    onChange={(e) => update({ categories: { ...prefs.categories, [name]: { ...prefs.categories[name], enabled: e.target.checked } } })} /> {name}
                </label>
              ))}
            </div>
          </fieldset>
        )}
        <fieldset disabled={!canWrite}>
          <legend>Quiet hours (subscriber's time zone)</legend>
          <div className="row">
            <label>From <input type="time" value={prefs.quiet_hours?.start ?? ''} onChange={(e) => update({ quiet_hours: { start: e.target.value, end: prefs.quiet_hours?.end ?? '' } })} /></label>
            <label>Until <input type="time" value={prefs.quiet_hours?.end ?? ''} onChange={(e) => update({ quiet_hours: { start: prefs.quiet_hours?.start ?? '', end: e.target.value } })} /></label>
            {prefs.quiet_hours ? <button type="button" className="secondary" onClick={() => { const { quiet_hours: _q, ...rest } = prefs; setDone(''); setPrefs(rest); }}>No quiet hours</button> : null}
          </div>
        </fieldset>
        <fieldset disabled={!canWrite}>
          <legend>Frequency caps</legend>
          {caps.length === 0 ? <p>No caps.</p> : null}
          {caps.map((cap, i) => (
            <div className="row" key={i} role="group" aria-label={`Cap ${i + 1}`}>
              <label>Category (empty: all) <input value={cap.category ?? ''} onChange={(e) => setCap(i, { category: e.target.value })} /></label>
              <label>At most <input type="number" min={1} value={cap.max} onChange={(e) => setCap(i, { max: Number(e.target.value) })} /></label>
              <label>Per (e.g. 1h, 1d) <input value={cap.per} onChange={(e) => setCap(i, { per: e.target.value })} /></label>
              <button type="button" className="secondary" onClick={() => update({ frequency_caps: caps.filter((_, j) => j !== i) })}>Remove cap {i + 1}</button>
            </div>
          ))}
          <div className="actions"><button type="button" className="secondary" onClick={() => update({ frequency_caps: [...caps, { max: 3, per: '1d' }] })}>Add a cap</button></div>
        </fieldset>
        <fieldset disabled={!canWrite}>
          <legend>Fallback order</legend>
          <label>Channel order, comma-separated (empty: the category's) <input value={order} onChange={(e) => { setDone(''); setOrder(e.target.value); }} /></label>
        </fieldset>
        {canWrite ? <button disabled={busy}>Save preferences</button> : <p>This key may read preferences but not change them.</p>}
        <Notice error={error} done={done} />
      </form>
    </section>
  );
}
