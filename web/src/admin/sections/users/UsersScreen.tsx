import { useState, type FormEvent } from 'react';
import { ApiError } from '../../../shared/api.js';
import type { Api } from '../../session.js';
import type { SectionProps } from '../../sections.js';
import { ConfirmDialog, Failure, formatTime, go, messageOf, pathBelow, SecretOnce, useLoaded } from '../keys/parts.js';

/** A user as ntfy's `GET /v1/users` lists it; `*` holds the grants of everyone. */
interface User {
  username: string; role: 'admin' | 'user'; tier?: string; provisioned?: boolean;
  grants: { topic: string; permission: Permission }[];
}
type Permission = 'read-write' | 'read-only' | 'write-only' | 'deny-all';
interface Tier { code?: string; name?: string }
interface Token { id: string; prefix: string; label?: string; last_access: number; last_origin?: string; expires?: number; provisioned?: true }

const PERMISSIONS: [Permission, string][] = [
  ['read-write', 'Read and write'], ['read-only', 'Read only'], ['write-only', 'Write only'], ['deny-all', 'Deny'],
];
const EVERYONE = '*';

function displayName(name: string): string {
  return name === EVERYONE ? 'Everyone (anonymous callers included)' : name;
}

/** Tiers, when the server has any (`/v1/tiers` is absent without them). */
async function loadTiers(api: Api): Promise<Tier[]> {
  try {
    return (await api.call<Tier[]>('/v1/tiers')).filter((t) => t.code);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return [];
    throw err;
  }
}

/** Users and access: ntfy accounts, their grants per topic pattern, and their access tokens. */
export function UsersScreen({ api, identity }: SectionProps) {
  const selected = pathBelow('users');
  if (identity.kind !== 'user') {
    return (
      <div className="access">
        <h1>Users</h1>
        <p role="alert">Accounts are managed by admin users only: log in as an admin user to see them.</p>
      </div>
    );
  }
  return selected ? <UserDetail key={selected} api={api} name={selected} /> : <UserList api={api} />;
}

function UserList({ api }: { api: Api }) {
  const users = useLoaded(() => api.call<User[]>('/v1/users'), [api]);
  const tiers = useLoaded(() => loadTiers(api), [api]);
  const [notice, setNotice] = useState('');
  return (
    <div className="access">
      <h1>Users</h1>
      <AddUser api={api} tiers={tiers.data ?? []} onAdded={(name) => { setNotice(`User ${name} added.`); users.reload(); }} />
      <h2 id="users-heading">Accounts</h2>
      <p role="status">{notice}</p>
      <Failure error={users.error || tiers.error} />
      {users.loading && !users.data ? <p>Loading…</p> : (
        <table aria-labelledby="users-heading">
          <thead><tr><th>User</th><th>Role</th><th>Tier</th><th>Grants</th></tr></thead>
          <tbody>
            {(users.data ?? []).map((u) => (
              <tr key={u.username}>
                <td>
                  <a href={`/admin/users/${encodeURIComponent(u.username)}`} onClick={(e) => { e.preventDefault(); go(`users/${encodeURIComponent(u.username)}`); }}>{displayName(u.username)}</a>
                  {u.provisioned && <> <span className="chip">from config</span></>}
                </td>
                <td>{u.username === EVERYONE ? '' : u.role}</td>
                <td>{u.tier ?? ''}</td>
                <td>{u.grants.length === 0 ? 'none' : u.grants.map((g) => <span key={g.topic} className="chip">{g.topic}: {g.permission}</span>)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function AddUser({ api, tiers, onAdded }: { api: Api; tiers: Tier[]; onAdded(name: string): void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<'user' | 'admin'>('user');
  const [tier, setTier] = useState('');
  const [error, setError] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    try {
      await api.call('/v1/users', { method: 'POST', body: { username: username.trim(), password, role, ...(tier ? { tier } : {}) } });
      onAdded(username.trim());
      setUsername(''); setPassword(''); setRole('user'); setTier('');
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <form className="card row" aria-label="Add a user" onSubmit={(e) => void submit(e)}>
      <label>Username <input value={username} onChange={(e) => setUsername(e.target.value)} required autoComplete="off" /></label>
      <label>Password <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} required autoComplete="new-password" /></label>
      <label>Role
        <select value={role} onChange={(e) => setRole(e.target.value as 'user' | 'admin')}><option value="user">user</option><option value="admin">admin</option></select>
      </label>
      {tiers.length > 0 && <TierSelect tiers={tiers} value={tier} onChange={setTier} />}
      <button className="primary">Add user</button>
      <Failure error={error} />
    </form>
  );
}

function TierSelect({ tiers, value, onChange }: { tiers: Tier[]; value: string; onChange(v: string): void }) {
  return (
    <label>Tier
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">(unchanged / none)</option>
        {tiers.map((t) => <option key={t.code} value={t.code}>{t.name ? `${t.name} (${t.code})` : t.code}</option>)}
      </select>
    </label>
  );
}

function UserDetail({ api, name }: { api: Api; name: string }) {
  const users = useLoaded(() => api.call<User[]>('/v1/users'), [api]);
  const tiers = useLoaded(() => loadTiers(api), [api]);
  const [notice, setNotice] = useState('');
  const [deleting, setDeleting] = useState(false);
  const user = users.data?.find((u) => u.username === name);
  const everyone = name === EVERYONE;
  const done = (text: string) => { setNotice(text); users.reload(); };

  return (
    <div className="access">
      <p><a href="/admin/users" onClick={(e) => { e.preventDefault(); go('users'); }}>← All users</a></p>
      <h1>{displayName(name)}</h1>
      <p role="status">{notice}</p>
      <Failure error={users.error || tiers.error} />
      {users.data && !user && <p role="alert">There is no user {name}.</p>}
      {user && <>
        {user.provisioned && <p className="hint">This user is defined in the server config; the API may not change it.</p>}
        {!everyone && <AccountForms api={api} user={user} tiers={tiers.data ?? []} onDone={done} onDelete={() => setDeleting(true)} />}
        <Grants api={api} user={user} onDone={done} />
        {!everyone && <Tokens api={api} name={name} />}
      </>}
      {deleting && (
        <ConfirmDialog title={`Delete user ${name}?`} confirmLabel="Delete user" danger onClose={() => setDeleting(false)}
          onConfirm={async () => { await api.call('/v1/users', { method: 'DELETE', body: { username: name } }); go('users'); }}>
          <p>The account, its grants, tokens and settings are removed. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function AccountForms({ api, user, tiers, onDone, onDelete }: { api: Api; user: User; tiers: Tier[]; onDone(text: string): void; onDelete(): void }) {
  const [role, setRole] = useState(user.role);
  const [tier, setTier] = useState(user.tier ?? '');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const change = async (body: object, text: string) => {
    setError('');
    try {
      await api.call('/v1/users', { method: 'PUT', body: { username: user.username, ...body } });
      onDone(text);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <>
      <h2>Account</h2>
      <form className="card row" aria-label="Role and tier" onSubmit={(e) => { e.preventDefault(); void change({ role, ...(tier && tier !== user.tier ? { tier } : {}) }, 'Role and tier saved.'); }}>
        <label>Role
          <select value={role} onChange={(e) => setRole(e.target.value as 'user' | 'admin')}><option value="user">user</option><option value="admin">admin</option></select>
        </label>
        {tiers.length > 0 && <TierSelect tiers={tiers} value={tier} onChange={setTier} />}
        <button>Save</button>
      </form>
      <form className="card row" aria-label="Change password" onSubmit={(e) => { e.preventDefault(); void change({ password }, 'Password changed.').then(() => setPassword('')); }}>
        <label>New password <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} required autoComplete="new-password" /></label>
        <button>Change password</button>
      </form>
      <Failure error={error} />
      <p><button type="button" className="danger" onClick={onDelete}>Delete user…</button></p>
    </>
  );
}

function Grants({ api, user, onDone }: { api: Api; user: User; onDone(text: string): void }) {
  const [topic, setTopic] = useState('');
  const [permission, setPermission] = useState<Permission>('read-write');
  const [error, setError] = useState('');
  const act = async (method: 'PUT' | 'DELETE', body: object, text: string) => {
    setError('');
    try {
      await api.call('/v1/users/access', { method, body: { username: user.username, ...body } });
      onDone(text);
      return true;
    } catch (err) {
      setError(messageOf(err));
      return false;
    }
  };
  return (
    <>
      <h2 id="grants-heading">Access to topics</h2>
      <p className="hint">A pattern may end in <code>*</code> (<code>backups*</code> is every topic starting with “backups”).</p>
      {user.grants.length === 0 ? <p>No grants: {user.username === EVERYONE ? 'the server default applies' : 'the server default and reservations apply'}.</p> : (
        <table aria-labelledby="grants-heading">
          <thead><tr><th>Topic pattern</th><th>Permission</th><th><span className="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {user.grants.map((g) => (
              <tr key={g.topic}>
                <td><code>{g.topic}</code></td>
                <td>{g.permission}</td>
                <td className="actions"><button type="button" aria-label={`Remove the grant on ${g.topic}`} onClick={() => void act('DELETE', { topic: g.topic }, `Grant on ${g.topic} removed.`)}>Remove</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="card row" aria-label="Grant access" onSubmit={(e) => { e.preventDefault(); void act('PUT', { topic: topic.trim(), permission }, `${permission} on ${topic.trim()} granted.`).then((ok) => ok && setTopic('')); }}>
        <label>Topic pattern <input value={topic} onChange={(e) => setTopic(e.target.value)} required pattern="[\-_*A-Za-z0-9]{1,64}" title="letters, digits, - and _, optionally * as a wildcard" /></label>
        <label>Permission
          <select value={permission} onChange={(e) => setPermission(e.target.value as Permission)}>
            {PERMISSIONS.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
          </select>
        </label>
        <button>Grant</button>
      </form>
      <Failure error={error} />
    </>
  );
}

const TOKEN_EXPIRIES: [number, string][] = [[0, 'Never'], [3 * 86400, 'In 3 days'], [30 * 86400, 'In 30 days'], [365 * 86400, 'In a year']];

function Tokens({ api, name }: { api: Api; name: string }) {
  const tokens = useLoaded(() => api.call<Token[]>(`/v1/users/tokens?username=${encodeURIComponent(name)}`), [api, name]);
  const [label, setLabel] = useState('');
  const [lifetime, setLifetime] = useState(0);
  const [fresh, setFresh] = useState<string>();
  const [error, setError] = useState('');
  const [removing, setRemoving] = useState<Token>();
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    try {
      const made = await api.call<Token & { token: string }>('/v1/users/tokens', { method: 'POST', body: { username: name, ...(label ? { label } : {}), ...(lifetime ? { expires: Math.floor(Date.now() / 1000) + lifetime } : {}) } });
      setFresh(made.token);
      setLabel('');
      tokens.reload();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <>
      <h2 id="tokens-heading">Access tokens</h2>
      {fresh && <SecretOnce title={`New token for ${name}`} secret={fresh} onDone={() => setFresh(undefined)} />}
      <Failure error={tokens.error} />
      {tokens.data && (tokens.data.length === 0 ? <p>No tokens.</p> : (
        <table aria-labelledby="tokens-heading">
          <thead><tr><th>Token</th><th>Label</th><th>Expires</th><th>Last used</th><th><span className="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {tokens.data.map((t) => (
              <tr key={t.id}>
                <td><code>{t.prefix}…</code></td>
                <td>{t.label ?? ''}{t.provisioned && <> <span className="chip">from config</span></>}</td>
                <td>{formatTime(t.expires)}</td>
                <td>{t.last_access ? `${formatTime(t.last_access)}${t.last_origin ? ` from ${t.last_origin}` : ''}` : 'never'}</td>
                <td className="actions">{!t.provisioned && <button type="button" aria-label={`Delete token ${t.prefix}`} onClick={() => setRemoving(t)}>Delete</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
      <form className="card row" aria-label="Create a token" onSubmit={(e) => void create(e)}>
        <label>Label <input value={label} onChange={(e) => setLabel(e.target.value)} maxLength={200} /></label>
        <label>Expires
          <select value={lifetime} onChange={(e) => setLifetime(Number(e.target.value))}>
            {TOKEN_EXPIRIES.map(([value, text]) => <option key={value} value={value}>{text}</option>)}
          </select>
        </label>
        <button>Create token</button>
      </form>
      <Failure error={error} />
      {removing && (
        <ConfirmDialog title={`Delete token ${removing.prefix}…?`} confirmLabel="Delete token" danger onClose={() => setRemoving(undefined)}
          onConfirm={async () => { await api.call('/v1/users/tokens', { method: 'DELETE', body: { username: name, id: removing.id } }); tokens.reload(); }}>
          <p>Requests with this token fail from now on and its open streams end.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
