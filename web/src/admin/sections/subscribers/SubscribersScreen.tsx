import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { navigate } from '../../AdminApp.js';
import type { SectionProps } from '../../sections.js';
import { allowed } from '../../sections.js';
import { ConfirmDialog, Notice, downloadJson, errorText, useSubPath, when } from '../notify-common/ui.js';
import { PreferencesEditor } from './PreferencesEditor.js';

export interface Subscriber {
  id: string; email?: string; phone?: string; name?: string; locale?: string; timezone?: string; webhook_url?: string;
  data: Record<string, unknown>; created_at: string; updated_at: string;
}

interface InboxItem { id: string; title?: string; body: string; url?: string; created_at: string; seen_at?: string; read_at?: string; archived_at?: string }

/** `/admin/subscribers`: search; `/admin/subscribers/<id>`: the profile. */
export function SubscribersScreen(props: SectionProps) {
  const id = useSubPath('subscribers');
  return <div className="notify">{id === undefined ? <SubscriberSearch {...props} /> : <SubscriberProfile key={id} id={id} {...props} />}</div>;
}

function SubscriberSearch({ api }: SectionProps) {
  const [query, setQuery] = useState(() => new URLSearchParams(location.search).get('q') ?? '');
  const [list, setList] = useState<Subscriber[]>();
  const [next, setNext] = useState<string>();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const erased = new URLSearchParams(location.search).get('erased');

  const load = useCallback(async (q: string, cursor?: string) => {
    setBusy(true);
    setError('');
    try {
      const params = new URLSearchParams({ limit: '50' });
      if (q.trim()) params.set('q', q.trim());
      if (cursor) params.set('cursor', cursor);
      const page = await api.call<{ subscribers: Subscriber[]; next_cursor?: string }>(`/v1/subscribers?${params}`);
      setList((old) => (cursor ? [...(old ?? []), ...page.subscribers] : page.subscribers));
      setNext(page.next_cursor);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }, [api]);

  useEffect(() => { void load(query); }, [load]); // eslint-disable-line react-hooks/exhaustive-deps

  const submit = (e: FormEvent) => {
    e.preventDefault();
    history.replaceState(null, '', query.trim() ? `?q=${encodeURIComponent(query.trim())}` : location.pathname);
    void load(query);
  };

  return (
    <>
      <h1>Subscribers</h1>
      {erased ? <p role="status" className="notice done">Subscriber {erased} was erased.</p> : null}
      <form className="inline" role="search" aria-label="Subscribers" onSubmit={submit}>
        <label>Search by id, e-mail, name or phone
          <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
        </label>
        <button disabled={busy}>Search</button>
      </form>
      <Notice error={error} />
      {list && (list.length === 0 ? <p>No subscriber matches.</p> : (
        <table aria-label="Subscribers found">
          <thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col">E-mail</th><th scope="col">Phone</th><th scope="col">Locale</th><th scope="col">Updated</th></tr></thead>
          <tbody>
            {list.map((s) => (
              <tr key={s.id}>
                <td><a href={`/admin/subscribers/${encodeURIComponent(s.id)}`} onClick={(e) => { e.preventDefault(); navigate(`subscribers/${encodeURIComponent(s.id)}`); }}>{s.id}</a></td>
                <td>{s.name ?? '—'}</td><td>{s.email ?? '—'}</td><td>{s.phone ?? '—'}</td><td>{s.locale ?? '—'}</td><td>{when(s.updated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
      {next ? <div className="actions"><button type="button" className="secondary" disabled={busy} onClick={() => void load(query, next)}>Load more</button></div> : null}
    </>
  );
}

function SubscriberProfile({ id, api, identity }: SectionProps & { id: string }) {
  const [subscriber, setSubscriber] = useState<Subscriber>();
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  const [confirming, setConfirming] = useState(false);
  const path = `/v1/subscribers/${encodeURIComponent(id)}`;
  const canWrite = allowed(identity, 'subscribers:write');

  useEffect(() => {
    api.call<Subscriber>(path).then(setSubscriber, (err: unknown) => setError(errorText(err)));
  }, [api, path]);

  const exportAll = async () => {
    setError('');
    setDone('');
    try {
      downloadJson(`subscriber-${id}.json`, await api.call(`${path}/export`));
      setDone('Export downloaded.');
    } catch (err) {
      setError(errorText(err));
    }
  };

  const erase = async () => {
    setConfirming(false);
    setError('');
    try {
      await api.call(path, { method: 'DELETE' });
      navigate(`subscribers?erased=${encodeURIComponent(id)}`);
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <>
      <p><a href="/admin/subscribers" onClick={(e) => { e.preventDefault(); navigate('subscribers'); }}>← All subscribers</a></p>
      <h1>Subscriber {id}</h1>
      <Notice error={error} done={done} />
      {subscriber && (
        <>
          <section aria-labelledby="profile-h">
            <h2 id="profile-h">Profile</h2>
            <dl className="profile">
              <dt>Name</dt><dd>{subscriber.name ?? '—'}</dd>
              <dt>E-mail</dt><dd>{subscriber.email ?? '—'}</dd>
              <dt>Phone</dt><dd>{subscriber.phone ?? '—'}</dd>
              <dt>Locale</dt><dd>{subscriber.locale ?? '—'}</dd>
              <dt>Time zone</dt><dd>{subscriber.timezone ?? '—'}</dd>
              <dt>Webhook URL</dt><dd>{subscriber.webhook_url ?? '—'}</dd>
              <dt>Data</dt><dd><pre>{JSON.stringify(subscriber.data, null, 2)}</pre></dd>
              <dt>Created</dt><dd>{when(subscriber.created_at)}</dd>
              <dt>Updated</dt><dd>{when(subscriber.updated_at)}</dd>
            </dl>
            <div className="actions">
              <button type="button" className="secondary" onClick={() => void exportAll()}>Export everything held (JSON)</button>
              {canWrite ? <button type="button" className="danger" onClick={() => setConfirming(true)}>Erase subscriber…</button> : null}
            </div>
          </section>
          <PreferencesEditor api={api} identity={identity} subscriber={id} canWrite={canWrite} />
          <Inbox api={api} subscriber={id} />
        </>
      )}
      <ConfirmDialog open={confirming} title={`Erase subscriber ${id}?`} confirm="Erase" onConfirm={() => void erase()} onCancel={() => setConfirming(false)}>
        <p>This removes the profile, its devices, inbox, preferences and the personal data in its delivery log. It cannot be undone.</p>
      </ConfirmDialog>
    </>
  );
}

function Inbox({ api, subscriber }: Pick<SectionProps, 'api'> & { subscriber: string }) {
  const [items, setItems] = useState<InboxItem[]>();
  const [unread, setUnread] = useState(0);
  const [next, setNext] = useState<string>();
  const [error, setError] = useState('');
  const load = useCallback(async (cursor?: string) => {
    setError('');
    try {
      const page = await api.call<{ items: InboxItem[]; unread: number; next_cursor?: string }>(
        `/v1/subscribers/${encodeURIComponent(subscriber)}/inbox?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      setItems((old) => (cursor ? [...(old ?? []), ...page.items] : page.items));
      setUnread(page.unread);
      setNext(page.next_cursor);
    } catch (err) {
      setError(errorText(err));
    }
  }, [api, subscriber]);
  useEffect(() => { void load(); }, [load]);
  return (
    <section aria-labelledby="inbox-h">
      <h2 id="inbox-h">Inbox</h2>
      <Notice error={error} />
      {items && (
        <>
          <p>{items.length === 0 ? 'The inbox is empty.' : `${unread} unread.`}</p>
          {items.length > 0 && (
            <table aria-label="Inbox">
              <thead><tr><th scope="col">Title</th><th scope="col">Body</th><th scope="col">Received</th><th scope="col">Read</th><th scope="col">Archived</th></tr></thead>
              <tbody>
                {items.map((i) => (
                  <tr key={i.id}><td>{i.title ?? '—'}</td><td>{i.body}</td><td>{when(i.created_at)}</td><td>{i.read_at ? when(i.read_at) : 'unread'}</td><td>{i.archived_at ? when(i.archived_at) : '—'}</td></tr>
                ))}
              </tbody>
            </table>
          )}
          <div className="actions">
            {next ? <button type="button" className="secondary" onClick={() => void load(next)}>Older items</button> : null}
            <button type="button" className="secondary" onClick={() => void load()}>Refresh inbox</button>
          </div>
        </>
      )}
    </section>
  );
}

