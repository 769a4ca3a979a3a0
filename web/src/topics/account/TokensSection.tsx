import { useState, type FormEvent } from 'react';
import { accountApi, type Account } from './account-api.js';
import { refreshAccount } from './account-store.js';
import { formatTime, shortToken } from './format.js';
import { getSession } from './session.js';
import { ActionMessages, useAction } from './use-action.js';

const EXPIRIES: [string, number][] = [
  ['Never', 0], ['1 hour', 3600], ['1 day', 86400], ['7 days', 7 * 86400], ['30 days', 30 * 86400], ['90 days', 90 * 86400],
];

/**
 * Access tokens: for scripts and apps that publish or subscribe as this user (`Authorization:
 * Bearer tk_…`). The web app's own login token is marked and cannot be deleted here (log out
 * instead).
 */
export function TokensSection({ account }: { account: Account }) {
  const [label, setLabel] = useState('');
  const [expiry, setExpiry] = useState(0);
  const [created, setCreated] = useState('');
  const { busy, error, notice, run } = useAction();
  const current = getSession()?.token;
  const tokens = account.tokens ?? [];

  const create = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const expires = expiry > 0 ? Math.floor(Date.now() / 1000) + expiry : 0;
      const token = await accountApi.createToken(label.trim(), expires);
      setCreated(token.token);
      setLabel('');
      await refreshAccount();
      return 'Token created.';
    });
  };
  const remove = (token: string, name: string) => void run(async () => {
    await accountApi.deleteToken(token);
    if (token === created) setCreated('');
    await refreshAccount();
    return `Token ${name} deleted.`;
  });

  return (
    <section className="account-card" aria-labelledby="tokens-title">
      <h2 id="tokens-title">Access tokens</h2>
      <p>Use a token instead of your password in scripts and apps: <code>Authorization: Bearer tk_…</code>.</p>
      {tokens.length === 0 ? <p>No tokens.</p> : (
        <table className="account-table">
          <caption className="visually-hidden">Your access tokens</caption>
          <thead><tr><th scope="col">Label</th><th scope="col">Token</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {tokens.map((t) => {
              const name = t.label || shortToken(t.token);
              const mine = t.token === current;
              return (
                <tr key={t.token}>
                  <td>{t.label || <em>no label</em>}{mine && <> <span className="account-badge">this browser</span></>}</td>
                  <td><code title={t.token}>{shortToken(t.token)}</code></td>
                  <td>{formatTime(t.expires, 'never')}</td>
                  <td>{formatTime(t.last_access, 'never')}{t.last_origin ? ` from ${t.last_origin}` : ''}</td>
                  <td>
                    {mine || t.provisioned ? <span className="account-muted">{mine ? 'log out to delete' : 'set in the config'}</span> : (
                      <button type="button" disabled={busy} aria-label={`Delete token ${name}`} onClick={() => remove(t.token, name)}>Delete</button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {created && (
        <div className="account-created" role="group" aria-label="New token">
          <p>Your new token (it is also listed above):</p>
          <input readOnly aria-label="New token value" value={created} onFocus={(e) => e.currentTarget.select()} />
          <button type="button" onClick={() => void navigator.clipboard?.writeText(created)}>Copy</button>
        </div>
      )}
      <form className="account-form account-inline" onSubmit={create} aria-label="Create a token">
        <label>Label<input name="label" value={label} maxLength={200} onChange={(e) => setLabel(e.target.value)} placeholder="e.g. backup script" /></label>
        <label>Expires after
          <select name="expires" value={expiry} onChange={(e) => setExpiry(Number(e.target.value))}>
            {EXPIRIES.map(([text, seconds]) => <option key={seconds} value={seconds}>{text}</option>)}
          </select>
        </label>
        <button type="submit" disabled={busy}>Create token</button>
      </form>
      <ActionMessages error={error} notice={notice} />
    </section>
  );
}
