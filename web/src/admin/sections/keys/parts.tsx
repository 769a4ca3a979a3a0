import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../../../shared/api.js';
import './access.css';

/**
 * Pieces the Access screens (users, API keys, audit log) share: loading with the failure in
 * words, a confirmation dialog, and the once-only display of a new secret.
 */

export function messageOf(err: unknown): string {
  return err instanceof ApiError ? err.message : err instanceof Error ? err.message : String(err);
}

/** Unix seconds as the reader's local date and time; "never" for 0 or absent. */
export function formatTime(sec: number | undefined, never = 'never'): string {
  if (!sec) return never;
  return new Date(sec * 1000).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export interface Loaded<T> { data: T | undefined; error: string; loading: boolean; reload(): void }

/** Runs `load` now and on every `reload()`; a failure is kept as words to show. */
export function useLoaded<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  const run = useCallback(load, deps);
  useEffect(() => {
    let live = true;
    setLoading(true);
    run().then(
      (value) => { if (live) { setData(value); setError(''); setLoading(false); } },
      (err: unknown) => { if (live) { setError(messageOf(err)); setLoading(false); } },
    );
    return () => { live = false; };
  }, [run, round]);
  return { data, error, loading, reload: () => setRound((r) => r + 1) };
}

/** Says what failed, in words, where the reader is looking (and to screen readers at once). */
export function Failure({ error }: { error: string }) {
  return error ? <p role="alert" className="failure">{error}</p> : null;
}

/**
 * A modal question before something that cannot be undone (revoke, rotate, delete). `children`
 * may hold choices; `onConfirm` runs on the confirming button, and the dialog closes after it.
 */
export function ConfirmDialog({ title, confirmLabel, danger, onConfirm, onClose, children }: {
  title: string;
  confirmLabel: string;
  danger?: boolean;
  onConfirm(): void | Promise<void>;
  onClose(): void;
  children?: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  const confirm = async () => {
    setBusy(true);
    setError('');
    try {
      await onConfirm();
      onClose();
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };
  return (
    <dialog ref={ref} className="confirm" aria-labelledby={titleId} onCancel={(e) => { e.preventDefault(); onClose(); }}>
      <h2 id={titleId}>{title}</h2>
      {children}
      <Failure error={error} />
      <div className="buttons">
        <button type="button" onClick={onClose} autoFocus>Cancel</button>
        <button type="button" className={danger ? 'danger' : 'primary'} onClick={() => void confirm()} disabled={busy}>{confirmLabel}</button>
      </div>
    </dialog>
  );
}

/**
 * A secret (API key, access token) just made: shown here once, with a copy button and a plain
 * warning that it cannot be shown again. `onDone` forgets it.
 */
export function SecretOnce({ title, secret, onDone }: { title: string; secret: string; onDone(): void }) {
  const headingId = useId();
  const fieldId = useId();
  const [copyState, setCopyState] = useState('');
  const field = useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopyState('Copied to the clipboard.');
    } catch {
      field.current?.select();
      setCopyState('The browser did not allow copying: the text is selected, copy it with Ctrl+C (⌘C).');
    }
  };
  return (
    <section className="secret-once" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      <p className="warning"><strong>Copy it now: you will not see it again.</strong> Herald keeps only a hash of it.</p>
      <div className="secret-row">
        <label htmlFor={fieldId}>Secret</label>
        <input id={fieldId} ref={field} readOnly value={secret} className="secret" onFocus={(e) => e.currentTarget.select()} />
        <button type="button" onClick={() => void copy()}>Copy</button>
      </div>
      <p role="status">{copyState}</p>
      <button type="button" onClick={onDone}>I have copied it</button>
    </section>
  );
}

/** The part of the console's path below a section (`users/ben` → `ben` for section `users`). */
export function pathBelow(section: string): string {
  const rest = location.pathname.replace(/^\/admin\/?/, '').replace(/\/+$/, '');
  return rest.startsWith(`${section}/`) ? decodeURIComponent(rest.slice(section.length + 1)) : '';
}

/** Moves within the console without reloading (as the shell's own navigation does). */
export function go(path: string): void {
  history.pushState(null, '', `/admin/${path}`);
  dispatchEvent(new PopStateEvent('popstate'));
}
