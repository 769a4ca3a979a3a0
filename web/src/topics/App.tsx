import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, request } from '../shared/api.js';
import { baseUrl, serverConfig } from '../shared/server-config.js';

interface Message { id: string; time: number; event: string; topic: string; title?: string; message?: string; tags?: string[]; priority?: number }

const TOPIC = /^[-_A-Za-z0-9]{1,64}$/;

/** The topic named by the address (`/<topic>` under the app root), if any. */
function topicFromPath(): string {
  const root = serverConfig.app_root === '/' ? '' : serverConfig.app_root;
  const rest = location.pathname.slice(root.length).replace(/^\/+/, '').split('/').pop() ?? '';
  return TOPIC.test(rest) ? rest : '';
}

export function App() {
  const [topic, setTopic] = useState(topicFromPath);
  const [draft, setDraft] = useState(topic);
  const [messages, setMessages] = useState<Message[]>([]);
  const [text, setText] = useState('');
  const [error, setError] = useState('');

  useEffect(() => {
    if (!topic) return undefined;
    setMessages([]);
    const source = new EventSource(`${baseUrl}/${encodeURIComponent(topic)}/sse?since=all`);
    source.addEventListener('message', (e) => {
      const m = JSON.parse((e as MessageEvent<string>).data) as Message;
      setMessages((list) => [m, ...list]);
    });
    source.onerror = () => setError('The connection to the server dropped; reconnecting…');
    source.onopen = () => setError('');
    return () => source.close();
  }, [topic]);

  const open = (e: FormEvent) => {
    e.preventDefault();
    if (!TOPIC.test(draft)) return setError('A topic name is 1 to 64 letters, digits, - or _.');
    history.replaceState(null, '', `${serverConfig.app_root.replace(/\/$/, '')}/${draft}`);
    setTopic(draft);
  };
  const publish = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await request(`/${encodeURIComponent(topic)}`, { method: 'POST', body: text });
      setText('');
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };

  return (
    <main>
      <h1>Herald</h1>
      <form onSubmit={open} aria-label="Choose a topic">
        <input aria-label="Topic" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="topic name" />
        <button>Open</button>
      </form>
      {error && <p role="alert">{error}</p>}
      {topic && (
        <form onSubmit={publish} aria-label="Publish">
          <input aria-label="Message" value={text} onChange={(e) => setText(e.target.value)} placeholder="message" />
          <button disabled={!text}>Publish</button>
        </form>
      )}
      <ul aria-label="Notifications">
        {messages.map((m) => (
          <li key={m.id}>
            <div className="meta">{new Date(m.time * 1000).toLocaleString()}</div>
            {m.title && <div className="title">{m.title}</div>}
            <div>{m.message}</div>
          </li>
        ))}
      </ul>
    </main>
  );
}
