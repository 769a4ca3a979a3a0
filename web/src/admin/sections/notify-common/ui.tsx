import { useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../../../shared/api.js';
import './notify.css';

/** The console's notify screens share these: sub-paths, words for failures, a confirm dialog, times. */

const BASE = '/admin/';

/** What follows `<section>/` in the console's path (a subscriber id, a template name), decoded; undefined on the section's own page. */
export function useSubPath(section: string): string | undefined {
  const [path, setPath] = useState(() => location.pathname);
  useEffect(() => {
    const onPop = () => setPath(location.pathname);
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  const rest = path.startsWith(`${BASE}${section}/`) ? path.slice(BASE.length + section.length + 1).replace(/\/+$/, '') : '';
  return rest ? decodeURIComponent(rest) : undefined;
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** A failure (role=alert) or a confirmation (role=status) shown where the action was taken. */
export function Notice({ error, done }: { error?: string | undefined; done?: string | undefined }) {
  return (
    <>
      {error ? <p role="alert" className="notice">{error}</p> : null}
      <p role="status" className="notice done">{done ?? ''}</p>
    </>
  );
}

export function when(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** A modal asking to confirm something that cannot be undone; focus goes to Cancel first. */
export function ConfirmDialog({ open, title, children, confirm, onConfirm, onCancel }: {
  open: boolean; title: string; children: ReactNode; confirm: string; onConfirm: () => void; onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onCancel={(e) => { e.preventDefault(); onCancel(); }} className="confirm">
      <h2 id="confirm-title">{title}</h2>
      <div>{children}</div>
      <form method="dialog" onSubmit={(e) => e.preventDefault()}>
        <button type="button" autoFocus onClick={onCancel}>Cancel</button>
        <button type="button" className="danger" onClick={onConfirm}>{confirm}</button>
      </form>
    </dialog>
  );
}

/** Saves `data` as a JSON file through the browser's download. */
export function downloadJson(name: string, data: unknown): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export const CHANNELS = ['push', 'email', 'sms', 'inapp', 'webhook'] as const;
export type Channel = (typeof CHANNELS)[number];
export const CHANNEL_LABELS: Record<Channel, string> = { push: 'Push', email: 'E-mail', sms: 'SMS', inapp: 'In-app', webhook: 'Webhook' };

/** A state word as a badge; the colour only repeats what the word says. */
export function StateBadge({ state }: { state: string }) {
  return <span className={`state state-${state}`}>{state}</span>;
}
