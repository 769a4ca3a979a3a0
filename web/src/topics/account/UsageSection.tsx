import type { Account } from './account-api.js';
import { formatBytes, formatDuration } from './format.js';

/** The account's tier, limits and what it used today (from `GET /v1/account`). */
export function UsageSection({ account }: { account: Account }) {
  const { limits, stats } = account;
  if (!limits || !stats) return null;
  const rows: [string, string][] = [
    ['Messages today', `${stats.messages} of ${limits.messages}`],
    ['Messages kept for', formatDuration(limits.messages_expiry_duration)],
    ['E-mails today', `${stats.emails} of ${limits.emails}`],
  ];
  if (limits.calls > 0) rows.push(['Phone calls today', `${stats.calls} of ${limits.calls}`]);
  if (limits.reservations > 0) rows.push(['Reserved topics', `${stats.reservations} of ${limits.reservations}`]);
  rows.push(
    ['Attachment storage', `${formatBytes(stats.attachment_total_size)} of ${formatBytes(limits.attachment_total_size)}`],
    ['Largest attachment', formatBytes(limits.attachment_file_size)],
  );
  return (
    <section className="account-card" aria-labelledby="usage-title">
      <h2 id="usage-title">Usage</h2>
      <p>{account.tier ? <>Tier: <strong>{account.tier.name}</strong></> : 'No tier: the server\'s default limits apply.'}</p>
      <table className="account-table">
        <caption className="visually-hidden">Limits and usage</caption>
        <tbody>
          {rows.map(([label, value]) => (
            <tr key={label}><th scope="row">{label}</th><td>{value}</td></tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
