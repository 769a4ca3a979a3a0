import { useEffect } from 'react';
import { serverConfig } from '../../shared/server-config.js';
import { refreshAccount, useAccount } from './account-store.js';
import { LoginPrompt } from './LoginPrompt.js';
import { DeleteAccountSection, PasswordSection } from './PasswordSection.js';
import { ReservationsSection } from './ReservationsSection.js';
import { TokensSection } from './TokensSection.js';
import { UsageSection } from './UsageSection.js';
import { useSession } from './session.js';
import './account.css';

/** `/account`: who is logged in, usage, tokens, password, reservations, deletion. */
export function AccountScreen() {
  const session = useSession();
  const { account, error, loading } = useAccount();

  useEffect(() => {
    if (session) void refreshAccount();
  }, [session]);

  if (!session) {
    return (
      <section className="account-card" aria-labelledby="account-title">
        <h1 id="account-title">Account</h1>
        <LoginPrompt reason={error || 'Log in to see your account.'} />
      </section>
    );
  }
  return (
    <div className="account-page">
      <section className="account-card" aria-labelledby="account-title">
        <h1 id="account-title">Account</h1>
        <p>Logged in as <strong>{session.username}</strong>{account && account.role === 'admin' ? ' (administrator)' : ''}.</p>
        {error && <p role="alert" className="account-error">{error}</p>}
        {!account && loading && <p role="status">Loading your account…</p>}
      </section>
      {account && (
        <>
          <UsageSection account={account} />
          <TokensSection account={account} />
          {serverConfig.enable_reservations && <ReservationsSection account={account} />}
          <PasswordSection />
          {!account.provisioned && <DeleteAccountSection />}
        </>
      )}
    </div>
  );
}
