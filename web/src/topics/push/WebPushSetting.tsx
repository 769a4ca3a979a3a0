import { disableWebPush, enableWebPush, useWebPush } from './web-push.js';

/** The switch for background notifications, for the settings screen. */
export function WebPushSetting() {
  const { status, error, busy } = useWebPush();
  if (status === 'unsupported') {
    return <p className="webpush-setting">Background notifications are not available: the server has Web Push off, or this browser cannot receive push messages.</p>;
  }
  return (
    <div className="webpush-setting">
      <label>
        <input
          type="checkbox"
          checked={status === 'on'}
          disabled={busy || status === 'denied'}
          onChange={(e) => void (e.target.checked ? enableWebPush() : disableWebPush())}
        />
        {' '}Background notifications (while no Herald tab is open)
      </label>
      {status === 'denied' && <p>Notifications are blocked for this site in the browser's settings; allow them there to turn this on.</p>}
      {error && <p role="alert" className="account-error">{error}</p>}
      {status === 'on' && !error && <p role="status">Background notifications are on for the topics of this server you subscribe to.</p>}
    </div>
  );
}
