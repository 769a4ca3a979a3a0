import { useState, type FormEvent } from 'react';
import { ApiError } from '../../shared/api.js';
import { serverConfig } from '../../shared/server-config.js';
import { AppLink } from './AppLink.js';
import { navigate, nextPath } from './routes.js';
import { login, signUp } from './session.js';
import './account.css';

const USERNAME = /^[-_.+@a-zA-Z0-9]+$/;

/** Why a login failed, in words: a 401 here means the name or password is wrong. */
function loginFailure(err: unknown): string {
  if (err instanceof ApiError && err.status === 401) return 'Wrong user name or password.';
  return err instanceof Error ? err.message : String(err);
}

export function LoginScreen() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await login(username.trim(), password);
      navigate(nextPath(), true);
    } catch (err) {
      setError(loginFailure(err));
      setBusy(false);
    }
  };

  return (
    <section className="account-card" aria-labelledby="login-title">
      <h1 id="login-title">Log in</h1>
      {!serverConfig.enable_login && <p>This server does not offer logging in to the web app; you can still log in here if you have an account.</p>}
      <form className="account-form" onSubmit={submit}>
        <label>User name<input name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} /></label>
        <label>Password<input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} /></label>
        {error && <p role="alert" className="account-error">{error}</p>}
        <button type="submit" disabled={busy || !username || !password}>{busy ? 'Logging in…' : 'Log in'}</button>
      </form>
      {serverConfig.enable_signup && <p>No account yet? <AppLink to="/signup">Sign up</AppLink></p>}
    </section>
  );
}

export function SignupScreen() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  if (!serverConfig.enable_signup) {
    return (
      <section className="account-card" aria-labelledby="signup-title">
        <h1 id="signup-title">Sign up</h1>
        <p>This server does not allow signing up. Ask its administrator for an account, then <AppLink to="/login">log in</AppLink>.</p>
      </section>
    );
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const name = username.trim();
    if (!USERNAME.test(name)) return setError('A user name is letters, digits and - _ . + @ only.');
    if (password !== confirm) return setError('The two passwords differ.');
    setBusy(true);
    setError('');
    try {
      await signUp(name, password);
      navigate('/', true);
    } catch (err) {
      setError(err instanceof ApiError && err.code === 40901 ? 'That user name is taken; choose another.' : loginFailure(err));
      setBusy(false);
    }
  };

  return (
    <section className="account-card" aria-labelledby="signup-title">
      <h1 id="signup-title">Sign up</h1>
      <form className="account-form" onSubmit={submit}>
        <label>User name<input name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} /></label>
        <label>Password<input name="password" type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} /></label>
        <label>Confirm password<input name="confirm" type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} /></label>
        {error && <p role="alert" className="account-error">{error}</p>}
        <button type="submit" disabled={busy || !username || !password || !confirm}>{busy ? 'Signing up…' : 'Sign up'}</button>
      </form>
      <p>Already have an account? <AppLink to="/login">Log in</AppLink></p>
    </section>
  );
}
