import { useState, type FormEvent } from 'react';
import { ApiError } from '../../shared/api.js';
import { accountApi } from './account-api.js';
import { navigate } from './routes.js';
import { forgetSession } from './session.js';
import { ActionMessages, useAction } from './use-action.js';

/** A 401 or 400 on a password check means the current password was wrong. */
function passwordFailure(err: unknown): Error {
  if (err instanceof ApiError && (err.status === 401 || err.code === 40026)) return new Error('The current password is wrong.');
  return err instanceof Error ? err : new Error(String(err));
}

export function PasswordSection() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const { busy, error, notice, run } = useAction();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      if (next !== confirm) throw new Error('The two new passwords differ.');
      try {
        await accountApi.changePassword(current, next);
      } catch (err) {
        throw passwordFailure(err);
      }
      setCurrent('');
      setNext('');
      setConfirm('');
      return 'Password changed.';
    });
  };

  return (
    <section className="account-card" aria-labelledby="password-title">
      <h2 id="password-title">Change password</h2>
      <form className="account-form" onSubmit={submit}>
        <label>Current password<input name="current-password" type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} /></label>
        <label>New password<input name="new-password" type="password" autoComplete="new-password" required value={next} onChange={(e) => setNext(e.target.value)} /></label>
        <label>Confirm new password<input name="confirm-password" type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} /></label>
        <button type="submit" disabled={busy || !current || !next || !confirm}>Change password</button>
      </form>
      <ActionMessages error={error} notice={notice} />
    </section>
  );
}

/** Deleting the account takes two steps and the password, so no stray click can do it. */
export function DeleteAccountSection() {
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const { busy, error, notice, run } = useAction();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      try {
        await accountApi.deleteAccount(password);
      } catch (err) {
        throw passwordFailure(err);
      }
      forgetSession();
      navigate('/', true);
    });
  };

  return (
    <section className="account-card account-danger" aria-labelledby="delete-title">
      <h2 id="delete-title">Delete account</h2>
      <p>Deletes your account, its tokens, reservations and synced subscriptions. This cannot be undone.</p>
      {!open ? <button type="button" onClick={() => setOpen(true)}>Delete account…</button> : (
        <form className="account-form" onSubmit={submit} aria-label="Confirm account deletion">
          <label>Password, to confirm<input name="delete-password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} /></label>
          <div className="account-buttons">
            <button type="submit" className="account-danger-button" disabled={busy || !password}>Delete my account permanently</button>
            <button type="button" onClick={() => { setOpen(false); setPassword(''); }}>Cancel</button>
          </div>
        </form>
      )}
      <ActionMessages error={error} notice={notice} />
    </section>
  );
}
