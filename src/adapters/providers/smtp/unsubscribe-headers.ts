/**
 * The list headers that let a mail client offer "Unsubscribe" (RFC 2369) and do it with one
 * click, without the user visiting a page (RFC 8058).
 *
 * RFC 8058 §3.1 asks for exactly one HTTPS URI in `List-Unsubscribe`, to which the mail client
 * POSTs `List-Unsubscribe=One-Click`, plus `List-Unsubscribe-Post: List-Unsubscribe=One-Click`.
 * A `mailto:` URI may come along for clients that only do mail (RFC 2369 §3.2 lists URIs in
 * order of preference, each in angle brackets, separated by commas). The URL should carry an
 * opaque token that identifies the subscriber and list, since the POST carries no cookie.
 */
export type UnsubscribeHeaders = {
  'List-Unsubscribe': string;
  'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click';
};

export function unsubscribeHeaders(url: string, mailto?: string): UnsubscribeHeaders {
  const uris = [`<${httpsUri(url)}>`];
  if (mailto !== undefined && mailto !== '') uris.push(`<${mailtoUri(mailto)}>`);
  return { 'List-Unsubscribe': uris.join(', '), 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

/** Inside `<…>` of a list header, a comma ends the URI (RFC 2369 §2), so it is escaped too. */
function bracketSafe(uri: string): string {
  return uri.replace(/,/g, '%2C');
}

function httpsUri(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('unsubscribe: the one-click URL is not a URL');
  }
  // RFC 8058 §3.1: "The URI in the List-Unsubscribe header MUST be an HTTPS URI".
  if (parsed.protocol !== 'https:') throw new Error('unsubscribe: the one-click URL must be https');
  if (parsed.username !== '' || parsed.password !== '') throw new Error('unsubscribe: the one-click URL must not carry credentials');
  // The WHATWG serialisation percent-encodes spaces, controls, quotes and angle brackets.
  return bracketSafe(parsed.href);
}

/** `unsub@example.org` or `mailto:unsub@example.org?subject=unsubscribe` → a mailto URI. */
function mailtoUri(mailto: string): string {
  const uri = /^mailto:/i.test(mailto) ? `mailto:${mailto.slice('mailto:'.length)}` : `mailto:${mailto}`;
  const [address = '', ...query] = uri.slice('mailto:'.length).split('?');
  if (!/^[^\s@<>(),;:"\\[\]]+@[^\s@<>(),;:"\\[\]]+$/.test(decodeURIComponentSafe(address))) {
    throw new Error('unsubscribe: the mailto address is not an address');
  }
  const rest = query.join('?');
  if (/[\s<>"]/.test(rest) || /[\u0000-\u001f\u007f]/.test(rest)) throw new Error('unsubscribe: the mailto query must be percent-encoded');
  return bracketSafe(rest === '' ? `mailto:${address}` : `mailto:${address}?${rest}`);
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
