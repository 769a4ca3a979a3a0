import { useState } from 'react';
import { useLanguage, useT } from '../i18n/index.js';
import type { MessageAttachment } from '../state/index.js';
import { formatSize, formatTime, isoTime } from './format.js';
import { webUrl } from './safe-url.js';

const IMAGE_NAME = /\.(png|jpe?g|gif|webp|avif|bmp|svg)$/i;

/** An attachment: an image preview when it is one, its name, size and expiry. */
export function Attachment({ attachment, now }: { attachment: MessageAttachment; now: number }) {
  const t = useT();
  const language = useLanguage();
  const [imageFailed, setImageFailed] = useState(false);
  const url = webUrl(attachment.url);
  const expired = attachment.expires !== undefined && attachment.expires * 1000 <= now;
  const image = attachment.type ? attachment.type.startsWith('image/') : IMAGE_NAME.test(attachment.name);
  const details = [
    formatSize(attachment.size, language),
    attachment.expires !== undefined && !expired ? t('attachment.expires', { time: formatTime(attachment.expires, language) }) : '',
  ].filter(Boolean).join(' · ');
  return (
    <figure className={`attachment${expired ? ' expired' : ''}`}>
      {image && url && !expired && !imageFailed && (
        <a href={url} target="_blank" rel="noopener noreferrer" className="preview">
          <img src={url} alt={attachment.name} loading="lazy" onError={() => setImageFailed(true)} />
        </a>
      )}
      <figcaption>
        <span className="visually-hidden">{t('attachment.label')}: </span>
        {url && !expired
          ? <a href={url} target="_blank" rel="noopener noreferrer" aria-label={t('attachment.download', { name: attachment.name })}>{attachment.name}</a>
          : <span className="name">{attachment.name}</span>}
        {details && <span className="details"> · {details}</span>}
        {expired && <span className="badge expired-badge" title={t('attachment.expiredLong')}> {t('attachment.expired')}</span>}
        {expired && attachment.expires !== undefined && <time dateTime={isoTime(attachment.expires)} className="details"> ({formatTime(attachment.expires, language)})</time>}
        {imageFailed && <span className="error"> {t('attachment.imageFailed')}</span>}
      </figcaption>
    </figure>
  );
}
