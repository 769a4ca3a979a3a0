import { useEffect, useState, type FormEvent } from 'react';
import { navigate } from '../../AdminApp.js';
import type { SectionProps } from '../../sections.js';
import type { Api } from '../../session.js';
import { ConfirmButton, ErrorText, Field, Json, messageOf, MoreButton, PROVIDER_LABEL, PROVIDERS, StateBadge, subPath, time, usePaged, type ProviderName } from '../pushes/ui.js';

/** A device as GET /v1/devices answers it. */
export interface Device {
  id: string; app: string; provider: ProviderName; platform: string;
  token: string | { endpoint: string; keys: { p256dh: string; auth: string } };
  user: string | null; topics: string[]; locale: string | null; timezone: string | null; meta: Record<string, unknown>;
  state: 'active' | 'invalid'; invalid_reason: string | null; created_at: string; updated_at: string; last_seen_at: string;
}

interface Filter { user: string; topic: string; provider: string; state: string; platform: string; app: string }
const NO_FILTER: Filter = { user: '', topic: '', provider: '', state: '', platform: '', app: '' };

/** Said once on the list after a device was removed from its page. */
let notice = '';

/** Devices: search and filter the registry, open one, remove it. `/admin/devices/<id>` shows one. */
export function DevicesScreen({ api }: SectionProps) {
  const id = subPath('devices');
  return id ? <DeviceDetail api={api} id={id} /> : <DeviceList api={api} />;
}

function DeviceList({ api }: { api: Api }) {
  const [draft, setDraft] = useState<Filter>(NO_FILTER);
  const [filter, setFilter] = useState<Filter>(NO_FILTER);
  const [openId, setOpenId] = useState('');
  const [said] = useState(() => { const n = notice; notice = ''; return n; });
  const paged = usePaged<Device>(async (cursor) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(filter)) if (v.trim()) q.set(k, v.trim());
    q.set('limit', '50');
    q.set('include_total_count', 'true');
    if (cursor) q.set('cursor', cursor);
    const page = await api.call<{ devices: Device[]; next_cursor?: string; total_count?: number }>(`/v1/devices?${q}`);
    return { items: page.devices, ...(page.next_cursor ? { next: page.next_cursor } : {}), ...(page.total_count !== undefined ? { total: page.total_count } : {}) };
  }, [api, filter]);

  const set = (field: keyof Filter) => (e: { target: { value: string } }) => setDraft({ ...draft, [field]: e.target.value });
  const apply = (e: FormEvent) => { e.preventDefault(); setFilter(draft); };
  const open = (e: FormEvent) => { e.preventDefault(); if (openId.trim()) navigate(`devices/${encodeURIComponent(openId.trim())}`); };

  return (
    <div className="push-screen">
      <h1>Devices</h1>
      {said && <p role="status">{said}</p>}
      <form className="push-filters" aria-label="Filter devices" onSubmit={apply}>
        <Field label="User"><input value={draft.user} onChange={set('user')} /></Field>
        <Field label="Topic"><input value={draft.topic} onChange={set('topic')} /></Field>
        <Field label="Provider">
          <select value={draft.provider} onChange={set('provider')}>
            <option value="">Any</option>
            {PROVIDERS.map((p) => <option key={p} value={p}>{PROVIDER_LABEL[p]}</option>)}
          </select>
        </Field>
        <Field label="State">
          <select value={draft.state} onChange={set('state')}>
            <option value="">Any</option><option value="active">Active</option><option value="invalid">Invalid</option>
          </select>
        </Field>
        <Field label="Platform"><input value={draft.platform} onChange={set('platform')} /></Field>
        <Field label="App"><input value={draft.app} onChange={set('app')} /></Field>
        <div className="push-actions">
          <button>Filter</button>
          <button type="button" onClick={() => { setDraft(NO_FILTER); setFilter(NO_FILTER); }}>Clear</button>
        </div>
      </form>
      <form className="push-filters" aria-label="Open a device by id" onSubmit={open}>
        <Field label="Device id"><input value={openId} onChange={(e) => setOpenId(e.target.value)} placeholder="dev_…" /></Field>
        <div className="push-actions"><button>Open</button></div>
      </form>
      <ErrorText error={paged.error} />
      <table>
        <caption>{paged.loading && paged.items.length === 0 ? 'Loading devices…' : `${paged.total ?? paged.items.length} device${(paged.total ?? paged.items.length) === 1 ? '' : 's'}`}</caption>
        <thead><tr><th scope="col">Device</th><th scope="col">Provider</th><th scope="col">Platform</th><th scope="col">App</th><th scope="col">User</th><th scope="col">Topics</th><th scope="col">State</th><th scope="col">Last seen</th></tr></thead>
        <tbody>
          {paged.items.map((d) => (
            <tr key={d.id}>
              <td><a href={`/admin/devices/${d.id}`} onClick={(e) => { e.preventDefault(); navigate(`devices/${d.id}`); }}><code>{d.id}</code></a></td>
              <td>{PROVIDER_LABEL[d.provider]}</td>
              <td>{d.platform}</td>
              <td>{d.app}</td>
              <td>{d.user ?? '—'}</td>
              <td>{d.topics.join(', ') || '—'}</td>
              <td><StateBadge state={d.state} /></td>
              <td>{time(d.last_seen_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!paged.loading && paged.items.length === 0 && !paged.error && <p>No device matches.</p>}
      <MoreButton paged={paged} />
    </div>
  );
}

function DeviceDetail({ api, id }: { api: Api; id: string }) {
  const [device, setDevice] = useState<Device>();
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    setDevice(undefined);
    setError('');
    api.call<Device>(`/v1/devices/${encodeURIComponent(id)}`).then((d) => live && setDevice(d), (err: unknown) => live && setError(messageOf(err)));
    return () => { live = false; };
  }, [api, id]);

  const remove = async () => {
    try {
      await api.call(`/v1/devices/${encodeURIComponent(id)}`, { method: 'DELETE' });
      notice = `Device ${id} was removed.`;
      navigate('devices');
    } catch (err) {
      setError(messageOf(err));
    }
  };

  return (
    <div className="push-screen">
      <p><a href="/admin/devices" onClick={(e) => { e.preventDefault(); navigate('devices'); }}>← All devices</a></p>
      <h1>Device <code>{id}</code></h1>
      <ErrorText error={error} />
      {!device && !error && <p role="status">Loading…</p>}
      {device && (
        <>
          <dl className="push-facts">
            <dt>State</dt><dd><StateBadge state={device.state} />{device.invalid_reason && <> — {device.invalid_reason}</>}</dd>
            <dt>Provider</dt><dd>{PROVIDER_LABEL[device.provider]} (app {device.app})</dd>
            <dt>Platform</dt><dd>{device.platform}</dd>
            <dt>User</dt><dd>{device.user ?? '—'}</dd>
            <dt>Topics</dt><dd>{device.topics.join(', ') || '—'}</dd>
            <dt>Locale</dt><dd>{device.locale ?? '—'}</dd>
            <dt>Time zone</dt><dd>{device.timezone ?? '—'}</dd>
            <dt>Registered</dt><dd>{time(device.created_at)}</dd>
            <dt>Updated</dt><dd>{time(device.updated_at)}</dd>
            <dt>Last seen</dt><dd>{time(device.last_seen_at)}</dd>
            <dt>Token</dt><dd>{typeof device.token === 'string' ? <code className="push-token">{device.token}</code> : <Json label="Web Push subscription" value={device.token} />}</dd>
            <dt>Meta</dt><dd>{Object.keys(device.meta).length ? <Json label="Device meta" value={device.meta} /> : '—'}</dd>
          </dl>
          <div className="push-actions">
            <button type="button" onClick={() => navigate(`pushes/new?device=${encodeURIComponent(device.id)}`)}>Send a push to this device</button>
            <ConfirmButton label="Remove device" question="Remove this device? It will get no more pushes." confirmLabel="Remove" onConfirm={remove} />
          </div>
        </>
      )}
    </div>
  );
}
