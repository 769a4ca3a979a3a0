/** Where a command talks to: the server's base URL and the topic (or comma list of topics). */
export interface Target {
  /** Base URL without a trailing slash; may carry a path prefix when behind a reverse proxy. */
  server: string;
  topics: string[];
}

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';
const TOPIC = /^[-_A-Za-z0-9]{1,64}$/;

export class UsageError extends Error {}

/**
 * Resolves `TOPIC` (or `t1,t2`) against `--server`, `$HERALD_SERVER`, the client config's
 * `default-host` or the built-in default. The argument may also be a full URL such as
 * `http://host:8080/mytopic`, which names the server too (as ntfy's CLI allows); a scheme-less
 * `host/topic` gets https, or http for local hosts.
 */
export function resolveTarget(arg: string, server: string | undefined, env: NodeJS.ProcessEnv, multiple = false, defaultHost?: string): Target {
  let base = server || env.HERALD_SERVER || defaultHost || DEFAULT_SERVER;
  let list = arg;
  if (arg.includes('/')) {
    const url = parseUrl(/^[a-z][a-z0-9+.-]*:\/\//i.test(arg) ? arg : `${isLocal(arg) ? 'http' : 'https'}://${arg}`);
    const path = url.pathname.replace(/\/+$/, '');
    const cut = path.lastIndexOf('/');
    list = decodeURIComponent(path.slice(cut + 1));
    base = `${url.origin}${path.slice(0, cut)}`;
  } else {
    base = parseUrl(base).href;
  }
  const topics = list.split(',');
  if (!multiple && topics.length > 1) throw new UsageError(`only one topic can be published to, got '${list}'`);
  for (const topic of topics) {
    if (!TOPIC.test(topic)) throw new UsageError(`invalid topic '${topic}': use 1-64 letters, digits, '-' or '_'`);
  }
  return { server: base.replace(/\/+$/, ''), topics };
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`invalid server URL '${text}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`unsupported URL scheme '${url.protocol}' in '${text}'`);
  if (url.search || url.hash) throw new UsageError(`a server URL cannot carry a query or fragment: '${text}'`);
  return url;
}

function isLocal(hostAndPath: string): boolean {
  const host = hostAndPath.split('/')[0].replace(/:\d+$/, '');
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}
