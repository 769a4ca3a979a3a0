/// <reference lib="webworker" />
/**
 * The service worker behind background Web Push: Herald sends topic messages to the browser's
 * push service through `/v1/webpush`; this shows them while no tab is open, and a click opens
 * the app on the topic.
 */
const worker = globalThis as unknown as ServiceWorkerGlobalScope;

interface PushPayload { event?: string; message?: { id: string; topic: string; title?: string; message?: string; click?: string; icon?: string } }

worker.addEventListener('install', () => { void worker.skipWaiting(); });
worker.addEventListener('activate', (event) => event.waitUntil(worker.clients.claim()));

worker.addEventListener('push', (event) => {
  const payload = readPayload(event.data);
  const m = payload?.message;
  if (!m) return;
  event.waitUntil(worker.registration.showNotification(m.title || m.topic, {
    body: m.message ?? '',
    tag: m.id,
    icon: m.icon || '/static/web/icon.svg',
    data: { topic: m.topic, click: m.click },
  }));
});

worker.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = event.notification.data as { topic?: string; click?: string } | undefined;
  const target = data?.click || `/${data?.topic ?? ''}`;
  event.waitUntil(worker.clients.openWindow(target));
});

function readPayload(data: PushMessageData | null): PushPayload | undefined {
  try {
    return data?.json() as PushPayload;
  } catch {
    return undefined;
  }
}

export {};
