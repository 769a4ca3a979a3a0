/** State of one service this node depends on. */
export type ServiceState = 'ok' | 'unreachable';

/**
 * What `GET /v1/health` answers. `healthy` is ntfy's field (its clients and probes read it); the
 * others appear only for the services this node is configured with, so an embedded installation
 * answers exactly as ntfy does.
 */
export interface HealthReport {
  healthy: boolean;
  /** The PostgreSQL database of `database-url`. */
  database?: ServiceState;
  /** The Redis of `redis-url` (bus and shared counters). */
  redis?: ServiceState;
}

/** Reports on this node's dependencies; cheap enough to be called by every probe. */
export type HealthCheck = () => Promise<HealthReport>;
