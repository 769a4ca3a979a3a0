import { memo, useId } from 'react';
import { useLanguage, useT, type StringKey } from '../i18n/index.js';
import { store, type Notification } from '../state/index.js';
import { Actions } from './Actions.js';
import { Attachment } from './Attachment.js';
import { splitTags, useEmojiTable } from './emoji.js';
import { formatTime, isoTime } from './format.js';
import { Markdown } from './Markdown.js';
import { safeLink } from './safe-url.js';

const PRIORITY_MARK: Record<number, { mark: string; key: StringKey }> = {
  1: { mark: '⇊', key: 'card.priority1' },
  2: { mark: '↓', key: 'card.priority2' },
  4: { mark: '↑', key: 'card.priority4' },
  5: { mark: '‼', key: 'card.priority5' },
};

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

/** Plain text with its web addresses made links. */
function LinkedText({ text }: { text: string }) {
  const parts: (string | { url: string })[] = [];
  let last = 0;
  for (const m of text.matchAll(URL_IN_TEXT)) {
    parts.push(text.slice(last, m.index), { url: m[0] });
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  return (
    <div className="message plain">
      {parts.map((p, i) => (typeof p === 'string' ? p : <a key={i} href={p.url} target="_blank" rel="noopener noreferrer">{p.url}</a>))}
    </div>
  );
}

export interface CardProps {
  notification: Notification;
  /** The subscription's name, shown when the list mixes several. */
  source?: string;
  now: number;
}

export const NotificationCard = memo(function NotificationCard({ notification: n, source, now }: CardProps) {
  const t = useT();
  const language = useLanguage();
  const titleId = useId();
  const emojiTable = useEmojiTable(!!n.tags?.length);
  const tags = splitTags(n.tags, emojiTable);
  const priority = PRIORITY_MARK[n.priority ?? 3];
  const click = n.click ? safeLink(n.click) : undefined;
  const heading = n.title || (source ?? n.topic);
  return (
    <li className={`card${n.new ? ' new' : ''} p${n.priority ?? 3}`} aria-labelledby={titleId} data-id={n.id}>
      <div className="card-head">
        {priority && (
          <span className={`prio prio-${n.priority}`} title={t(priority.key)}>
            <span aria-hidden="true">{priority.mark}</span>
            <span className="visually-hidden">{t(priority.key)}</span>
          </span>
        )}
        <h3 id={titleId} className="card-title">
          {tags.emoji.length > 0 && <span className="emoji" role="img" aria-label={(n.tags ?? []).filter((x) => !tags.text.includes(x)).join(', ')}>{tags.emoji.join(' ')} </span>}
          {heading}
        </h3>
        {n.new && <span className="badge new-badge">{t('card.new')}</span>}
        <time className="when" dateTime={isoTime(n.time)}>{formatTime(n.time, language)}</time>
      </div>
      {source && n.title && <div className="source">{source}</div>}
      {n.message !== undefined && (n.content_type === 'text/markdown' ? <Markdown text={n.message} /> : <LinkedText text={n.message} />)}
      {tags.text.length > 0 && (
        <ul className="chips" aria-label={t('card.tags')}>
          {tags.text.map((tag) => <li key={tag} className="chip">{tag}</li>)}
        </ul>
      )}
      {n.click && (
        <p className="click">
          {click
            ? <a href={click} target="_blank" rel="noopener noreferrer">{t('card.open')}: {n.click}</a>
            : <span className="error">{t('card.unsafeLink', { url: n.click })}</span>}
        </p>
      )}
      {n.attachment && <Attachment attachment={n.attachment} now={now} />}
      <Actions notification={n} />
      <div className="card-tools">
        {n.new && <button type="button" className="small" onClick={() => store.markRead(n.subscriptionId, n.id)} aria-describedby={titleId}>{t('card.markRead')}</button>}
        <button type="button" className="small" onClick={() => store.deleteNotification(n.subscriptionId, n.id)} aria-describedby={titleId}>{t('card.delete')}</button>
      </div>
    </li>
  );
});
