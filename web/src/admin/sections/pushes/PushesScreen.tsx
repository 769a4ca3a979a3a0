import { navigate } from '../../AdminApp.js';
import type { SectionProps } from '../../sections.js';
import type { Api } from '../../session.js';
import { PushDetail, type PushView } from './PushDetail.js';
import { SendForm } from './SendForm.js';
import { ErrorText, MoreButton, StateBadge, subPath, time, usePaged } from './ui.js';

interface PushSummary extends PushView { actor: string; category: string | null; title?: string; body?: string }

/** Pushes: the list (newest first), `/admin/pushes/new` the send form, `/admin/pushes/<id>` one push. */
export function PushesScreen({ api }: SectionProps) {
  const sub = subPath('pushes');
  if (sub === 'new') return <SendForm api={api} />;
  if (sub) return <PushDetail api={api} id={sub} />;
  return <PushList api={api} />;
}

function PushList({ api }: { api: Api }) {
  const paged = usePaged<PushSummary>(async (cursor) => {
    const page = await api.call<{ pushes: PushSummary[]; next_cursor?: string }>(`/v1/push?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    return { items: page.pushes, ...(page.next_cursor ? { next: page.next_cursor } : {}) };
  }, [api]);
  return (
    <div className="push-screen">
      <h1>Pushes</h1>
      <div className="push-actions">
        <button type="button" onClick={() => navigate('pushes/new')}>New push</button>
        <button type="button" onClick={() => paged.reload()} disabled={paged.loading}>Refresh</button>
      </div>
      <ErrorText error={paged.error} />
      <table>
        <caption>{paged.loading && paged.items.length === 0 ? 'Loading pushes…' : 'Newest first'}</caption>
        <thead><tr><th scope="col">Push</th><th scope="col">Title</th><th scope="col">State</th><th scope="col">Created</th><th scope="col">Targets</th><th scope="col">Sent</th><th scope="col">Failed or dead</th><th scope="col">Sender</th></tr></thead>
        <tbody>
          {paged.items.map((p) => (
            <tr key={`${p.id} ${p.created_at}`}>
              <td><a href={`/admin/pushes/${encodeURIComponent(p.id)}`} onClick={(e) => { e.preventDefault(); navigate(`pushes/${encodeURIComponent(p.id)}`); }}><code>{p.id}</code></a></td>
              <td>{p.title ?? p.body ?? '—'}</td>
              <td><StateBadge state={p.state} /></td>
              <td>{time(p.created_at)}{p.send_at && <><br /><small>for {time(p.send_at)}</small></>}</td>
              <td>{p.targets}</td>
              <td>{p.counts.sent ?? 0}</td>
              <td>{(p.counts.failed ?? 0) + (p.counts.invalid_token ?? 0) + (p.counts.dead ?? 0)}</td>
              <td>{p.actor}{p.category && <><br /><small>{p.category}</small></>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!paged.loading && paged.items.length === 0 && !paged.error && <p>No push has been sent yet.</p>}
      <MoreButton paged={paged} />
    </div>
  );
}
