import { reportProblem } from './problems.js';
import { settings, store, type Notification, type Subscription } from './state/index.js';
import type { Translate } from './i18n/index.js';

/**
 * Foreground alerts: a browser notification (when turned on in the settings and allowed by the
 * browser) and a short sound for each new message at or above the minimum priority. Messages
 * older than the subscription (the first replay of a new one) do not alert.
 */
export function startAlerts(t: () => Translate): () => void {
  return store.subscribe((change) => {
    if (change.kind !== 'received') return;
    const { notification: n, subscription: s } = change;
    const prefs = settings.get();
    if (s.muted || (n.priority ?? 3) < prefs.minPriority || n.time < s.addedAt) return;
    if (prefs.browserNotifications) showBrowserNotification(n, s, t());
    if (prefs.sound) beep();
  });
}

function showBrowserNotification(n: Notification, s: Subscription, t: Translate): void {
  if (!('Notification' in globalThis) || Notification.permission !== 'granted') return;
  try {
    const shown = new Notification(n.title || s.displayName || s.topic, { body: n.message ?? '', tag: n.id, icon: '/static/web/icon.svg' });
    shown.onclick = () => {
      globalThis.focus();
      store.markRead(s.id, n.id);
    };
  } catch (err) {
    reportProblem(t('problem.notificationFailed', { error: (err as Error).message }));
  }
}

let audio: AudioContext | undefined;

/** A short two-tone chime, made with Web Audio (no sound file to load). */
function beep(): void {
  try {
    audio ??= new AudioContext();
    if (audio.state === 'suspended') void audio.resume().catch(() => undefined);
    const now = audio.currentTime;
    for (const [i, freq] of [880, 1320].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + i * 0.12);
      gain.gain.exponentialRampToValueAtTime(0.2, now + i * 0.12 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.12 + 0.25);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + i * 0.12);
      osc.stop(now + i * 0.12 + 0.3);
    }
  } catch {
    // The browser refused sound before any click on the page; the notification itself still shows.
  }
}
