import { useState, type FormEvent } from 'react';
import { ApiError, request } from '../../shared/api.js';
import { baseUrl } from '../../shared/server-config.js';
import { Dialog } from '../Dialog.js';
import { useT } from '../i18n/index.js';
import { normalizeBaseUrl, store, TOPIC_PATTERN, type Subscription } from '../state/index.js';

/**
 * Subscribes to a topic here or on another Herald/ntfy server. Access is checked first
 * (`GET /<topic>/auth`), so a protected topic says "Login required" / "Not allowed" right away.
 */
export function SubscribeDialog({ onClose, onSubscribed }: { onClose: () => void; onSubscribed: (s: Subscription) => void }) {
  const t = useT();
  const [topic, setTopic] = useState('');
  const [other, setOther] = useState(false);
  const [server, setServer] = useState('https://');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    const name = topic.trim();
    if (!TOPIC_PATTERN.test(name)) return setError(t('subscribe.badTopic'));
    let base = baseUrl;
    if (other) {
      try {
        base = normalizeBaseUrl(server);
      } catch {
        return setError(t('subscribe.badServer'));
      }
    }
    if (store.find(base, name)) return setError(t('subscribe.exists'));
    setBusy(true);
    try {
      await request(`/${name}/auth`, { server: base, credentials: store.credentialsFor({ baseUrl: base, topic: name }) });
      onSubscribed(store.add({ baseUrl: base, topic: name }));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={t('subscribe.title')} onClose={onClose}>
      <form onSubmit={submit} className="stack" noValidate>
        <label>
          {t('subscribe.topic')}
          <input name="topic" value={topic} onChange={(e) => setTopic(e.target.value)} autoFocus autoComplete="off" spellCheck={false} aria-describedby="subscribe-topic-hint" />
        </label>
        <p id="subscribe-topic-hint" className="hint">{t('subscribe.topicHint')}</p>
        <label className="check">
          <input type="checkbox" checked={other} onChange={(e) => setOther(e.target.checked)} />
          {t('subscribe.otherServer')}
        </label>
        {other && (
          <label>
            {t('subscribe.server')}
            <input name="server" type="url" value={server} onChange={(e) => setServer(e.target.value)} placeholder="https://ntfy.sh" />
          </label>
        )}
        {error && <p role="alert" className="error">{error}</p>}
        <div className="buttons">
          <button type="button" onClick={onClose}>{t('common.cancel')}</button>
          <button type="submit" className="primary" disabled={busy}>{busy ? t('subscribe.checking') : t('subscribe.submit')}</button>
        </div>
      </form>
    </Dialog>
  );
}
