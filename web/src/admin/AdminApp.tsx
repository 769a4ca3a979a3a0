import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { ApiError, type Credentials } from '../shared/api.js';
import { SECTIONS } from './section-list.js';
import { allowed } from './sections.js';
import { apiFor, loadCredentials, saveCredentials, whoami, type Identity } from './session.js';

const BASE = '/admin';

function currentPath(): string {
  return location.pathname.slice(BASE.length).replace(/^\/+|\/+$/g, '');
}

/** Moves within the console without reloading; screens call it for links to details. */
export function navigate(path: string): void {
  history.pushState(null, '', `${BASE}/${path}`);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function AdminApp() {
  const [credentials, setCredentials] = useState<Credentials>(loadCredentials);
  const [identity, setIdentity] = useState<Identity>();
  const [error, setError] = useState('');
  const [path, setPath] = useState(currentPath);

  useEffect(() => {
    const onPop = () => setPath(currentPath());
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  useEffect(() => {
    if (!credentials) return;
    whoami(credentials).then(setIdentity, (err: unknown) => {
      setError(err instanceof ApiError ? err.message : String(err));
      saveCredentials(undefined);
      setCredentials(undefined);
    });
  }, [credentials]);

  const api = useMemo(() => apiFor(credentials, (err) => {
    setError(`${err.message}. Log in again.`);
    saveCredentials(undefined);
    setIdentity(undefined);
    setCredentials(undefined);
  }), [credentials]);
  if (!credentials || !identity) return <Login error={error} onLogin={(c) => { setError(''); saveCredentials(c); setCredentials(c); }} />;

  const visible = SECTIONS.filter((s) => allowed(identity, s.scope));
  const section = visible.find((s) => path === s.path || path.startsWith(`${s.path}/`)) ?? visible[0];
  const logout = () => { saveCredentials(undefined); setIdentity(undefined); setCredentials(undefined); };

  return (
    <div className="console">
      <nav aria-label="Console">
        <div className="brand">Herald admin</div>
        {(['Overview', 'Push', 'Notify', 'Access'] as const).map((group) => {
          const items = visible.filter((s) => s.group === group);
          if (items.length === 0) return null;
          return (
            <section key={group}>
              <h2>{group}</h2>
              <ul>
                {items.map((s) => (
                  <li key={s.path}>
                    <a href={`${BASE}/${s.path}`} aria-current={s === section ? 'page' : undefined}
                      onClick={(e) => { e.preventDefault(); navigate(s.path); }}>{s.label}</a>
                  </li>
                ))}
              </ul>
            </section>
          );
        })}
        <p className="who">{identity.kind === 'key' ? 'Key' : 'User'} {identity.name} · <button type="button" onClick={logout}>Log out</button></p>
      </nav>
      <main>
        {section ? <section.screen api={api} identity={identity} /> : <p role="alert">These credentials may not see any part of the console.</p>}
      </main>
    </div>
  );
}

function Login({ error, onLogin }: { error: string; onLogin: (c: Credentials) => void }) {
  const [mode, setMode] = useState<'user' | 'key'>('user');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [key, setKey] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onLogin(mode === 'key' ? { kind: 'bearer', token: key.trim() } : { kind: 'basic', username, password });
  };
  return (
    <main className="login">
      <h1>Herald admin</h1>
      <form onSubmit={submit} aria-label="Log in">
        <fieldset>
          <legend>Log in with</legend>
          <label><input type="radio" name="mode" checked={mode === 'user'} onChange={() => setMode('user')} /> an admin user</label>
          <label><input type="radio" name="mode" checked={mode === 'key'} onChange={() => setMode('key')} /> an API key</label>
        </fieldset>
        {mode === 'user' ? (
          <>
            <label>Username <input autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required /></label>
            <label>Password <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required /></label>
          </>
        ) : (
          <label>API key <input autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} required /></label>
        )}
        {error && <p role="alert">{error}</p>}
        <button>Log in</button>
      </form>
    </main>
  );
}
