import type { AudienceMember, AudienceSource, DeviceStore, Provider } from '../../ports/device-store.js';
import type { NewDelivery, PushAudience, PushRecord, PushStore } from '../../ports/push-store.js';
import type { NewJob, Queue } from '../../ports/queue.js';
import { CHUNK_SIZE, partitionOf, ROUTE_PAGE, sendKeyPrefix, type PushJob } from './jobs.js';
import { providerTopicTarget, rawTokenTarget } from './targets.js';

export interface RouterDeps {
  store: PushStore;
  devices: DeviceStore;
  queue: Queue<PushJob>;
  /** Called after send jobs were enqueued for these partitions, so idle workers wake up. */
  wake(partitions: Iterable<string>): void;
  /** Send jobs due and waiting for a worker, over all partitions (including the ones just enqueued). */
  backlog(): number;
  /**
   * Reads the queue again for {@link backlog}, while routing waits for the workers to catch up:
   * a sample that is only taken every half second would hold routing back for that long each
   * time, and the workers would go idle in between.
   */
  refreshBacklog?(): Promise<void>;
  /** Called with the number of send jobs each enqueue added. */
  enqueued(jobs: number): void;
}

/**
 * Routing stays this many send jobs (of up to 250 deliveries) ahead of the workers and then waits:
 * running far ahead only fills the queue sooner, and takes the event loop from the API meanwhile.
 */
const ROUTE_AHEAD_JOBS = 20;
/** How often waiting routing looks at the backlog again: short beside the time workers take for the jobs ahead. */
const ROUTE_WAIT_MS = 10;

/** Where routing stands: which source of the audience, and where inside it. */
interface Cursor {
  source: number;
  after?: string;
}

/**
 * Turns a push's audience into deliveries and send jobs, one page of one source at a time
 * (listed devices, listed users, a filter, then per topic its own devices and its users' devices,
 * then raw tokens, then the topics bound to every user), so memory and the cost of each page stay
 * flat whatever the audience size. A device reached through two sources gets one delivery: the
 * ledger keeps one row per (push, target) and only new rows get send jobs.
 *
 * Crash safety without a transaction across ledger and queue: each page's deliveries and the
 * routed cursor commit together, then its send jobs are enqueued, then the enqueued cursor
 * follows. A router that finds the two cursors apart (a crash in between) re-enqueues every
 * delivery of the push still waiting for a worker; a worker only claims deliveries still waiting,
 * so a delivery with two jobs is still sent once. The routed cursor only moves from where this
 * router last saw it: two routers of one push cannot both create a page.
 */
export class Router {
  readonly #d: RouterDeps;

  constructor(deps: RouterDeps) {
    this.#d = deps;
  }

  /**
   * Routes the push to the end, or until it is cancelled or another router is ahead. Idempotent.
   * Returns false when it gave up because `stopping` said so; what is routed so far stays routed.
   * `created` is the push as its sender just stored it, which spares reading it back.
   */
  async route(seq: number, now: () => number, stopping: () => boolean = () => false, created?: PushRecord): Promise<boolean> {
    const { store } = this.#d;
    const push = created ?? (await store.bySeq(seq));
    if (!push || push.phase === 'cancelled') return true;
    if (push.enqueuedCursor !== push.routedCursor) await this.#recover(push);
    if (push.phase === 'routed') return true;

    const sources = sourcesOf(push.audience);
    let cursorText = push.routedCursor;
    for (let page = 0; ; page++) {
      // A cancel lands between pages: look again now and then rather than on every page.
      if (page > 0 && page % 20 === 0 && (await store.bySeq(seq))?.phase === 'cancelled') return true;
      if (stopping()) return false;
      const cursor = parseCursor(cursorText);
      const next = await this.#page(push, sources, cursor);
      // 'end' rather than null: a crash right after the last page must still show the cursors apart.
      const nextText = next.cursor ? formatCursor(next.cursor) : 'end';
      const added = await store.addDeliveries(seq, cursorText, nextText, next.rows, next.cursor === undefined, now());
      if (added === false) return true;
      // Usually every row is new; only a device reached through two sources (or a re-run) is not.
      const fresh = added.length === next.rows.length ? undefined : new Set(added);
      await this.#enqueue(push, fresh ? next.rows.filter((r) => fresh.has(r.target)) : next.rows);
      await store.setEnqueuedCursor(seq, nextText);
      cursorText = nextText;
      if (next.cursor === undefined) return true;
      // The stores answer without real I/O, so without this a big audience would be routed in
      // one unbroken run of microtasks, and no request could be served until it was done.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.#d.backlog() > ROUTE_AHEAD_JOBS) {
        if (stopping()) return false;
        await new Promise<void>((resolve) => setTimeout(resolve, ROUTE_WAIT_MS));
        await this.#d.refreshBacklog?.();
      }
    }
  }

  /** The page at `cursor`, and the cursor after it (undefined once every source is done). */
  async #page(push: PushRecord, sources: Source[], cursor: Cursor): Promise<{ rows: NewDelivery[]; cursor?: Cursor }> {
    for (let i = cursor.source; i < sources.length; i++) {
      const source = sources[i]!;
      const after = i === cursor.source ? cursor.after : undefined;
      if (source === 'tokens') {
        // Raw tokens and provider topics are bounded by the request schema, so they are one page.
        return { rows: rawTokenRows(push.audience), ...(i + 1 < sources.length ? { cursor: { source: i + 1 } } : {}) };
      }
      const page = await this.#d.devices.pageAudience(source, { limit: ROUTE_PAGE, ...(after !== undefined ? { after } : {}) });
      const rows = page.members.map(deviceRow);
      if (page.next !== undefined) return { rows, cursor: { source: i, after: page.next } };
      if (rows.length > 0) return { rows, ...(i + 1 < sources.length ? { cursor: { source: i + 1 } } : {}) };
    }
    return { rows: [] };
  }

  /** After a crash between a page's commit and its jobs: a job for everything still waiting. */
  async #recover(push: PushRecord): Promise<void> {
    const { store } = this.#d;
    let after: string | undefined;
    for (;;) {
      const rows = await store.queued(push.seq, after, ROUTE_PAGE);
      await this.#enqueue(push, rows, 'recover:');
      if (rows.length < ROUTE_PAGE) break;
      after = rows[rows.length - 1]!.target;
    }
    await store.setEnqueuedCursor(push.seq, push.routedCursor);
  }

  /** Send jobs for a run of deliveries: per partition, CHUNK_SIZE at a time. */
  async #enqueue(push: PushRecord, rows: readonly Pick<NewDelivery, 'target' | 'provider' | 'app'>[], keyTag = ''): Promise<void> {
    if (rows.length === 0) return;
    // Keyed by app, then provider: no partition name is built per row.
    const byApp = new Map<string, Map<Provider, string[]>>();
    for (const r of rows) {
      let byProvider = byApp.get(r.app);
      if (!byProvider) byApp.set(r.app, (byProvider = new Map()));
      let list = byProvider.get(r.provider);
      if (!list) byProvider.set(r.provider, (list = []));
      list.push(r.target);
    }
    const byPartition = new Map<string, string[]>();
    for (const [app, byProvider] of byApp) {
      for (const [provider, list] of byProvider) byPartition.set(partitionOf(app, provider), list);
    }
    const jobs: NewJob<PushJob>[] = [];
    for (const [partition, targets] of byPartition) {
      for (let i = 0; i < targets.length; i += CHUNK_SIZE) {
        const chunk = targets.slice(i, i + CHUNK_SIZE);
        jobs.push({
          partition,
          lane: push.lane,
          payload: { kind: 'send', seq: push.seq, targets: chunk },
          dedupKey: `${sendKeyPrefix(push.seq)}${keyTag}${partition}:${chunk[0]}`,
        });
      }
    }
    const result = await this.#d.queue.enqueue(jobs);
    this.#d.enqueued(jobs.length - result.duplicates.length);
    this.#d.wake(byPartition.keys());
  }
}

type Source = AudienceSource | 'tokens';

/**
 * The audience's sources in routing order; the same push always gives the same list. The routing
 * cursor holds a source's index, so sources added later go where no stored push had one: a filter
 * (pushes that have one are newer than it), and the bindings to every user after everything else.
 */
function sourcesOf(audience: PushAudience): Source[] {
  const sources: Source[] = [];
  if (audience.devices?.length) sources.push({ kind: 'devices', ids: audience.devices });
  if (audience.users?.length) sources.push({ kind: 'users', users: audience.users });
  if (audience.filter) sources.push({ kind: 'filter', filter: audience.filter });
  for (const topic of audience.topics ?? []) sources.push({ kind: 'topic', topic }, { kind: 'topicUsers', topic });
  if (audience.tokens?.length || audience.providerTopics?.length) sources.push('tokens');
  for (const topic of audience.topics ?? []) sources.push({ kind: 'topicEveryone', topic });
  return sources;
}

function rawTokenRows(audience: PushAudience): NewDelivery[] {
  const seen = new Set<string>();
  const rows: NewDelivery[] = [];
  for (const t of audience.tokens ?? []) {
    const target = rawTokenTarget(t.provider, t.app, t.token);
    if (seen.has(target)) continue;
    seen.add(target);
    rows.push({ target, deviceId: null, provider: t.provider, app: t.app, token: t.token, p256dh: t.keys?.p256dh ?? null, auth: t.keys?.auth ?? null });
  }
  // One delivery per topic or condition: the provider fans it out to its subscribers.
  for (const t of audience.providerTopics ?? []) {
    const target = providerTopicTarget(t.provider, t.app, t.kind, t.value);
    if (seen.has(target)) continue;
    seen.add(target);
    rows.push({ target, deviceId: null, provider: t.provider, app: t.app, token: t.value, p256dh: null, auth: null, kind: t.kind });
  }
  // In ledger key order, as a device audience comes: a raw token's key is a hash, so in request
  // order each send job of 250 would be spread over every ledger page of the push, and its claim and
  // outcomes would rewrite all of them instead of its own few; the inserts go in order too.
  rows.sort(byTarget);
  return rows;
}

function byTarget(a: NewDelivery, b: NewDelivery): number {
  return a.target < b.target ? -1 : a.target > b.target ? 1 : 0;
}

function deviceRow(d: AudienceMember): NewDelivery {
  return { target: d.id, deviceId: d.id, provider: d.provider, app: d.app, token: d.token, p256dh: d.keys?.p256dh ?? null, auth: d.keys?.auth ?? null };
}

/** `<source index>` or `<source index>:<position inside it>`; null (nothing routed yet) is the start. */
function parseCursor(text: string | null): Cursor {
  if (text === null) return { source: 0 };
  const i = text.indexOf(':');
  const source = Number(i < 0 ? text : text.slice(0, i));
  return i < 0 ? { source } : { source, after: text.slice(i + 1) };
}

function formatCursor(c: Cursor): string {
  return c.after === undefined ? String(c.source) : `${c.source}:${c.after}`;
}
