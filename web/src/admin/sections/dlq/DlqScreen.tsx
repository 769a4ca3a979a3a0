import { useState, type FormEvent } from 'react';
import { navigate } from '../../AdminApp.js';
import type { SectionProps } from '../../sections.js';
import { ErrorText, Field, messageOf, MoreButton, PROVIDER_LABEL, PROVIDERS, time, usePaged, type ProviderName } from '../pushes/ui.js';

interface DeadDelivery {
  id: string; push: string; device?: string; token?: unknown; topic?: string; condition?: string; provider: ProviderName; app: string;
  attempts: number; last_status?: number; last_error?: string; updated_at: string;
}

/** Dead letters: deliveries that ran out of attempts, with their last error; replay some or all of a provider's. */
export function DlqScreen({ api }: SectionProps) {
  const [draft, setDraft] = useState({ provider: '', app: '' });
  const [filter, setFilter] = useState(draft);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [said, setSaid] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const paged = usePaged<DeadDelivery>(async (cursor) => {
    const q = new URLSearchParams({ limit: '100' });
    if (filter.provider) q.set('provider', filter.provider);
    if (filter.app.trim()) q.set('app', filter.app.trim());
    if (cursor) q.set('cursor', cursor);
    const page = await api.call<{ deliveries: DeadDelivery[]; next_cursor?: string }>(`/v1/dlq?${q}`);
    return { items: page.deliveries, ...(page.next_cursor ? { next: page.next_cursor } : {}) };
  }, [api, filter]);

  const apply = (e: FormEvent) => { e.preventDefault(); setSelected(new Set()); setFilter(draft); };
  const toggle = (id: string, on: boolean) => setSelected((s) => { const n = new Set(s); if (on) n.add(id); else n.delete(id); return n; });
  const replay = async (body: object, what: string) => {
    setBusy(true);
    setError('');
    setSaid('');
    try {
      const { replayed } = await api.call<{ replayed: number }>('/v1/dlq/replay', { body });
      setSaid(`Replayed ${replayed} ${what}${replayed === 1 ? '' : 's'}.`);
      setSelected(new Set());
      await paged.reload();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const everyShown = paged.items.length > 0 && paged.items.every((d) => selected.has(d.id));

  return (
    <div className="push-screen">
      <h1>Dead letters</h1>
      <p>Deliveries that failed on every attempt. Replaying puts them back in the queue with their attempts reset.</p>
      <form className="push-filters" aria-label="Filter dead letters" onSubmit={apply}>
        <Field label="Provider">
          <select value={draft.provider} onChange={(e) => setDraft({ ...draft, provider: e.target.value })}>
            <option value="">Any</option>
            {PROVIDERS.map((p) => <option key={p} value={p}>{PROVIDER_LABEL[p]}</option>)}
          </select>
        </Field>
        <Field label="App"><input value={draft.app} onChange={(e) => setDraft({ ...draft, app: e.target.value })} /></Field>
        <div className="push-actions"><button>Filter</button><button type="button" onClick={() => paged.reload()} disabled={paged.loading}>Refresh</button></div>
      </form>
      <div className="push-actions">
        <button type="button" disabled={busy || selected.size === 0} onClick={() => replay({ ids: [...selected] }, 'delivery')}>Replay selected ({selected.size})</button>
        {(filter.provider || filter.app.trim()) && (
          <button type="button" disabled={busy || paged.items.length === 0}
            onClick={() => replay({ ...(filter.provider ? { provider: filter.provider } : {}), ...(filter.app.trim() ? { app: filter.app.trim() } : {}) }, 'dead letter')}>
            Replay all {filter.provider ? PROVIDER_LABEL[filter.provider as ProviderName] : ''}{filter.app.trim() ? ` app ${filter.app.trim()}` : ''}
          </button>
        )}
      </div>
      {said && <p role="status">{said}</p>}
      <ErrorText error={error || paged.error} />
      <table>
        <caption>{paged.loading && paged.items.length === 0 ? 'Loading dead letters…' : `${paged.items.length}${paged.hasMore ? '+' : ''} dead deliver${paged.items.length === 1 ? 'y' : 'ies'}, most recent first`}</caption>
        <thead>
          <tr>
            <th scope="col"><input type="checkbox" aria-label="Select every delivery shown" checked={everyShown}
              onChange={(e) => setSelected(e.target.checked ? new Set(paged.items.map((d) => d.id)) : new Set())} /></th>
            <th scope="col">Delivery</th><th scope="col">Push</th><th scope="col">Target</th><th scope="col">Provider</th><th scope="col">Attempts</th><th scope="col">Last error</th><th scope="col">Died</th>
          </tr>
        </thead>
        <tbody>
          {paged.items.map((d) => (
            <tr key={d.id}>
              <td><input type="checkbox" aria-label={`Select delivery ${d.id}`} checked={selected.has(d.id)} onChange={(e) => toggle(d.id, e.target.checked)} /></td>
              <td><code>{d.id}</code></td>
              <td><a href={`/admin/pushes/${encodeURIComponent(d.push)}`} onClick={(e) => { e.preventDefault(); navigate(`pushes/${encodeURIComponent(d.push)}`); }}><code>{d.push}</code></a></td>
              <td>{d.device ? <a href={`/admin/devices/${d.device}`} onClick={(e) => { e.preventDefault(); navigate(`devices/${d.device}`); }}><code>{d.device}</code></a>
                : d.topic ?? d.condition ?? 'raw token'}</td>
              <td>{PROVIDER_LABEL[d.provider] ?? d.provider} <small>({d.app})</small></td>
              <td>{d.attempts}</td>
              <td>{d.last_error ? `${d.last_status !== undefined ? `${d.last_status} ` : ''}${d.last_error}` : '—'}</td>
              <td>{time(d.updated_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!paged.loading && paged.items.length === 0 && !paged.error && <p>No dead letters.</p>}
      <MoreButton paged={paged} />
    </div>
  );
}
