/**
 * Where the web app lives, from `web-root` as ntfy reads it: a path (`/`, `/app`; a missing
 * leading slash is added), ntfy's old names `app` (= `/`) and `home` (= `/app`), or `disable`
 * (no web app at all: undefined).
 */
export function webAppRoot(webRoot: string): string | undefined {
  const value = webRoot.trim();
  if (value === 'disable' || value === '') return undefined;
  if (value === 'app') return '/';
  if (value === 'home') return '/app';
  const path = value.startsWith('/') ? value : `/${value}`;
  // `/app/` and `/app` are the same root; `/` stays `/`.
  return path.length > 1 ? path.replace(/\/+$/, '') || '/' : path;
}
