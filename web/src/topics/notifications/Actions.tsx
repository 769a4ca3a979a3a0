import { useId, useState } from 'react';
import { useT, type Translate } from '../i18n/index.js';
import { store, type MessageAction, type Notification } from '../state/index.js';
import { safeLink, webUrl } from './safe-url.js';

/** A message's action buttons (view, http, broadcast, copy), each with its outcome in words. */
export function Actions({ notification }: { notification: Notification }) {
  const t = useT();
  const actions = notification.actions ?? [];
  if (!actions.length) return null;
  return (
    <div className="actions" role="group" aria-label={t('card.actions')}>
      {actions.map((action, i) => <ActionButton key={action.id || i} action={action} notification={notification} />)}
    </div>
  );
}

function ActionButton({ action, notification }: { action: MessageAction; notification: Notification }) {
  const t = useT();
  const noteId = useId();
  const [status, setStatus] = useState<{ text: string; error: boolean } | undefined>();
  const done = () => {
    if (action.clear) store.markRead(notification.subscriptionId, notification.id);
  };

  let control;
  if (action.action === 'view') {
    const href = safeLink(action.url);
    control = href
      ? <a className="button" href={href} target="_blank" rel="noopener noreferrer" onClick={done}>{action.label}</a>
      : <button type="button" onClick={() => setStatus({ text: t('card.unsafeLink', { url: action.url ?? '' }), error: true })}>{action.label}</button>;
  } else if (action.action === 'http') {
    control = (
      <button type="button" disabled={status?.text === t('action.sending')} onClick={() => void sendHttp(action, t, setStatus).then((ok) => ok && done())}>
        {action.label}
      </button>
    );
  } else if (action.action === 'broadcast') {
    control = <button type="button" aria-disabled="true" className="disabled" aria-describedby={noteId} onClick={() => undefined}>{action.label}</button>;
  } else if (action.action === 'copy') {
    control = (
      <button type="button" onClick={() => {
        navigator.clipboard.writeText(action.value ?? '').then(
          () => { setStatus({ text: t('action.copied'), error: false }); done(); },
          (err: Error) => setStatus({ text: t('action.copyFailed', { error: err.message }), error: true }),
        );
      }}>{action.label}</button>
    );
  } else {
    control = <button type="button" aria-disabled="true" className="disabled" aria-describedby={noteId}>{action.label}</button>;
  }
  return (
    <span className="action">
      {control}
      {action.action === 'broadcast' && <span id={noteId} className="note">{t('action.broadcastOff')}</span>}
      {!['view', 'http', 'broadcast', 'copy'].includes(action.action) && <span id={noteId} className="note">{t('action.unknown', { action: action.action })}</span>}
      {status && <span role={status.error ? 'alert' : 'status'} className={status.error ? 'note error' : 'note ok'}>{status.text}</span>}
    </span>
  );
}

async function sendHttp(action: MessageAction, t: Translate, setStatus: (s: { text: string; error: boolean }) => void): Promise<boolean> {
  const url = webUrl(action.url);
  if (!url) {
    setStatus({ text: t('card.unsafeLink', { url: action.url ?? '' }), error: true });
    return false;
  }
  setStatus({ text: t('action.sending'), error: false });
  const method = (action.method || 'POST').toUpperCase();
  try {
    const res = await fetch(url, { method, headers: action.headers, body: method === 'GET' || method === 'HEAD' ? undefined : action.body ?? '' });
    if (res.ok) {
      setStatus({ text: t('action.sent', { label: action.label, status: res.status }), error: false });
      return true;
    }
    setStatus({ text: t('action.failedStatus', { label: action.label, status: res.status, text: res.statusText }), error: true });
  } catch {
    setStatus({ text: t('action.failedNetwork', { label: action.label }), error: true });
  }
  return false;
}
