import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, request } from '../shared/api.js';
import { baseUrl, serverConfig } from '../shared/server-config.js';
import { AccountNav, AccountRoutes, accountScreenOf, credentialsFor, requiredLoginScreen, TopicAccessProblem, startAccount, useSession, WebPushSetting } from './account/index.js';
import { connections, settings, store, useStoreVersion } from './state/index.js';

const TOPIC = /^[-_A-Za-z0-9]{1,64}$/;

/** The topic named by the address (`/<topic>` under the app root), if any. */
function topicFromPath(): string {
  if (accountScreenOf()) return '';
  const root = serverConfig.app_root === '/' ? '' : serverConfig.app_root;
  const rest = location.pathname.slice(root.length).replace(/^\/+/, '').split('/').pop() ?? '';
  return TOPIC.test(rest) ? rest : '';
}

startAccount(store, settings);
connections.start();

export function App() {
  const session = useSession();
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const moved = () => setPath(location.pathname);
    addEventListener('popstate', moved);
    return () => removeEventListener('popstate', moved);
  }, []);
  const asked = accountScreenOf(path);
  const screen = requiredLoginScreen(session, asked) ?? asked;
  return (
    <>
      <header className="app-header"><a href="/">Herald</a><AccountNav /></header>
      <main>{screen ? <AccountRoutes screen={screen} /> : <TopicScreen key={path} />}</main>
    </>
  );
}

function TopicScreen() {
  useStoreVersion();
  const session = useSession();
  const [topic, setTopic] = useState(topicFromPath);
  const [draft, setDraft] = useState(topic);
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const own = baseUrl;

  useEffect(() => {
    if (topic) store.add({ baseUrl: own, topic }, 'url');
  }, [topic, own]);
  const subscription = topic ? store.find(own, topic) : undefined;
  const state = subscription ? store.connectionState(subscription.id) : undefined;

  const open = (e: FormEvent) => {
    e.preventDefault();
    if (!TOPIC.test(draft)) return setError('A topic name is 1 to 64 letters, digits, - or _.');
    history.replaceState(null, '', `${serverConfig.app_root.replace(/\/$/, '')}/${draft}`);
    setTopic(draft);
  };
  const publish = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await request(`/${encodeURIComponent(topic)}`, { method: 'POST', body: text, credentials: credentialsFor(own) });
      setText('');
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };

  return (
    <>
      <h1>Herald</h1>
      <form onSubmit={open} aria-label="Choose a topic">
        <input aria-label="Topic" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="topic name" />
        <button>Open</button>
      </form>
      {error && <p role="alert">{error}</p>}
      {topic && <TopicAccessProblem status={state?.status} topic={topic} loggedIn={!!session} />}
      <ul aria-label="Subscriptions">
        {store.list().map((s) => (
          <li key={s.id}>{s.displayName ?? s.topic} <button type="button" aria-label={`Unsubscribe from ${s.topic}`} onClick={() => store.remove(s.id)}>Unsubscribe</button></li>
        ))}
      </ul>
      <WebPushSetting />
      {topic && (
        <form onSubmit={publish} aria-label="Publish">
          <input aria-label="Message" value={text} onChange={(e) => setText(e.target.value)} placeholder="message" />
          <button disabled={!text}>Publish</button>
        </form>
      )}
      <ul aria-label="Notifications">
        {(subscription ? store.notifications(subscription.id) : []).map((m) => (
          <li key={m.id}>
            <div className="meta">{new Date(m.time * 1000).toLocaleString()}</div>
            {m.title && <div className="title">{m.title}</div>}
            <div>{m.message}</div>
          </li>
        ))}
      </ul>
    </>
  );
}
