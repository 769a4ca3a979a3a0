import { useState, type FormEvent } from 'react';
import { accountApi, type Account, type Permission } from './account-api.js';
import { refreshAccount } from './account-store.js';
import { ActionMessages, useAction } from './use-action.js';

const TOPIC = /^[-_A-Za-z0-9]{1,64}$/;

/** What everyone else may do on a reserved topic, in words. */
export const EVERYONE: [Permission, string][] = [
  ['deny-all', 'Only me'],
  ['read-only', 'Everyone may subscribe, only I publish'],
  ['write-only', 'Everyone may publish, only I subscribe'],
  ['read-write', 'Everyone may publish and subscribe'],
];

const everyoneText = (p: Permission) => EVERYONE.find(([value]) => value === p)?.[1] ?? p;

/** Reserved topics (`enable-reservations`): topics that are the user's, with what others may do. */
export function ReservationsSection({ account }: { account: Account }) {
  const [topic, setTopic] = useState('');
  const [everyone, setEveryone] = useState<Permission>('deny-all');
  const [deleteMessages, setDeleteMessages] = useState(false);
  const { busy, error, notice, run } = useAction();
  const reservations = account.reservations ?? [];
  const allowed = account.limits?.reservations ?? 0;

  const add = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const name = topic.trim();
      if (!TOPIC.test(name)) throw new Error('A topic name is 1 to 64 letters, digits, - or _.');
      await accountApi.reserve(name, everyone);
      setTopic('');
      await refreshAccount();
      return `Topic ${name} reserved.`;
    });
  };
  const remove = (name: string) => void run(async () => {
    await accountApi.unreserve(name, deleteMessages);
    await refreshAccount();
    return `Reservation of ${name} removed.`;
  });

  return (
    <section className="account-card" aria-labelledby="reservations-title">
      <h2 id="reservations-title">Reserved topics</h2>
      {allowed === 0 && reservations.length === 0 ? (
        <p>Your account's tier allows no reserved topics. Ask the server's administrator for a tier that does.</p>
      ) : (
        <>
          {reservations.length === 0 ? <p>No reserved topics.</p> : (
            <table className="account-table">
              <caption className="visually-hidden">Your reserved topics</caption>
              <thead><tr><th scope="col">Topic</th><th scope="col">Others</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
              <tbody>
                {reservations.map((r) => (
                  <tr key={r.topic}>
                    <td>{r.topic}</td>
                    <td>{everyoneText(r.everyone)}</td>
                    <td><button type="button" disabled={busy} aria-label={`Remove reservation of ${r.topic}`} onClick={() => remove(r.topic)}>Remove</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {reservations.length > 0 && (
            <label className="account-check">
              <input type="checkbox" checked={deleteMessages} onChange={(e) => setDeleteMessages(e.target.checked)} />
              Also delete a topic's cached messages when removing its reservation
            </label>
          )}
          <form className="account-form account-inline" onSubmit={add} aria-label="Reserve a topic">
            <label>Topic<input name="reserve-topic" value={topic} onChange={(e) => setTopic(e.target.value)} required /></label>
            <label>Access for others
              <select name="everyone" value={everyone} onChange={(e) => setEveryone(e.target.value as Permission)}>
                {EVERYONE.map(([value, text]) => <option key={value} value={value}>{text}</option>)}
              </select>
            </label>
            <button type="submit" disabled={busy || !topic}>Reserve</button>
          </form>
        </>
      )}
      <ActionMessages error={error} notice={notice} />
    </section>
  );
}
