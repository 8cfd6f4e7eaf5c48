import { EventEmitter } from 'node:events';
import type { Logger } from '@riak-mesos/logging';
import type { BalanceMode } from './config';

/** One address to proxy to, as discovery reports it. */
export interface BackendSpec {
  /** Stable id: the coordinatedNodes child name (the Mesos task id). */
  id: string;
  /** The Riak node name (`riak-default-1@host`), for display. */
  node: string;
  host: string;
  port: number;
}

export type BackendState = 'up' | 'down' | 'draining';

/** What the pool needs of a proxied connection: a way to end it when a drain times out. */
export interface ConnectionHandle {
  destroy(): void;
  /** Its backend started draining (a PB connection moves elsewhere between two requests). */
  draining?(): void;
}

/** A backend of one listener: health, load and counters. */
export class Backend {
  /** Passes health checks and is not ejected. */
  healthy = true;
  /** Left discovery: gets no new connections; retired once its connections have ended. */
  draining = false;
  /** Gone from the pool for good. */
  retired = false;
  /** Connections being proxied. */
  active = 0;
  /** Connections being opened (counted against maxconn). */
  pending = 0;
  /** Connections opened to it since it was added. */
  connectionsTotal = 0;
  /** Proxied connections that have ended, and their summed duration. */
  completedConnections = 0;
  completedTimeMs = 0;
  /** Bytes of ended connections: client to backend, backend to client. */
  bytesIn = 0;
  bytesOut = 0;
  connectErrors = 0;
  consecutiveConnectErrors = 0;
  checksPassed = 0;
  checksFailed = 0;
  /** Rise and fall counters: consecutive passed and failed checks. */
  risingChecks = 0;
  fallingChecks = 0;
  lastError: string | undefined;
  lastErrorTime: Date | undefined;
  lastCheck: { ok: boolean; at: Date; detail?: string } | undefined;
  readonly connections = new Set<ConnectionHandle>();
  readonly addedAt = new Date();
  drainTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: string,
    public node: string,
    readonly host: string,
    readonly port: number,
  ) {}

  get state(): BackendState {
    return this.draining ? 'draining' : this.healthy ? 'up' : 'down';
  }

  get load(): number {
    return this.active + this.pending;
  }

  get address(): string {
    return this.host.includes(':') ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
  }
}

export interface BackendPoolOptions {
  /** Listener name (`protobuf` or `http`), for logs and metrics. */
  name: string;
  balance: BalanceMode;
  maxConnPerBackend: number;
  rise: number;
  fall: number;
  /** Consecutive connect errors that eject a backend (0: never). */
  ejectAfter: number;
  drainTimeoutMs: number;
  logger: Logger;
}

interface Waiter {
  exclude: ReadonlySet<Backend>;
  resolve: (b: Backend | undefined) => void;
  timer: NodeJS.Timeout | undefined;
}

/** A claim on a backend slot that `acquire` hands out; cancel it if the client goes away. */
export interface Acquisition {
  readonly promise: Promise<Backend | undefined>;
  readonly cancel: () => void;
}

/**
 * The backends of one listener and the balancing decision.
 *
 * - `sync` applies discovery's view: new backends start `up`; a backend that left is `draining`
 *   (no new connections; retired when its last connection ends or after `drainTimeoutMs`, which
 *   closes what is left); one that comes back with the same address while draining is revived.
 * - Balancing over backends that are up, not draining and below `maxConnPerBackend`:
 *   least connections (ties rotate) or round robin.
 * - Rise/fall: `rise` consecutive passed checks bring a down backend up, `fall` consecutive failed
 *   checks take an up one down; `ejectAfter` consecutive connect errors of real traffic take it
 *   down at once (passive ejection). Checks go on while down, so it recovers.
 * - Clients that find no available backend wait (FIFO) until one frees up or their time runs out.
 *
 * Events: `state` (backend, from, to), `added` (backend), `retired` (backend), `ejected`
 * (backend, error: taken down by its connect errors).
 */
export class BackendPool extends EventEmitter {
  private members: Backend[] = [];
  private cursor = 0;
  private waiters: Waiter[] = [];
  /** Counters of retired backends, so that pool totals never go down. */
  readonly retiredTotals = { connections: 0, connectErrors: 0, bytesIn: 0, bytesOut: 0 };

  constructor(readonly options: BackendPoolOptions) {
    super();
  }

  get name(): string {
    return this.options.name;
  }

  /** Every backend, draining ones included, in balancing order. */
  list(): readonly Backend[] {
    return this.members;
  }

  healthyCount(): number {
    return this.members.filter((b) => b.state === 'up').length;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** Applies the set of backends that discovery currently publishes. */
  sync(specs: readonly BackendSpec[]): void {
    const wanted = new Map<string, BackendSpec>();
    for (const s of specs) wanted.set(s.id, s);
    for (const spec of wanted.values()) {
      const keep = this.members.find(
        (b) => !b.retired && b.id === spec.id && b.host === spec.host && b.port === spec.port,
      );
      for (const old of [...this.members]) {
        if (old.id === spec.id && old !== keep && !old.draining) {
          this.options.logger.info('backend address changed; draining the old address', {
            listener: this.name,
            id: old.id,
            from: old.address,
            to: `${spec.host}:${spec.port}`,
          });
          this.drain(old);
        }
      }
      if (keep) {
        keep.node = spec.node;
        if (keep.draining) this.revive(keep);
        continue;
      }
      const b = new Backend(spec.id, spec.node, spec.host, spec.port);
      // Newest first, as the original inserted at the head of the list.
      this.members.unshift(b);
      this.options.logger.info('backend added', {
        listener: this.name,
        id: b.id,
        node: b.node,
        address: b.address,
      });
      this.emit('added', b);
    }
    for (const b of [...this.members]) {
      if (!b.draining && !wanted.has(b.id)) this.drain(b);
    }
    this.wake();
  }

  private revive(b: Backend): void {
    clearTimeout(b.drainTimer);
    b.drainTimer = undefined;
    b.draining = false;
    this.options.logger.info('backend is back in discovery; no longer draining', {
      listener: this.name,
      id: b.id,
      address: b.address,
    });
    this.emit('state', b, 'draining', b.state);
  }

  private drain(b: Backend): void {
    const from = b.state;
    b.draining = true;
    this.emit('state', b, from, 'draining');
    this.options.logger.info('backend left discovery; draining', {
      listener: this.name,
      id: b.id,
      address: b.address,
      connections: b.load,
    });
    if (b.load === 0) {
      this.retire(b);
      return;
    }
    for (const c of [...b.connections]) c.draining?.();
    if (b.draining && b.load === 0) return; // every connection moved at once (retired meanwhile)
    b.drainTimer = setTimeout(() => {
      b.drainTimer = undefined;
      if (!b.draining || b.retired) return;
      this.options.logger.warn('drain timeout: closing the connections left', {
        listener: this.name,
        id: b.id,
        address: b.address,
        connections: b.connections.size,
      });
      for (const c of [...b.connections]) c.destroy();
    }, this.options.drainTimeoutMs);
    b.drainTimer.unref();
  }

  private retire(b: Backend): void {
    if (b.retired) return;
    b.retired = true;
    clearTimeout(b.drainTimer);
    this.members = this.members.filter((m) => m !== b);
    this.retiredTotals.connections += b.connectionsTotal;
    this.retiredTotals.connectErrors += b.connectErrors;
    this.retiredTotals.bytesIn += b.bytesIn;
    this.retiredTotals.bytesOut += b.bytesOut;
    this.options.logger.info('backend drained and closed', {
      listener: this.name,
      id: b.id,
      address: b.address,
    });
    this.emit('retired', b);
  }

  private available(b: Backend): boolean {
    return !b.draining && b.healthy && b.load < this.options.maxConnPerBackend;
  }

  /**
   * The next backend by the balancing mode, preferring ones not in `exclude` (those already
   * tried for this client) but falling back to them; undefined if none is available.
   */
  pick(exclude: ReadonlySet<Backend> = new Set()): Backend | undefined {
    return this.choose(exclude) ?? (exclude.size ? this.choose(new Set()) : undefined);
  }

  private choose(exclude: ReadonlySet<Backend>): Backend | undefined {
    const n = this.members.length;
    if (n === 0) return undefined;
    const start = this.cursor % n;
    let best: Backend | undefined;
    let bestIndex = -1;
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      const b = this.members[i];
      if (exclude.has(b) || !this.available(b)) continue;
      if (this.options.balance === 'roundrobin') {
        best = b;
        bestIndex = i;
        break;
      }
      if (!best || b.load < best.load) {
        best = b;
        bestIndex = i;
      }
    }
    if (best) this.cursor = bestIndex + 1;
    return best;
  }

  /**
   * Claims a slot on a backend (counted as pending until `connected` or `connectFailed`). When
   * none is available the claim waits in line up to `timeoutMs`, then resolves undefined.
   */
  acquire(exclude: ReadonlySet<Backend>, timeoutMs: number): Acquisition {
    const now = this.pick(exclude);
    if (now) {
      now.pending++;
      return { promise: Promise.resolve(now), cancel: () => undefined };
    }
    let waiter!: Waiter;
    const promise = new Promise<Backend | undefined>((resolve) => {
      waiter = { exclude, resolve, timer: undefined };
    });
    if (timeoutMs <= 0) {
      waiter.resolve(undefined);
      return { promise, cancel: () => undefined };
    }
    waiter.timer = setTimeout(() => {
      this.waiters = this.waiters.filter((w) => w !== waiter);
      waiter.resolve(undefined);
    }, timeoutMs);
    this.waiters.push(waiter);
    return {
      promise,
      cancel: () => {
        if (!this.waiters.includes(waiter)) return;
        clearTimeout(waiter.timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve(undefined);
      },
    };
  }

  /** Hands freed capacity to waiting clients, oldest first. */
  private wake(): void {
    while (this.waiters.length) {
      const b = this.pick(this.waiters[0].exclude);
      if (!b) return;
      const w = this.waiters.shift()!;
      clearTimeout(w.timer);
      b.pending++;
      w.resolve(b);
    }
  }

  /** A pending connect succeeded: the slot becomes an active connection. */
  connected(b: Backend, handle: ConnectionHandle): void {
    b.pending--;
    b.active++;
    b.connectionsTotal++;
    b.consecutiveConnectErrors = 0;
    b.connections.add(handle);
  }

  /** A pending connect failed: counts towards passive ejection and frees the slot. */
  connectFailed(b: Backend, error: string): void {
    b.pending--;
    b.connectErrors++;
    b.consecutiveConnectErrors++;
    b.lastError = error;
    b.lastErrorTime = new Date();
    const limit = this.options.ejectAfter;
    if (limit > 0 && b.healthy && b.consecutiveConnectErrors >= limit) {
      this.eject(b, error);
      this.emit('ejected', b, error);
    }
    this.afterRelease(b);
  }

  /** Takes a backend down at once: its connect errors (here, or in another worker). */
  eject(b: Backend, error: string): void {
    if (!b.healthy || b.retired) return;
    this.options.logger.warn('backend ejected after connect errors', {
      listener: this.name,
      id: b.id,
      address: b.address,
      errors: b.consecutiveConnectErrors,
      error,
    });
    b.lastError = error;
    b.lastErrorTime = new Date();
    this.setHealthy(b, false);
  }

  /**
   * Takes the health another process decided (a worker follows the primary's checks, which have
   * applied rise and fall already).
   */
  follow(b: Backend, healthy: boolean): void {
    if (b.retired) return;
    this.setHealthy(b, healthy);
  }

  /** A slot claimed by `acquire` was not used (the client went away while connecting). */
  abandon(b: Backend): void {
    b.pending--;
    this.afterRelease(b);
  }

  /** An active connection ended. */
  release(
    b: Backend,
    handle: ConnectionHandle,
    stats: { durationMs: number; bytesIn: number; bytesOut: number },
  ): void {
    if (!b.connections.delete(handle)) return;
    b.active--;
    b.completedConnections++;
    b.completedTimeMs += stats.durationMs;
    b.bytesIn += stats.bytesIn;
    b.bytesOut += stats.bytesOut;
    this.afterRelease(b);
  }

  private afterRelease(b: Backend): void {
    if (b.draining && b.load === 0) this.retire(b);
    else this.wake();
  }

  /** Result of one active health check. */
  reportCheck(b: Backend, ok: boolean, detail?: string): void {
    if (b.retired) return;
    b.lastCheck = { ok, at: new Date(), ...(detail ? { detail } : {}) };
    if (ok) {
      b.checksPassed++;
      b.fallingChecks = 0;
      b.risingChecks++;
      if (!b.healthy && b.risingChecks >= this.options.rise) {
        b.consecutiveConnectErrors = 0;
        this.setHealthy(b, true);
      }
    } else {
      b.checksFailed++;
      b.risingChecks = 0;
      b.fallingChecks++;
      b.lastError = detail ?? 'health check failed';
      b.lastErrorTime = new Date();
      if (b.healthy && b.fallingChecks >= this.options.fall) this.setHealthy(b, false);
    }
  }

  private setHealthy(b: Backend, healthy: boolean): void {
    if (b.healthy === healthy) return;
    const from = b.state;
    b.healthy = healthy;
    b.risingChecks = 0;
    b.fallingChecks = 0;
    const to = b.state;
    const meta = { listener: this.name, id: b.id, address: b.address, lastError: b.lastError };
    if (healthy) this.options.logger.info('backend is up', meta);
    else this.options.logger.warn('backend is down', meta);
    this.emit('state', b, from, to);
    if (healthy) this.wake();
  }

  /** Ends every wait and timer; connections are the proxy's to close. */
  close(): void {
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.resolve(undefined);
    }
    for (const b of this.members) clearTimeout(b.drainTimer);
  }
}
