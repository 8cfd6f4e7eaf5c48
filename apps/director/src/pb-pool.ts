/**
 * Open PB connections to each backend, kept ready so that a new client connection is served at
 * once (no backend connect on the client's path), and taken back when a client leaves at a
 * message boundary (docs/director.md, "Backend connection pool").
 *
 * - A connection enters the pool either opened here (connect, then an RpbPingReq that must be
 *   answered RpbPingResp: a Riak node serves on it) or given back by a client connection that
 *   ended with every request answered and no per-connection state (the proxy decides that with
 *   its PbBoundaryTracker; a pinned connection is never given back).
 * - Per backend, up to `size` idle connections; `warmup` of them are kept open ahead of demand
 *   (opened when the backend is added or comes back up, and refilled when taken).
 * - An idle connection that sees anything from the node (data, end, error, close) is discarded;
 *   so is one idle longer than `idleTimeMs` (the refill opens a fresh one).
 * - A backend that is down, draining or retired has no idle connections: they are discarded as
 *   it changes state, and refilled when it is up again.
 */
import type { Socket } from 'node:net';
import { connect } from 'node:net';
import type { Logger } from '@riak-mesos/logging';
import type { Backend, BackendPool, BackendState } from './backends';
import { PB_PING_FRAME, describeError } from './health';

export interface PbPoolOptions {
  /** Idle connections kept per backend (0: no pool). */
  size: number;
  /** Idle connections opened ahead of demand per backend (at most `size`). */
  warmup: number;
  /** An idle connection unused this long is closed. */
  idleTimeMs: number;
  connectTimeoutMs: number;
  /** Wait before opening again after a failed warm-up connect. */
  retryMs: number;
  logger: Logger;
}

/** Why a backend connection left the pool or was not taken into it. */
export type DiscardReason =
  | 'pinned'
  | 'unfinished'
  | 'backend_closed'
  | 'backend_unavailable'
  | 'idle_timeout'
  | 'full'
  | 'shutdown';

export const DISCARD_REASONS: readonly DiscardReason[] = [
  'pinned',
  'unfinished',
  'backend_closed',
  'backend_unavailable',
  'idle_timeout',
  'full',
  'shutdown',
];

export interface PbPoolStats {
  /** Client connections (and moves) served from an idle connection. */
  hits: number;
  /** Ones that found none and connected on their own path. */
  misses: number;
  /** Connections given back by clients and kept. */
  returned: number;
  /** Connections opened by the pool (warm-up and refill) that passed their ping. */
  opened: number;
  /** Warm-up connects or pings that failed. */
  openFailures: number;
  discards: Record<DiscardReason, number>;
}

interface Idle {
  socket: Socket;
  since: number;
  off: () => void;
}

interface PerBackend {
  idle: Idle[];
  opening: number;
  retry: NodeJS.Timeout | undefined;
}

export class PbConnectionPool {
  readonly stats: PbPoolStats = {
    hits: 0,
    misses: 0,
    returned: 0,
    opened: 0,
    openFailures: 0,
    discards: Object.fromEntries(DISCARD_REASONS.map((r) => [r, 0])) as Record<
      DiscardReason,
      number
    >,
  };
  private readonly backends = new Map<Backend, PerBackend>();
  private sweeper: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly onAdded = (b: Backend) => this.fill(b);
  private readonly onState = (b: Backend, _from: BackendState, to: BackendState) => {
    if (to === 'up') this.fill(b);
    else this.clear(b, 'backend_unavailable');
  };
  private readonly onRetired = (b: Backend) => {
    this.clear(b, 'backend_unavailable');
    const entry = this.backends.get(b);
    clearTimeout(entry?.retry);
    this.backends.delete(b);
  };

  constructor(
    private readonly pool: BackendPool,
    readonly options: PbPoolOptions,
  ) {}

  get enabled(): boolean {
    return this.options.size > 0;
  }

  start(): void {
    if (!this.enabled) return;
    this.pool.on('added', this.onAdded);
    this.pool.on('state', this.onState);
    this.pool.on('retired', this.onRetired);
    for (const b of this.pool.list()) this.fill(b);
    const every = Math.max(50, Math.min(1000, Math.floor(this.options.idleTimeMs / 2)));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }

  /** Idle connections of one backend now. */
  idleCount(b: Backend): number {
    return this.backends.get(b)?.idle.length ?? 0;
  }

  /** The local ports of a backend's idle connections (tests observe reuse by them). */
  idlePorts(b: Backend): number[] {
    return (this.backends.get(b)?.idle ?? []).map((i) => i.socket.localPort ?? 0);
  }

  /**
   * An idle connection to `b` for a client, or undefined (counted as a miss): the caller connects
   * itself. The pool's listeners are removed; the socket is flowing, so the caller must attach
   * its 'data' listener in the same tick.
   */
  take(b: Backend): Socket | undefined {
    if (!this.enabled) return undefined;
    const entry = this.backends.get(b);
    let got: Idle | undefined;
    while (entry && (got = entry.idle.pop())) {
      got.off();
      if (!got.socket.destroyed && got.socket.readyState === 'open') break;
      got.socket.destroy();
      this.stats.discards.backend_closed++;
      got = undefined;
    }
    if (got) this.stats.hits++;
    else this.stats.misses++;
    this.fill(b);
    return got?.socket;
  }

  /**
   * A client connection ended at a message boundary with no per-connection state: keeps its
   * backend connection if there is room and the backend is up. False: not kept (the caller
   * closes it), counted under `full` or `backend_unavailable`.
   */
  give(b: Backend, socket: Socket): boolean {
    if (!this.enabled || this.stopped) return false;
    if (b.state !== 'up' || b.retired || socket.destroyed || socket.readyState !== 'open') {
      this.stats.discards.backend_unavailable++;
      return false;
    }
    const entry = this.entry(b);
    if (entry.idle.length >= this.options.size) {
      this.stats.discards.full++;
      return false;
    }
    this.keep(b, entry, socket);
    this.stats.returned++;
    return true;
  }

  /** Counts a backend connection the proxy closed instead of giving back. */
  discarded(reason: DiscardReason): void {
    this.stats.discards[reason]++;
  }

  private entry(b: Backend): PerBackend {
    let e = this.backends.get(b);
    if (!e) {
      e = { idle: [], opening: 0, retry: undefined };
      this.backends.set(b, e);
    }
    return e;
  }

  private keep(b: Backend, entry: PerBackend, socket: Socket): void {
    socket.setTimeout(0);
    const idle: Idle = { socket, since: Date.now(), off: () => undefined };
    // Anything from the node while idle (an answer nobody asked for, its end, an error) ends it.
    const lost = () => {
      const i = entry.idle.indexOf(idle);
      if (i < 0) return;
      entry.idle.splice(i, 1);
      idle.off();
      socket.destroy();
      this.stats.discards.backend_closed++;
      this.fill(b);
    };
    idle.off = listenTo(socket, { data: lost, end: lost, error: lost, close: lost });
    // Flowing, so that a FIN or reset from the node is noticed while the connection is idle.
    socket.resume();
    entry.idle.push(idle);
  }

  /** Opens connections until `warmup` are idle or opening, while the backend is up. */
  private fill(b: Backend): void {
    if (!this.enabled || this.stopped || b.retired || b.state !== 'up') return;
    const entry = this.entry(b);
    if (entry.retry) return;
    while (entry.idle.length + entry.opening < this.options.warmup) {
      entry.opening++;
      void this.open(b, entry);
    }
  }

  private async open(b: Backend, entry: PerBackend): Promise<void> {
    let socket: Socket | undefined;
    try {
      socket = await pingedConnection(b, this.options.connectTimeoutMs);
    } catch (err) {
      entry.opening--;
      this.stats.openFailures++;
      this.options.logger.debug('pool connect failed', {
        id: b.id,
        address: b.address,
        error: describeError(err),
      });
      if (!this.stopped && !b.retired && !entry.retry) {
        entry.retry = setTimeout(() => {
          entry.retry = undefined;
          this.fill(b);
        }, this.options.retryMs);
        entry.retry.unref();
      }
      return;
    }
    entry.opening--;
    if (
      this.stopped ||
      b.retired ||
      b.state !== 'up' ||
      this.backends.get(b) !== entry ||
      entry.idle.length >= this.options.size
    ) {
      socket.destroy();
      return;
    }
    this.stats.opened++;
    this.keep(b, entry, socket);
  }

  private clear(b: Backend, reason: DiscardReason): void {
    const entry = this.backends.get(b);
    if (!entry) return;
    for (const idle of entry.idle.splice(0)) {
      idle.off();
      idle.socket.destroy();
      this.stats.discards[reason]++;
    }
  }

  private sweep(): void {
    const oldest = Date.now() - this.options.idleTimeMs;
    for (const [b, entry] of this.backends) {
      let swept = false;
      // Oldest first: take() uses the newest, so the ones at the front are the least used.
      while (entry.idle.length && entry.idle[0].since <= oldest) {
        const idle = entry.idle.shift()!;
        idle.off();
        idle.socket.destroy();
        this.stats.discards.idle_timeout++;
        swept = true;
      }
      if (swept) this.fill(b);
    }
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.sweeper);
    this.pool.off('added', this.onAdded);
    this.pool.off('state', this.onState);
    this.pool.off('retired', this.onRetired);
    for (const [b, entry] of this.backends) {
      clearTimeout(entry.retry);
      this.clear(b, 'shutdown');
    }
    this.backends.clear();
  }
}

/** Adds the listeners to a socket; returns what removes them all. */
export function listenTo(
  socket: Socket,
  on: {
    data: (chunk: Buffer) => void;
    end: () => void;
    error: (err: Error) => void;
    close: () => void;
  },
): () => void {
  socket.on('data', on.data);
  socket.on('end', on.end);
  socket.on('error', on.error);
  socket.on('close', on.close);
  return () => {
    socket.off('data', on.data);
    socket.off('end', on.end);
    socket.off('error', on.error);
    socket.off('close', on.close);
  };
}

/**
 * A new PB connection to `b` that has answered an RpbPingReq with RpbPingResp, within
 * `timeoutMs` for both.
 */
function pingedConnection(b: Backend, timeoutMs: number): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket = connect({ host: b.host, port: b.port, allowHalfOpen: true, noDelay: true });
    let got = 0;
    const timer = setTimeout(() => done(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      // RpbPingResp is 00 00 00 01 02; anything else (or more) is not a clean answer.
      for (let i = 0; i < chunk.length; i++, got++) {
        if (got >= 5 || chunk[i] !== PING_RESP[got]) {
          done(new Error('the ping was not answered with RpbPingResp'));
          return;
        }
      }
      if (got === 5) done();
    };
    const onError = (err: Error) => done(err);
    const onClose = () => done(new Error('closed before the ping was answered'));
    const done = (err?: Error) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (err) {
        socket.destroy();
        reject(err);
      } else resolve(socket);
    };
    socket.once('connect', () => socket.write(PB_PING_FRAME));
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}

const PING_RESP = Buffer.from([0, 0, 0, 1, 2]);
