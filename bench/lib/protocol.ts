/** IPC between the benchmark parent and bench/clients/subscriber.ts. */

export type ClientCommand =
  | { cmd: 'open'; kind: 'sse' | 'ws'; count: number }
  | { cmd: 'collect' }
  | { cmd: 'exit' };

export type ClientReport =
  | { type: 'started' }
  | { type: 'opened'; kind: 'sse' | 'ws'; ok: number; failed: number; lastError: string }
  /** Every live subscription of this process has received message `index`. */
  | { type: 'got'; index: number }
  /** receive − publish times in ms, one per receipt; `dropped` counts subscriptions that closed under us. */
  | { type: 'latencies'; sse: Float64Array; ws: Float64Array; alive: number; dropped: number };
