import { useCallback, useEffect, useState } from 'react';
import { navigate } from '../../AdminApp.js';
import type { SectionProps } from '../../sections.js';
import { CHANNEL_LABELS, Notice, StateBadge, errorText, useSubPath, when, type Channel } from '../notify-common/ui.js';

interface Summary {
  id: string; template: string; category: string; priority: string; strategy: string; channels?: Channel[];
  to: { subscribers: number } | { topic: string }; state: 'routing' | 'sending' | 'done' | 'cancelled';
  created_at: string; send_at?: string; expires_at?: string; idempotency_key?: string; recipients: number; counts: Record<string, number>;
}
interface ChannelDelivery { channel: Channel; state: string; reason?: string; provider_id?: string; attempts: number; created_at: string; updated_at: string; sent_at?: string }
interface Detail extends Summary {
  deliveries: { subscriber: string; state: string; reason?: string; next_channels?: Channel[]; updated_at: string; channels: ChannelDelivery[] }[];
  next_cursor?: string;
}

/** While a notification is still going out, its status is read again this often. */
const REFRESH_MS = 2000;

/** `/admin/notifications`: the newest first; `/admin/notifications/<id>`: per recipient and channel. */
export function NotificationsScreen(props: SectionProps) {
  const id = useSubPath('notifications');
  return <div className="notify">{id === undefined ? <NotificationList {...props} /> : <NotificationDetail key={id} id={id} {...props} />}</div>;
}

function counts(c: Record<string, number>): string {
  const parts = Object.entries(c).filter(([, n]) => n > 0).map(([state, n]) => `${n} ${state}`);
  return parts.length ? parts.join(', ') : '—';
}

function audience(to: Summary['to']): string {
  return 'topic' in to ? `topic ${to.topic}` : `${to.subscribers} subscriber${to.subscribers === 1 ? '' : 's'}`;
}

function NotificationList({ api }: SectionProps) {
  const [list, setList] = useState<Summary[]>();
  const [next, setNext] = useState<string>();
  const [error, setError] = useState('');
  const load = useCallback(async (cursor?: string) => {
    setError('');
    try {
      const page = await api.call<{ notifications: Summary[]; next_cursor?: string }>(`/v1/notify?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      setList((old) => (cursor ? [...(old ?? []), ...page.notifications] : page.notifications));
      setNext(page.next_cursor);
    } catch (err) {
      setError(errorText(err));
    }
  }, [api]);
  useEffect(() => { void load(); }, [load]);
  return (
    <>
      <h1>Notifications</h1>
      <div className="actions"><button type="button" className="secondary" onClick={() => void load()}>Refresh</button></div>
      <Notice error={error} />
      {list && (list.length === 0 ? <p>No notification yet.</p> : (
        <table aria-label="Notifications">
          <thead><tr><th scope="col">Id</th><th scope="col">Template</th><th scope="col">Category</th><th scope="col">Priority</th><th scope="col">To</th><th scope="col">State</th><th scope="col">Recipients</th><th scope="col">Created</th></tr></thead>
          <tbody>
            {list.map((n) => (
              <tr key={n.id}>
                <td><a href={`/admin/notifications/${encodeURIComponent(n.id)}`} onClick={(e) => { e.preventDefault(); navigate(`notifications/${encodeURIComponent(n.id)}`); }}>{n.id}</a></td>
                <td>{n.template}</td><td>{n.category}</td><td>{n.priority}</td><td>{audience(n.to)}</td><td><StateBadge state={n.state} /></td>
                <td>{counts(n.counts)}</td><td>{when(n.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
      {next ? <div className="actions"><button type="button" className="secondary" onClick={() => void load(next)}>Older notifications</button></div> : null}
    </>
  );
}

function NotificationDetail({ id, api }: SectionProps & { id: string }) {
  const [detail, setDetail] = useState<Detail>();
  const [more, setMore] = useState<Detail['deliveries']>([]);
  const [moreCursor, setMoreCursor] = useState<string>();
  const [error, setError] = useState('');
  const path = `/v1/notify/${encodeURIComponent(id)}`;

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = async () => {
      try {
        const d = await api.call<Detail>(`${path}?limit=100`);
        if (stopped) return;
        setDetail(d);
        setError('');
        if (d.state === 'routing' || d.state === 'sending') timer = setTimeout(() => void read(), REFRESH_MS);
      } catch (err) {
        if (!stopped) setError(errorText(err));
      }
    };
    void read();
    return () => { stopped = true; clearTimeout(timer); };
  }, [api, path]);

  const loadMore = async () => {
    const cursor = more.length ? moreCursor : detail?.next_cursor;
    if (!cursor) return;
    try {
      const d = await api.call<Detail>(`${path}?limit=100&cursor=${encodeURIComponent(cursor)}`);
      setMore([...more, ...d.deliveries]);
      setMoreCursor(d.next_cursor);
    } catch (err) {
      setError(errorText(err));
    }
  };

  const rows = detail ? [...detail.deliveries, ...more] : [];
  return (
    <>
      <p><a href="/admin/notifications" onClick={(e) => { e.preventDefault(); navigate('notifications'); }}>← All notifications</a></p>
      <h1>Notification {id}</h1>
      <Notice error={error} />
      {detail && (
        <>
          <dl className="profile">
            <dt>State</dt><dd><StateBadge state={detail.state} /></dd>
            <dt>Template</dt><dd>{detail.template}</dd>
            <dt>Category</dt><dd>{detail.category}</dd>
            <dt>Priority</dt><dd>{detail.priority}</dd>
            <dt>Strategy</dt><dd>{detail.strategy}</dd>
            <dt>Channels</dt><dd>{detail.channels ? detail.channels.map((c) => CHANNEL_LABELS[c]).join(', ') : "the category's"}</dd>
            <dt>To</dt><dd>{audience(detail.to)}</dd>
            <dt>Recipients</dt><dd>{detail.recipients}: {counts(detail.counts)}</dd>
            <dt>Created</dt><dd>{when(detail.created_at)}</dd>
            {detail.send_at ? <><dt>Send at</dt><dd>{detail.send_at}</dd></> : null}
            {detail.expires_at ? <><dt>Expires</dt><dd>{when(detail.expires_at)}</dd></> : null}
            {detail.idempotency_key ? <><dt>Idempotency key</dt><dd>{detail.idempotency_key}</dd></> : null}
          </dl>
          <h2>Per recipient and channel</h2>
          {rows.length === 0 ? <p>No recipient yet.</p> : (
            <table aria-label="Deliveries">
              <thead><tr><th scope="col">Recipient</th><th scope="col">Recipient state</th><th scope="col">Channel</th><th scope="col">Channel state</th><th scope="col">Reason</th><th scope="col">Attempts</th><th scope="col">Updated</th></tr></thead>
              <tbody>
                {rows.flatMap((r) => {
                  const recipientReason = r.reason ?? (r.next_channels?.length ? `next: ${r.next_channels.join(', ')}` : undefined);
                  if (r.channels.length === 0) {
                    return [<tr key={r.subscriber}><td>{r.subscriber}</td><td><StateBadge state={r.state} /></td><td>—</td><td>—</td><td>{recipientReason ?? '—'}</td><td>—</td><td>{when(r.updated_at)}</td></tr>];
                  }
                  return r.channels.map((c) => (
                    <tr key={`${r.subscriber}/${c.channel}`}>
                      <td>{r.subscriber}</td><td><StateBadge state={r.state} /></td><td>{CHANNEL_LABELS[c.channel] ?? c.channel}</td><td><StateBadge state={c.state} /></td>
                      <td>{c.reason ?? recipientReason ?? '—'}</td><td>{c.attempts}</td><td>{when(c.updated_at)}</td>
                    </tr>
                  ));
                })}
              </tbody>
            </table>
          )}
          {(more.length ? moreCursor : detail.next_cursor) ? <div className="actions"><button type="button" className="secondary" onClick={() => void loadMore()}>More recipients</button></div> : null}
        </>
      )}
    </>
  );
}
