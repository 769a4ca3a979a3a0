import { useCallback, useEffect, useRef, useState } from 'react';
import { navigate } from '../../AdminApp.js';
import { ApiError } from '../../../shared/api.js';
import type { Api } from '../../session.js';
import { ConfirmButton, ErrorText, FINAL_DELIVERY_STATES, messageOf, PROVIDER_LABEL, StateBadge, time, type ProviderName } from './ui.js';

export interface PushView {
  id: string; state: string; created_at: string; send_at?: string; expires_at?: string; targets: number;
  counts: Record<string, number>; by_provider: Record<string, Record<string, number>>;
}

interface Delivery {
  id: string; device?: string; token?: unknown; topic?: string; condition?: string; provider: ProviderName; app: string; state: string;
  attempts: number; last_status?: number; last_error?: string; provider_id?: string; next_attempt_at?: string;
  created_at: string; updated_at: string; sent_at?: string;
}

const PAGE = 500;
const POLL_MS = 1000;
/** A scheduled push changes only when it is due: it is looked at less often. */
const SCHEDULED_POLL_MS = 5000;
const SHOWN_COUNTS = ['queued', 'sending', 'retrying', 'sent', 'delivered', 'interacted', 'failed', 'invalid_token', 'expired', 'cancelled', 'dead', 'dropped'];

/** One push: where it stands, per provider and per delivery, refreshed until every delivery is final; cancel. */
export function PushDetail({ api, id }: { api: Api; id: string }) {
  const [view, setView] = useState<PushView>();
  const [deliveries, setDeliveries] = useState<Delivery[]>([]);
  const [more, setMore] = useState(false);
  const [error, setError] = useState('');
  const [said, setSaid] = useState('');
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);

  const load = useCallback(async (): Promise<{ final: boolean; scheduled: boolean }> => {
    const path = `/v1/push/${encodeURIComponent(id)}`;
    const [v, d] = await Promise.all([api.call<PushView>(path), api.call<{ deliveries: Delivery[]; next_cursor?: string }>(`${path}/deliveries?limit=${PAGE}`)]);
    setView(v);
    setDeliveries(d.deliveries);
    setMore(d.next_cursor !== undefined);
    setError('');
    return { final: isFinal(v, d.deliveries), scheduled: v.state === 'scheduled' };
  }, [api, id]);

  useEffect(() => {
    let live = true;
    const tick = async () => {
      let final = false;
      let scheduled = false;
      try {
        ({ final, scheduled } = await load());
      } catch (err) {
        if (live) setError(messageOf(err));
        // Asking again cannot help a push that is not there or may not be seen.
        if (err instanceof ApiError && [401, 403, 404].includes(err.status)) final = true;
      }
      if (live && !final) timer.current = setTimeout(tick, scheduled ? SCHEDULED_POLL_MS : POLL_MS);
    };
    void tick();
    return () => { live = false; clearTimeout(timer.current); };
  }, [load]);

  const cancel = async () => {
    try {
      const { cancelled } = await api.call<{ cancelled: number }>(`/v1/push/${encodeURIComponent(id)}`, { method: 'DELETE' });
      setSaid(`Cancelled ${cancelled} deliver${cancelled === 1 ? 'y' : 'ies'}.`);
      await load();
    } catch (err) {
      setError(messageOf(err));
    }
  };

  const final = view ? isFinal(view, deliveries) : false;
  const providers = view ? Object.keys(view.by_provider) as ProviderName[] : [];
  return (
    <div className="push-screen">
      <p><a href="/admin/pushes" onClick={(e) => { e.preventDefault(); navigate('pushes'); }}>← All pushes</a></p>
      <h1>Push <code>{id}</code></h1>
      <ErrorText error={error} />
      {said && <p role="status">{said}</p>}
      {!view && !error && <p role="status">Loading…</p>}
      {view && (
        <>
          <dl className="push-facts">
            <dt>State</dt><dd><StateBadge state={view.state} /></dd>
            <dt>Created</dt><dd>{time(view.created_at)}</dd>
            {view.send_at && <><dt>Scheduled for</dt><dd>{time(view.send_at)}</dd></>}
            {view.expires_at && <><dt>Expires</dt><dd>{time(view.expires_at)}</dd></>}
            <dt>Targets</dt><dd>{view.targets}</dd>
          </dl>
          <p className="push-refresh" aria-live="polite">{final ? 'Every delivery is final.' : 'Refreshing automatically until every delivery is final…'}</p>
          {!final && view.state !== 'cancelled' && (
            <div className="push-actions">
              <ConfirmButton label="Cancel push" question="Cancel every delivery not sent yet?" confirmLabel="Cancel deliveries" onConfirm={cancel} />
            </div>
          )}
          <table>
            <caption>Deliveries by state</caption>
            <thead><tr><th scope="col">Provider</th>{SHOWN_COUNTS.map((s) => <th scope="col" key={s}>{s.replace(/_/g, ' ')}</th>)}</tr></thead>
            <tbody>
              {providers.map((p) => (
                <tr key={p}><th scope="row">{PROVIDER_LABEL[p] ?? p}</th>{SHOWN_COUNTS.map((s) => <td key={s}>{view.by_provider[p]?.[s] ?? 0}</td>)}</tr>
              ))}
              <tr><th scope="row">All</th>{SHOWN_COUNTS.map((s) => <td key={s}>{view.counts[s] ?? 0}</td>)}</tr>
            </tbody>
          </table>
          <h2>Deliveries</h2>
          <table className="push-deliveries">
            <caption>{deliveries.length === 0 ? 'No delivery yet' : `${deliveries.length}${more ? '+' : ''} deliver${deliveries.length === 1 ? 'y' : 'ies'}`}</caption>
            <thead><tr><th scope="col">Target</th><th scope="col">Provider</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Error</th><th scope="col">Updated</th><th scope="col">Next attempt</th></tr></thead>
            <tbody>
              {deliveries.map((d) => (
                <tr key={d.id} data-delivery={d.id}>
                  <td>{target(d)}</td>
                  <td>{PROVIDER_LABEL[d.provider] ?? d.provider} <small>({d.app})</small></td>
                  <td><StateBadge state={d.state} /></td>
                  <td>{d.attempts}</td>
                  <td>{d.last_error ? `${d.last_status !== undefined ? `${d.last_status} ` : ''}${d.last_error}` : '—'}</td>
                  <td>{time(d.sent_at ?? d.updated_at)}</td>
                  <td>{d.next_attempt_at ? time(d.next_attempt_at) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {more && <p>Only the first {PAGE} deliveries are shown.</p>}
        </>
      )}
    </div>
  );
}

function isFinal(view: PushView, deliveries: Delivery[]): boolean {
  return (view.state === 'done' || view.state === 'cancelled') && deliveries.every((d) => FINAL_DELIVERY_STATES.has(d.state));
}

function target(d: Delivery) {
  if (d.device) return <a href={`/admin/devices/${d.device}`} onClick={(e) => { e.preventDefault(); navigate(`devices/${d.device}`); }}><code>{d.device}</code></a>;
  if (d.topic) return <>topic <code>{d.topic}</code></>;
  if (d.condition) return <>condition <code>{d.condition}</code></>;
  const token = typeof d.token === 'string' ? d.token : (d.token as { endpoint?: string } | undefined)?.endpoint ?? '';
  return <code className="push-token">{token.length > 24 ? `${token.slice(0, 24)}…` : token}</code>;
}
