import { useState, type FormEvent } from 'react';
import type { SectionProps } from '../../sections.js';
import { ConfirmDialog, Failure, formatTime, messageOf, SecretOnce, useLoaded } from './parts.js';

/** An API key as `GET /v1/keys` lists it (never its secret). */
interface Key {
  id: string; name: string; prefix: string; scopes: string[]; categories: string[];
  created: number; expires?: number; last_used?: number; revoked?: number;
}
type NewKey = Key & { key: string };

/** Herald's API scopes (src/core/keys/scopes.ts), with what each lets a key do. */
const SCOPES: [string, string][] = [
  ['push:send', 'send pushes'], ['push:read', 'read pushes'],
  ['devices:read', 'read devices'], ['devices:write', 'register and remove devices'],
  ['subscribers:read', 'read subscribers'], ['subscribers:write', 'change subscribers'],
  ['templates:read', 'read templates'], ['templates:write', 'change templates'],
  ['notify:send', 'send notifications'], ['notify:read', 'read notifications'],
  ['dlq:read', 'read dead letters'], ['dlq:write', 'replay dead letters'],
  ['stats:read', 'read statistics'], ['audit:read', 'read the audit log'],
  ['events:read', 'read event webhooks'], ['events:write', 'change event webhooks'],
  ['keys:write', 'manage API keys'], ['admin', 'everything'],
];

const EXPIRIES: [string, string][] = [['', 'Never'], ['30d', 'In 30 days'], ['90d', 'In 90 days'], ['365d', 'In a year']];
const OVERLAPS: [string, string][] = [['0', 'End the old secret now'], ['1h', 'Keep the old secret working for 1 hour'], ['24h', 'Keep the old secret working for 24 hours']];

function stateOf(k: Key): 'revoked' | 'expired' | 'active' {
  if (k.revoked) return 'revoked';
  if (k.expires && k.expires * 1000 <= Date.now()) return 'expired';
  return 'active';
}

/** API keys: create (the secret shown once), list, rotate and revoke. */
export function KeysScreen({ api }: SectionProps) {
  const keys = useLoaded(() => api.call<Key[]>('/v1/keys'), [api]);
  const [fresh, setFresh] = useState<{ title: string; secret: string }>();
  const [showEnded, setShowEnded] = useState(false);
  const [asking, setAsking] = useState<{ kind: 'rotate' | 'revoke'; key: Key }>();
  const [overlap, setOverlap] = useState('24h');
  const [notice, setNotice] = useState('');

  const list = (keys.data ?? []).filter((k) => showEnded || stateOf(k) === 'active');
  const ended = (keys.data ?? []).length - (keys.data ?? []).filter((k) => stateOf(k) === 'active').length;

  const rotate = async (key: Key) => {
    const next = await api.call<NewKey>(`/v1/keys/${key.id}/rotate`, { method: 'POST', body: { overlap } });
    setFresh({ title: `New secret for “${next.name}” (${next.id})`, secret: next.key });
    setNotice(overlap === '0' ? `The old secret of “${key.name}” no longer works.` : `The old secret of “${key.name}” keeps working until ${formatTime(Math.floor(Date.now() / 1000) + (overlap === '1h' ? 3600 : 86400))}.`);
    keys.reload();
  };
  const revoke = async (key: Key) => {
    await api.call(`/v1/keys/${key.id}`, { method: 'DELETE' });
    setNotice(`“${key.name}” is revoked: it no longer works.`);
    keys.reload();
  };

  return (
    <div className="access">
      <h1>API keys</h1>
      {fresh && <SecretOnce title={fresh.title} secret={fresh.secret} onDone={() => setFresh(undefined)} />}
      <CreateKey api={api} onCreated={(k) => { setFresh({ title: `New key “${k.name}” (${k.id})`, secret: k.key }); setNotice(''); keys.reload(); }} />
      <h2 id="keys-heading">Keys</h2>
      <p role="status">{notice}</p>
      <Failure error={keys.error} />
      <label><input type="checkbox" checked={showEnded} onChange={(e) => setShowEnded(e.target.checked)} /> Show revoked and expired keys ({ended})</label>
      {keys.loading && !keys.data ? <p>Loading…</p> : list.length === 0 ? <p>No {showEnded ? '' : 'active '}keys yet.</p> : (
        <table aria-labelledby="keys-heading">
          <thead><tr><th>Name</th><th>Key</th><th>Scopes</th><th>Categories</th><th>Created</th><th>Expires</th><th>Last used</th><th>State</th><th><span className="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {list.map((k) => {
              const state = stateOf(k);
              return (
                <tr key={k.id} className={`state-${state}`}>
                  <td>{k.name}</td>
                  <td><code>{k.id}</code><br /><code>{k.prefix}…</code></td>
                  <td>{k.scopes.map((s) => <span key={s} className="chip">{s}</span>)}</td>
                  <td>{k.categories.length === 0 ? 'all' : k.categories.map((c) => <span key={c} className="chip">{c}</span>)}</td>
                  <td>{formatTime(k.created)}</td>
                  <td>{formatTime(k.expires)}</td>
                  <td>{formatTime(k.last_used)}</td>
                  <td>{state === 'revoked' ? `revoked ${formatTime(k.revoked)}` : state}</td>
                  <td className="actions">
                    {state === 'active' && <>
                      <button type="button" aria-label={`Rotate ${k.name}`} onClick={() => { setOverlap('24h'); setAsking({ kind: 'rotate', key: k }); }}>Rotate</button>
                      <button type="button" aria-label={`Revoke ${k.name}`} onClick={() => setAsking({ kind: 'revoke', key: k })}>Revoke</button>
                    </>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {asking?.kind === 'rotate' && (
        <ConfirmDialog title={`Rotate “${asking.key.name}”?`} confirmLabel="Rotate" onClose={() => setAsking(undefined)} onConfirm={() => rotate(asking.key)}>
          <p>A new secret is made with the same name, scopes and categories (under a new key id). Services must switch to it.</p>
          <fieldset>
            <legend>The old secret</legend>
            {OVERLAPS.map(([value, label]) => (
              <label key={value}><input type="radio" name="overlap" value={value} checked={overlap === value} onChange={() => setOverlap(value)} /> {label}</label>
            ))}
          </fieldset>
        </ConfirmDialog>
      )}
      {asking?.kind === 'revoke' && (
        <ConfirmDialog title={`Revoke “${asking.key.name}”?`} confirmLabel="Revoke" danger onClose={() => setAsking(undefined)} onConfirm={() => revoke(asking.key)}>
          <p>Every request with this key fails from now on and its open streams end. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function CreateKey({ api, onCreated }: Pick<SectionProps, 'api'> & { onCreated(k: NewKey): void }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [categories, setCategories] = useState('');
  const [expires, setExpires] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (scopes.length === 0) { setError('Choose at least one scope.'); return; }
    setBusy(true);
    setError('');
    try {
      const cats = categories.split(/[\s,]+/).map((c) => c.trim()).filter(Boolean);
      const created = await api.call<NewKey>('/v1/keys', { method: 'POST', body: { name: name.trim(), scopes, ...(cats.length ? { categories: cats } : {}), ...(expires ? { expires } : {}) } });
      setName(''); setScopes([]); setCategories(''); setExpires('');
      onCreated(created);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const toggle = (scope: string, on: boolean) => setScopes((s) => on ? [...s, scope] : s.filter((x) => x !== scope));
  return (
    <form className="card" aria-label="Create an API key" onSubmit={(e) => void submit(e)}>
      <h2>Create a key</h2>
      <label>Name <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} placeholder="shop backend" /></label>
      <fieldset className="scopes">
        <legend>Scopes</legend>
        {SCOPES.map(([scope, what]) => (
          <label key={scope} title={what}><input type="checkbox" checked={scopes.includes(scope)} onChange={(e) => toggle(scope, e.target.checked)} /> <code>{scope}</code></label>
        ))}
      </fieldset>
      <label>Categories <input value={categories} onChange={(e) => setCategories(e.target.value)} placeholder="orders, billing" aria-describedby="key-categories-hint" /></label>
      <p id="key-categories-hint" className="hint">Notification categories the key may act in, separated by commas; empty for all.</p>
      <label>Expires
        <select value={expires} onChange={(e) => setExpires(e.target.value)}>
          {EXPIRIES.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
        </select>
      </label>
      <Failure error={error} />
      <div><button className="primary" disabled={busy}>Create key</button></div>
    </form>
  );
}
