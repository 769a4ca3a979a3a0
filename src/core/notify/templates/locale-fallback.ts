/**
 * Locale negotiation for templates: RFC 4647 "lookup" (drop subtags from the end until one
 * matches, `fr-CA → fr`), case-insensitive, ending at the template's default locale.
 */

/** The canonical form of a BCP 47 tag (`en-us` → `en-US`), or undefined when it is not one. */
export function canonicalLocale(tag: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}

/**
 * The locales to try, best first, each spelled as in `available`, always ending with
 * `defaultLocale`. `requested` may be absent or invalid (then only the default is left); a
 * POSIX spelling such as `pt_BR` is accepted. Where the request leaves the script implicit, the
 * likely one is tried before the bare language: `zh-TW → zh-Hant-TW → zh-Hant → zh`.
 */
export function localeChain(requested: string | undefined, available: readonly string[], defaultLocale: string): string[] {
  const chain: string[] = [];
  const byLower = new Map<string, string>();
  for (const tag of available) byLower.set(tag.toLowerCase(), tag);
  byLower.set(defaultLocale.toLowerCase(), defaultLocale);

  const tag = requested === undefined ? undefined : canonicalLocale(requested.trim().replace(/_/g, '-'));
  if (tag !== undefined) {
    for (const candidate of candidates(tag)) {
      const match = byLower.get(candidate.toLowerCase());
      if (match !== undefined && !chain.includes(match)) chain.push(match);
    }
  }
  if (!chain.includes(defaultLocale)) chain.push(defaultLocale);
  return chain;
}

/** `tag` and its truncations, with likely-script forms before the bare language. */
function candidates(tag: string): string[] {
  const truncated = truncations(tag);
  const scripted = scriptForms(tag);
  if (scripted.length === 0) return truncated;
  if (truncated.length === 1) return [...truncated, ...scripted];
  return [...truncated.slice(0, -1), ...scripted, truncated[truncated.length - 1]!];
}

/** RFC 4647 §3.4: drop the last subtag, and a singleton left dangling before it. */
function truncations(tag: string): string[] {
  const subtags = tag.split('-');
  const result: string[] = [];
  while (subtags.length > 0) {
    result.push(subtags.join('-'));
    subtags.pop();
    while (subtags.length > 0 && subtags[subtags.length - 1]!.length === 1) subtags.pop();
  }
  return result;
}

function scriptForms(tag: string): string[] {
  let locale: Intl.Locale;
  try {
    locale = new Intl.Locale(tag);
  } catch {
    return [];
  }
  if (locale.script !== undefined) return [];
  const likely = locale.maximize();
  if (likely.script === undefined) return [];
  const forms: string[] = [];
  if (locale.region !== undefined) forms.push(`${locale.language}-${likely.script}-${locale.region}`);
  forms.push(`${locale.language}-${likely.script}`);
  return forms;
}
