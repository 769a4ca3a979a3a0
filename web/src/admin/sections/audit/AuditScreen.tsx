import { useState, type FormEvent } from 'react';
import type { SectionProps } from '../../sections.js';
import { Failure, formatTime, useLoaded } from '../keys/parts.js';

interface Entry { id: number; time: number; actor: string; action: string; target?: string; address?: string; details: Record<string, unknown> }
interface Filter { action: string; actor: string; from: string; to: string }

/** Actions Herald records, offered as suggestions (any other text may be typed). */
const ACTIONS = [
  'user.create', 'user.delete', 'user.password', 'user.role', 'user.tier', 'access.grant', 'access.reset',
  'token.create', 'token.delete', 'key.create', 'key.rotate', 'key.revoke', 'tier.create', 'tier.change', 'tier.delete',
  'event-endpoint.create', 'event-endpoint.rotate-secret', 'push.send', 'notify.send',
];
const PAGE = 100;
const EMPTY: Filter = { action: '', actor: '', from: '', to: '' };

/** A `datetime-local` value (the reader's local time) as Unix seconds. */
function seconds(local: string): number | undefined {
  if (!local) return undefined;
  const ms = new Date(local).getTime();
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
}

function queryOf(f: Filter, limit: number): string {
  const q = new URLSearchParams({ limit: String(limit) });
  if (f.action.trim()) q.set('action', f.action.trim());
  if (f.actor.trim()) q.set('actor', f.actor.trim());
  const since = seconds(f.from);
  const until = seconds(f.to);
  if (since !== undefined) q.set('since', String(since));
  // The end of the chosen minute: a `datetime-local` has no seconds.
  if (until !== undefined) q.set('until', String(until + 59));
  return q.toString();
}

/** The audit log: who changed what, newest first, filtered by action, actor and time. */
export function AuditScreen({ api }: SectionProps) {
  const [draft, setDraft] = useState<Filter>(EMPTY);
  const [applied, setApplied] = useState<Filter>(EMPTY);
  const [limit, setLimit] = useState(PAGE);
  const entries = useLoaded(() => api.call<Entry[]>(`/v1/audit?${queryOf(applied, limit)}`), [api, applied, limit]);
  const list = entries.data ?? [];
  const actors = [...new Set(list.map((e) => e.actor))].sort();
  const set = (field: keyof Filter) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [field]: e.target.value }));
  const apply = (e: FormEvent) => { e.preventDefault(); setLimit(PAGE); setApplied({ ...draft }); };
  const filtered = Object.values(applied).some(Boolean);

  return (
    <div className="access">
      <h1>Audit log</h1>
      <form className="card row" aria-label="Filter the audit log" onSubmit={apply}>
        <label>Action <input value={draft.action} onChange={set('action')} list="audit-actions" placeholder="key.create" /></label>
        <datalist id="audit-actions">{ACTIONS.map((a) => <option key={a} value={a} />)}</datalist>
        <label>Actor <input value={draft.actor} onChange={set('actor')} list="audit-actors" placeholder="user:ben, key:key_…, cli" /></label>
        <datalist id="audit-actors">{actors.map((a) => <option key={a} value={a} />)}</datalist>
        <label>From <input type="datetime-local" value={draft.from} onChange={set('from')} /></label>
        <label>To <input type="datetime-local" value={draft.to} onChange={set('to')} /></label>
        <button className="primary">Filter</button>
        <button type="button" onClick={() => { setDraft(EMPTY); setApplied(EMPTY); setLimit(PAGE); }}>Clear</button>
      </form>
      <Failure error={entries.error} />
      <p role="status">{entries.loading ? 'Loading…' : `${list.length === limit ? `The newest ${list.length}` : list.length} ${list.length === 1 ? 'entry' : 'entries'}${filtered ? ' matching the filter' : ''}.`}</p>
      {list.length > 0 && (
        <table aria-label="Audit entries">
          <thead><tr><th>Time</th><th>Actor</th><th>Action</th><th>Target</th><th>Address</th><th>Details</th></tr></thead>
          <tbody>
            {list.map((e) => (
              <tr key={e.id}>
                <td>{formatTime(e.time)}</td>
                <td><code>{e.actor}</code></td>
                <td><code>{e.action}</code></td>
                <td>{e.target ?? ''}</td>
                <td>{e.address ?? ''}</td>
                <td>{Object.keys(e.details).length === 0 ? '' : (
                  <details><summary>{Object.keys(e.details).join(', ')}</summary><pre>{JSON.stringify(e.details, null, 2)}</pre></details>
                )}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.length === limit && limit < 1000 && <button type="button" onClick={() => setLimit((l) => Math.min(l + PAGE, 1000))}>Show older entries</button>}
    </div>
  );
}
