import type { FastifyReply } from 'fastify';
import type { PreferenceLink } from '../../core/notify/preference-links.js';
import type { PreferencesJson } from '../../core/notify/preferences/index.js';
import { NOTIFY_CHANNELS, type CategoryRecord, type NotifyChannel } from '../../ports/notify-store.js';

/**
 * The HTML a browser gets for a preference link: what the link will do, with a button that
 * posts the RFC 8058 one-click form back to the same URL, and the page shown once it did it.
 */

const hasOwn = Object.prototype.hasOwnProperty;

/** True when the client prefers HTML to JSON (a browser); API clients and `*\/*` get JSON. */
export function wantsHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  let html = 0;
  let json = 0;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.trim().toLowerCase().split(';').map((s) => s.trim());
    let q = 1;
    for (const p of params) if (p.startsWith('q=')) q = Number(p.slice(2));
    if (!Number.isFinite(q)) continue;
    if (type === 'text/html' || type === 'application/xhtml+xml') html = Math.max(html, q);
    else if (type === 'application/json') json = Math.max(json, q);
  }
  return html > 0 && html > json;
}

export function noStore(reply: FastifyReply): void {
  // The path holds a credential: keep it out of caches and out of Referer headers.
  reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
}

export function sendHtml(reply: FastifyReply, html: string): FastifyReply {
  return reply
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
    .header('x-content-type-options', 'nosniff')
    .type('text/html; charset=utf-8')
    .send(html);
}

/** The page a GET shows: what the link does given the current preferences; categories lend their descriptions. */
export function linkPage(link: PreferenceLink, prefs: PreferencesJson, categories: readonly CategoryRecord[]): string {
  const descriptions = new Map<string, string>();
  for (const c of categories) if (c.description) descriptions.set(c.name, c.description);
  const label = (name: string) => (descriptions.get(name) ? `${descriptions.get(name)} (${name})` : name);
  const onOff = (on: boolean) => (on ? 'on' : 'off');
  switch (link.action) {
    case 'unsubscribe-category': {
      const c = link.category!;
      const off = hasOwn.call(prefs.categories, c) && prefs.categories[c]!.enabled === false;
      return page('Unsubscribe', `Unsubscribe from “${label(c)}”`,
        off ? 'You are already unsubscribed from these notifications.' : 'You will no longer receive these notifications on any channel.', 'Unsubscribe');
    }
    case 'unsubscribe-channel': {
      const ch = link.channel!;
      const off = prefs.channels[ch as NotifyChannel] === false;
      return page('Unsubscribe', `Stop ${channelName(ch)} notifications`,
        off ? `${capitalize(channelName(ch))} notifications are already off.` : `You will no longer receive any notifications by ${channelName(ch)}.`, 'Unsubscribe');
    }
    case 'unsubscribe-all':
      return page('Unsubscribe', 'Unsubscribe from all notifications',
        prefs.enabled ? 'You will no longer receive any notifications.' : 'All notifications are already off.', 'Unsubscribe from everything');
    case 'manage': {
      const rows = [
        ['All notifications', onOff(prefs.enabled)],
        ...NOTIFY_CHANNELS.map((ch) => [capitalize(channelName(ch)), onOff(prefs.channels[ch] !== false)]),
        ...Object.entries(prefs.categories).map(([name, s]) => [label(name), onOff(s.enabled !== false)]),
      ];
      const table = `<table>${rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k!)}</th><td>${escapeHtml(v!)}</td></tr>`).join('')}</table>`;
      return page('Notification preferences', 'Your notification preferences', '', 'Unsubscribe from everything', table);
    }
  }
}

/** The page a POST shows: a saved document, or what the link turned off. */
export function donePage(link: PreferenceLink, replaced: boolean): string {
  if (replaced) return page('Preferences saved', 'Preferences saved', 'Your notification preferences were updated.');
  const what = link.action === 'unsubscribe-category' ? `You are unsubscribed from ${link.category} notifications.`
    : link.action === 'unsubscribe-channel' ? `You will no longer receive notifications by ${channelName(link.channel!)}.`
    : 'You will no longer receive any notifications.';
  return page('Unsubscribed', 'You are unsubscribed', what);
}

/** A self-contained page: inline style, no scripts, no external assets; every text escaped. */
function page(title: string, heading: string, text: string, button?: string, extra = ''): string {
  // The form posts the RFC 8058 one-click body back to this same URL (no action attribute).
  const form = button
    ? `<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">${escapeHtml(button)}</button></form>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#222}button{font:inherit;padding:.5rem 1.2rem;cursor:pointer}th{text-align:left;font-weight:normal;padding-right:2rem}table{margin:1rem 0}</style>
</head><body><h1>${escapeHtml(heading)}</h1>${text ? `<p>${escapeHtml(text)}</p>` : ''}${extra}${form}</body></html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const CHANNEL_NAMES: Record<string, string> = { push: 'push', email: 'e-mail', sms: 'SMS', webhook: 'webhook', inapp: 'in-app' };

function channelName(channel: string): string {
  return CHANNEL_NAMES[channel] ?? channel;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
