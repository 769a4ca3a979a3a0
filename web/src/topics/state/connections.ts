import { ApiError, authorizationHeader, errorFrom } from '../../shared/api.js';
import type { SubscriptionStore } from './subscriptions.js';
import type { StreamEvent, Subscription } from './types.js';

/**
 * Keeps one live JSON stream (`/<t1>,<t2>/json?since=…`) per server and set of credentials for
 * all the subscriptions there, as ntfy's web app does. A dropped stream reconnects with a growing
 * pause (1 s up to 30 s) and resumes with `since=<last id>`; a stream silent for longer than two
 * keepalive intervals is taken as dead and reopened. Every failure is written into the
 * subscription's connection state, in words.
 */
const KEEPALIVE_DEADLINE_MS = 100_000;
const MAX_BACKOFF_MS = 30_000;

interface Group { key: string; baseUrl: string; authorization: string | undefined; ids: string[] }

export class ConnectionManager {
  private readonly connections = new Map<string, StreamConnection>();
  private scheduled = false;
  private started = false;

  constructor(private readonly store: SubscriptionStore) {
    store.subscribe((change) => {
      if (change.kind === 'added' || change.kind === 'removed' || change.kind === 'credentials' || change.kind === 'reloaded') this.schedule();
    });
    globalThis.addEventListener?.('online', () => this.reconnectNow());
  }

  /** Opens the streams (the app calls it once it shows). */
  start(): void {
    this.started = true;
    this.schedule();
  }

  /** Opens, moves and closes streams to match the subscriptions (batched per task). */
  schedule(): void {
    if (this.scheduled || !this.started) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.reconcile();
    });
  }

  /** Drops every pause and reconnects at once (back online, or a retry button). */
  reconnectNow(): void {
    for (const c of this.connections.values()) c.wake();
  }

  stopAll(): void {
    this.started = false;
    for (const c of this.connections.values()) c.close();
    this.connections.clear();
  }

  private reconcile(): void {
    const groups = new Map<string, Group>();
    for (const s of this.store.list()) {
      const authorization = authorizationHeader(this.store.credentialsFor(s));
      const key = `${s.baseUrl}\n${authorization ?? ''}`;
      const group = groups.get(key) ?? { key, baseUrl: s.baseUrl, authorization, ids: [] };
      group.ids.push(s.id);
      groups.set(key, group);
    }
    for (const [key, connection] of this.connections) {
      const group = groups.get(key);
      if (!group || group.ids.join() !== connection.group.ids.join()) {
        connection.close();
        this.connections.delete(key);
      }
    }
    for (const [key, group] of groups) {
      if (this.connections.has(key)) continue;
      const connection = new StreamConnection(this.store, group);
      this.connections.set(key, connection);
      void connection.run();
    }
  }
}

class StreamConnection {
  private closed = false;
  private attempt: AbortController | undefined;
  private wakeUp: (() => void) | undefined;
  private backoff = 1000;

  constructor(private readonly store: SubscriptionStore, readonly group: Group) {}

  close(): void {
    this.closed = true;
    this.attempt?.abort();
    this.wakeUp?.();
  }

  wake(): void {
    this.backoff = 1000;
    this.wakeUp?.();
  }

  async run(): Promise<void> {
    while (!this.closed) {
      const subs = this.subs();
      if (!subs.length) return;
      this.setState({ state: 'connecting' });
      try {
        await this.stream(subs);
        if (this.closed) return;
        this.setState({ state: 'error', error: 'The server closed the live connection; reconnecting…' });
      } catch (err) {
        if (this.closed) return;
        const error = err instanceof ApiError ? err : undefined;
        const message = error?.message ?? 'The live connection dropped';
        this.setState({ state: 'error', error: `${message} — retrying in ${Math.round(this.backoff / 1000)} s.`, status: error?.status });
      }
      await this.pause(this.backoff);
      this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    }
  }

  private subs(): Subscription[] {
    return this.group.ids.map((id) => this.store.get(id)).filter((s): s is Subscription => !!s);
  }

  /**
   * `since`: `all` when a subscription has nothing yet (a new one shows what the server still
   * has), else the last id of the one that is furthest behind; what arrives twice is dropped by id.
   */
  private since(subs: Subscription[]): string {
    if (subs.some((s) => !s.lastId)) return 'all';
    const behind = subs.reduce((a, b) => ((a.lastTime ?? 0) <= (b.lastTime ?? 0) ? a : b));
    return behind.lastId!;
  }

  private async stream(subs: Subscription[]): Promise<void> {
    const attempt = new AbortController();
    this.attempt = attempt;
    let watchdog = setTimeout(() => attempt.abort(), KEEPALIVE_DEADLINE_MS);
    const alive = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => attempt.abort(), KEEPALIVE_DEADLINE_MS);
    };
    const topics = subs.map((s) => s.topic).join(',');
    const byTopic = new Map(subs.map((s) => [s.topic, s.id]));
    const headers: Record<string, string> = {};
    if (this.group.authorization) headers.authorization = this.group.authorization;
    try {
      let res: Response;
      try {
        res = await fetch(`${this.group.baseUrl}/${topics}/json?since=${encodeURIComponent(this.since(subs))}`, { headers, signal: attempt.signal, cache: 'no-store' });
      } catch (err) {
        if (this.closed) return;
        throw new ApiError(attempt.signal.aborted ? 'The server stopped answering' : `${this.group.baseUrl} could not be reached`, 0);
      }
      if (!res.ok || !res.body) {
        const text = await res.text().catch(() => '');
        throw errorFrom(res, safeJson(text));
      }
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        let chunk: ReadableStreamReadResult<string>;
        try {
          chunk = await reader.read();
        } catch {
          if (this.closed) return;
          throw new ApiError(attempt.signal.aborted ? 'The server stopped sending keepalives' : 'The live connection dropped', 0);
        }
        if (chunk.done) return;
        alive();
        buffer += chunk.value;
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline).trim();
          buffer = buffer.slice(newline + 1);
          if (line) this.handle(line, byTopic);
        }
      }
    } finally {
      clearTimeout(watchdog);
    }
  }

  private handle(line: string, byTopic: Map<string, string>): void {
    const event = safeJson(line) as StreamEvent | undefined;
    if (!event || typeof event.event !== 'string') return;
    if (event.event === 'open') {
      this.backoff = 1000;
      this.setState({ state: 'open' });
      return;
    }
    const id = byTopic.get(event.topic);
    if (id) this.store.receive(id, event);
  }

  private setState(state: Parameters<SubscriptionStore['setConnectionState']>[1]): void {
    for (const id of this.group.ids) this.store.setConnectionState(id, state);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
