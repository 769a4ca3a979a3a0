import { Http2SessionPool, type Http2PoolOptions, type Http2Receiver, type Http2Response } from './session-pool.js';
import type { OutgoingHttpHeaders } from 'node:http2';

/**
 * A provider's connections in two pools: the ones a broadcast fills, and one kept for `high`
 * pushes. Streams on a connection are answered roughly in the order they were sent, so a one-time
 * code sent behind two thousand broadcast streams would wait for all of them; on a connection of
 * its own it waits for none. The urgent connection is opened on its first use.
 */
export class PriorityPools {
  readonly #bulk: Http2SessionPool;
  readonly #urgent: Http2SessionPool;

  constructor(options: Http2PoolOptions) {
    this.#bulk = new Http2SessionPool(options);
    this.#urgent = new Http2SessionPool({ ...options, name: `${options.name}:urgent`, connections: 1 });
  }

  request(headers: OutgoingHttpHeaders, body: Buffer | string | undefined, urgent: boolean, signal?: AbortSignal): Promise<Http2Response> {
    return (urgent ? this.#urgent : this.#bulk).request(headers, body, signal);
  }

  send(headers: OutgoingHttpHeaders, body: Buffer | string | undefined, urgent: boolean, signal: AbortSignal | undefined, receiver: Http2Receiver, tag: number): void {
    (urgent ? this.#urgent : this.#bulk).send(headers, body, signal, receiver, tag);
  }

  async close(): Promise<void> {
    await Promise.all([this.#bulk.close(), this.#urgent.close()]);
  }
}
