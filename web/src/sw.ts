/// <reference lib="webworker" />
/**
 * The service worker behind background Web Push: Herald sends topic messages to the browser's
 * push service for subscriptions made through `/v1/webpush`; this shows them while no tab is
 * open, and a click opens the app on the topic (or the message's click URL).
 *
 * Herald's payload for a topic message (src/core/push/topic-push.ts) is its portable
 * notification merged with ntfy's web-push shape:
 *
 * ```json
 * { "id": "…", "title": "Disk", "body": "Backup finished", "url": "https://…", "tag": "…",
 *   "data": { "topic": "backups", … },
 *   "event": "message", "subscription_id": "https://herald.example/backups",
 *   "message": { "id": "…", "time": 1700000000, "event": "message", "topic": "backups", "title": "Disk", "message": "Backup finished", "priority": 4, "tags": ["floppy_disk"], … } }
 * ```
 *
 * `message_clear` and `message_delete` carry the same `tag` (one per topic and sequence ID):
 * they close the notification of that sequence. `subscription_expiring` comes when the
 * subscription was not renewed for long (no tab opened): it asks the user to open the app.
 */
const worker = globalThis as unknown as ServiceWorkerGlobalScope;

interface TopicMessage {
  id: string;
  time?: number;
  event?: string;
  topic: string;
  title?: string;
  message?: string;
  priority?: number;
  tags?: string[];
  click?: string;
  icon?: string;
  attachment?: { url?: string; type?: string };
  sequence_id?: string;
}

interface PushPayload {
  id?: string;
  event?: string;
  subscription_id?: string;
  title?: string;
  body?: string;
  url?: string;
  image?: string;
  tag?: string;
  message?: TopicMessage;
}

interface ClickData { topic?: string; click?: string; server?: string }

const ICON = '/static/web/icon.svg';

worker.addEventListener('install', () => { void worker.skipWaiting(); });
worker.addEventListener('activate', (event) => event.waitUntil(worker.clients.claim()));

worker.addEventListener('push', (event) => {
  const payload = readPayload(event.data);
  if (!payload) return;
  event.waitUntil(handle(payload));
});

async function handle(payload: PushPayload): Promise<void> {
  const event = payload.event ?? payload.message?.event ?? 'message';
  if (event === 'message_clear' || event === 'message_delete') {
    await closeTagged(payload.tag);
    return;
  }
  if (event === 'subscription_expiring') {
    await worker.registration.showNotification('Herald', {
      body: 'Background notifications will stop soon. Open Herald to keep them coming.',
      icon: ICON,
      tag: 'herald-subscription-expiring',
      data: {} satisfies ClickData,
    });
    return;
  }
  const m = payload.message;
  if (!m && !payload.title && !payload.body) return;
  const topic = m?.topic ?? '';
  const title = m?.title || payload.title || topic || 'Herald';
  const tags = (m?.tags ?? []).filter((t) => !EMOJI[t]);
  const emoji = (m?.tags ?? []).map((t) => EMOJI[t]).filter(Boolean).join(' ');
  const body = [m?.message ?? payload.body ?? '', tags.length ? `Tags: ${tags.join(', ')}` : ''].filter(Boolean).join('\n');
  const image = payload.image ?? (m?.attachment?.type?.startsWith('image/') ? m.attachment.url : undefined);
  const options: NotificationOptions & { image?: string; timestamp?: number } = {
    body,
    icon: m?.icon || ICON,
    tag: payload.tag ?? m?.id ?? payload.id,
    // Priority 5 (max) stays on screen until the user acts, 1 and 2 come in quietly.
    requireInteraction: m?.priority === 5,
    silent: m?.priority !== undefined && m.priority <= 2,
    data: { topic, click: m?.click || payload.url, server: serverOf(payload.subscription_id, topic) } satisfies ClickData,
    ...(image ? { image } : {}),
    ...(m?.time ? { timestamp: m.time * 1000 } : {}),
  };
  await worker.registration.showNotification(emoji ? `${emoji} ${title}` : title, options);
}

/** The server part of ntfy's `subscription_id` (`<base-url>/<topic>`), when it names one. */
function serverOf(subscriptionId: string | undefined, topic: string): string | undefined {
  if (!subscriptionId || !topic || !subscriptionId.endsWith(`/${topic}`)) return undefined;
  return subscriptionId.slice(0, -(topic.length + 1));
}

async function closeTagged(tag: string | undefined): Promise<void> {
  if (!tag) return;
  for (const n of await worker.registration.getNotifications({ tag })) n.close();
}

worker.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = (event.notification.data ?? {}) as ClickData;
  event.waitUntil(openTarget(data));
});

/** The click URL when the message has one, else the app on the topic: an open tab is reused. */
async function openTarget(data: ClickData): Promise<void> {
  const scope = new URL(worker.registration.scope);
  const appTopic = data.topic ? new URL(`/${encodeURIComponent(data.topic)}`, scope).href : scope.href;
  const target = data.click && /^https?:\/\//i.test(data.click) ? data.click : appTopic;
  if (new URL(target).origin === scope.origin) {
    const windows = await worker.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const open = windows.find((w) => new URL(w.url).origin === scope.origin);
    if (open) {
      const navigated = await open.navigate(target).catch(() => null);
      await (navigated ?? open).focus();
      return;
    }
  }
  await worker.clients.openWindow(target);
}

function readPayload(data: PushMessageData | null): PushPayload | undefined {
  try {
    const value = data?.json() as unknown;
    return typeof value === 'object' && value !== null ? value as PushPayload : undefined;
  } catch {
    // Not JSON: show the text, so nothing pushed is lost.
    const text = data?.text();
    return text ? { title: 'Herald', body: text } : undefined;
  }
}

/** The tags most often sent as emoji (ntfy's short codes); others are shown as text. */
const EMOJI: Record<string, string> = {
  '+1': '👍', '-1': '👎', warning: '⚠️', rotating_light: '🚨', white_check_mark: '✅', heavy_check_mark: '✔️',
  x: '❌', no_entry: '⛔', tada: '🎉', partying_face: '🥳', skull: '💀', fire: '🔥', bell: '🔔', loudspeaker: '📢',
  floppy_disk: '💾', computer: '💻', cd: '💿', package: '📦', rocket: '🚀', bug: '🐛', lock: '🔒', key: '🔑',
  email: '📧', mailbox: '📫', calendar: '📅', clock: '🕐', hourglass: '⌛', zap: '⚡', heart: '❤️', star: '⭐',
  information_source: 'ℹ️', question: '❓', exclamation: '❗', red_circle: '🔴', green_circle: '🟢', yellow_circle: '🟡',
  construction: '🚧', wrench: '🔧', hammer: '🔨', gear: '⚙️', chart_with_upwards_trend: '📈', chart_with_downwards_trend: '📉',
  moneybag: '💰', money_with_wings: '💸', house: '🏠', car: '🚗', sun_with_face: '🌞', cloud: '☁️', umbrella: '☂️', snowflake: '❄️',
};

export {};
