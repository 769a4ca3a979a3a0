import { useMemo, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../../shared/api.js';
import { baseUrl as ownServer } from '../../shared/server-config.js';
import { Dialog } from '../Dialog.js';
import { useLanguage, useT } from '../i18n/index.js';
import { formatSize } from '../notifications/format.js';
import { store, TOPIC_PATTERN, useStoreVersion } from '../state/index.js';
import { publish, type Draft } from './send.js';

const EMPTY: Draft = { topic: '', title: '', message: '', markdown: false, priority: 3, tags: '', delay: '', click: '', email: '' };

/** The publish dialog: every ntfy field, and an attachment upload with a progress bar. */
export function PublishDialog({ onClose, initial }: { onClose: () => void; initial?: { baseUrl: string; topic: string } }) {
  const t = useT();
  const language = useLanguage();
  const version = useStoreVersion();
  const [server, setServer] = useState(initial?.baseUrl ?? ownServer);
  const [draft, setDraft] = useState<Draft>({ ...EMPTY, topic: initial?.topic ?? '' });
  const [file, setFile] = useState<File | undefined>();
  const [progress, setProgress] = useState<number | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [sent, setSent] = useState('');
  const fileInput = useRef<HTMLInputElement>(null);

  const servers = useMemo(() => [...new Set([ownServer, ...store.list().map((s) => s.baseUrl)])], [version]);
  const topics = useMemo(() => store.list().filter((s) => s.baseUrl === server).map((s) => s.topic), [version, server]);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    setSent('');
    if (!TOPIC_PATTERN.test(draft.topic)) return setError(t('publish.needTopic'));
    if (!draft.message.trim() && !file) return setError(t('publish.needMessage'));
    setBusy(true);
    setProgress(file ? 0 : undefined);
    try {
      await publish(draft, {
        baseUrl: server, file, credentials: store.credentialsFor({ baseUrl: server, topic: draft.topic }),
        onProgress: setProgress, droppedMessage: t('publish.uploadFailed'),
      });
      setSent(t('publish.sent'));
      setDraft((d) => ({ ...EMPTY, topic: d.topic }));
      setFile(undefined);
      if (fileInput.current) fileInput.current.value = '';
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={t('publish.title')} onClose={onClose} className="publish">
      <form onSubmit={submit} className="stack" noValidate>
        <div className="row">
          {servers.length > 1 && (
            <label>
              {t('publish.server')}
              <select value={server} onChange={(e) => setServer(e.target.value)}>
                {servers.map((s) => <option key={s} value={s}>{s}</option>)}
              </select>
            </label>
          )}
          <label>
            {t('publish.topic')}
            <input name="topic" value={draft.topic} onChange={(e) => set('topic', e.target.value)} list="publish-topics" autoComplete="off" spellCheck={false} required />
            <datalist id="publish-topics">{topics.map((x) => <option key={x} value={x} />)}</datalist>
          </label>
        </div>
        <label>
          {t('publish.msgTitle')}
          <input name="title" value={draft.title} onChange={(e) => set('title', e.target.value)} />
        </label>
        <label>
          {t('publish.message')}
          <textarea name="message" rows={4} value={draft.message} onChange={(e) => set('message', e.target.value)} />
        </label>
        <label className="check">
          <input type="checkbox" checked={draft.markdown} onChange={(e) => set('markdown', e.target.checked)} />
          {t('publish.markdown')}
        </label>
        <div className="row">
          <label>
            {t('publish.priority')}
            <select value={draft.priority} onChange={(e) => set('priority', Number(e.target.value))}>
              {[5, 4, 3, 2, 1].map((p) => <option key={p} value={p}>{t(`priority.${p}` as 'priority.1')}</option>)}
            </select>
          </label>
          <label>
            {t('publish.tags')}
            <input name="tags" value={draft.tags} onChange={(e) => set('tags', e.target.value)} aria-describedby="publish-tags-hint" />
          </label>
          <label>
            {t('publish.delay')}
            <input name="delay" value={draft.delay} onChange={(e) => set('delay', e.target.value)} placeholder={t('publish.delayHint')} />
          </label>
        </div>
        <p id="publish-tags-hint" className="hint">{t('publish.tagsHint')}</p>
        <div className="row">
          <label>
            {t('publish.click')}
            <input name="click" type="url" value={draft.click} onChange={(e) => set('click', e.target.value)} placeholder="https://" />
          </label>
          <label>
            {t('publish.email')}
            <input name="email" type="email" value={draft.email} onChange={(e) => set('email', e.target.value)} />
          </label>
        </div>
        <label>
          {t('publish.attachment')}
          <input ref={fileInput} name="attachment" type="file" onChange={(e) => { setFile(e.target.files?.[0]); setProgress(undefined); }} />
        </label>
        {file && (
          <p className="file">
            {file.name} · {formatSize(file.size, language)}{' '}
            <button type="button" className="small" onClick={() => { setFile(undefined); if (fileInput.current) fileInput.current.value = ''; }}>{t('publish.removeFile')}</button>
          </p>
        )}
        {progress !== undefined && (
          <div className="progress">
            <progress max={1} value={progress} aria-label={t('publish.progress')} />
            <span aria-hidden="true">{Math.round(progress * 100)}%</span>
          </div>
        )}
        {error && <p role="alert" className="error">{error}</p>}
        {sent && <p role="status" className="ok">{sent}</p>}
        <div className="buttons">
          <button type="button" onClick={onClose}>{t('common.close')}</button>
          <button type="submit" className="primary" disabled={busy}>{busy ? t('publish.sending') : t('publish.submit')}</button>
        </div>
      </form>
    </Dialog>
  );
}
