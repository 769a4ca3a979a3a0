import { cloneElement, useCallback, useEffect, useId, useRef, useState, type ReactElement } from 'react';
import { ApiError } from '../../../shared/api.js';
import './push-screens.css';

/** Small pieces the Push screens (devices, pushes, dead letters) share. */

export const PROVIDERS = ['apns', 'fcm', 'hms', 'webpush'] as const;
export type ProviderName = (typeof PROVIDERS)[number];
export const PROVIDER_LABEL: Record<ProviderName, string> = { apns: 'APNs', fcm: 'FCM', hms: 'HMS', webpush: 'Web Push' };

/** Delivery states after which nothing more happens on Herald's side. */
export const FINAL_DELIVERY_STATES = new Set(['sent', 'failed', 'invalid_token', 'expired', 'cancelled', 'dead', 'dropped', 'delivered', 'interacted']);

/** A failure in words, for the person at the screen. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

export function ErrorText({ error }: { error: string }) {
  return error ? <p role="alert" className="push-error">{error}</p> : null;
}

/** What is under /admin/<section>/…, e.g. `dev_123` for /admin/devices/dev_123. */
export function subPath(section: string): string {
  const rest = location.pathname.replace(/^\/admin\/?/, '');
  if (rest !== section && !rest.startsWith(`${section}/`)) return '';
  return decodeURIComponent(rest.slice(section.length).replace(/^\/+|\/+$/g, ''));
}

export function time(iso: string | undefined | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function StateBadge({ state }: { state: string }) {
  return <span className={`push-state push-state-${state}`}>{state.replace(/_/g, ' ')}</span>;
}

/** JSON shown as code, named by its caption; it scrolls, so it takes keyboard focus. */
export function Json({ value, label }: { value: unknown; label: string }) {
  return (
    <figure className="push-json-figure">
      <figcaption>{label}</figcaption>
      <pre className="push-json" tabIndex={0}>{JSON.stringify(value, null, 2)}</pre>
    </figure>
  );
}

/** A button that asks once more before acting; the question and the answer are read out. */
export function ConfirmButton({ label, question, confirmLabel, onConfirm, disabled }: {
  label: string; question: string; confirmLabel: string; onConfirm: () => void | Promise<void>; disabled?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const yes = useRef<HTMLButtonElement>(null);
  useEffect(() => { if (asking) yes.current?.focus(); }, [asking]);
  if (!asking) return <button type="button" className="push-danger" disabled={disabled} onClick={() => setAsking(true)}>{label}</button>;
  return (
    <span role="group" aria-label={question} className="push-confirm">
      <span>{question}</span>{' '}
      <button ref={yes} type="button" className="push-danger" disabled={busy}
        onClick={async () => { setBusy(true); try { await onConfirm(); } finally { setBusy(false); setAsking(false); } }}>{confirmLabel}</button>{' '}
      <button type="button" onClick={() => setAsking(false)} disabled={busy}>Keep</button>
    </span>
  );
}

/**
 * A paged list: loads the first page for `query`, then more with `next_cursor`. `reload()` starts
 * over (after a change); a failed page leaves what was shown and says what went wrong.
 */
export function usePaged<T>(load: (cursor: string | undefined) => Promise<{ items: T[]; next?: string; total?: number }>, deps: unknown[]) {
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState<string>();
  const [total, setTotal] = useState<number>();
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const loader = useCallback(load, deps);
  const fetchPage = useCallback(async (cursor: string | undefined, append: boolean) => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const page = await loader(cursor);
      if (mine !== generation.current) return;
      setItems((old) => (append ? [...old, ...page.items] : page.items));
      setNext(page.next);
      if (!append) setTotal(page.total);
      setError('');
    } catch (err) {
      if (mine === generation.current) setError(messageOf(err));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [loader]);
  useEffect(() => { void fetchPage(undefined, false); }, [fetchPage]);
  return {
    items, total, error, loading, hasMore: next !== undefined,
    more: () => fetchPage(next, true),
    reload: () => fetchPage(undefined, false),
  };
}

export function MoreButton({ paged }: { paged: { hasMore: boolean; loading: boolean; more(): void } }) {
  if (!paged.hasMore) return null;
  return <p><button type="button" onClick={() => paged.more()} disabled={paged.loading}>Load more</button></p>;
}

/** A labelled control; the hint, if any, describes it without being part of its name. */
export function Field({ label, children, hint }: { label: string; children: ReactElement<Record<string, unknown>>; hint?: string }) {
  const id = useId();
  const own = children.props['aria-describedby'];
  const describedBy = [hint ? `${id}-hint` : '', typeof own === 'string' ? own : ''].filter(Boolean).join(' ');
  return (
    <div className="push-field">
      <label htmlFor={id}>{label}</label>
      {cloneElement(children, { id, ...(describedBy ? { 'aria-describedby': describedBy } : {}) })}
      {hint && <small id={`${id}-hint`}>{hint}</small>}
    </div>
  );
}
