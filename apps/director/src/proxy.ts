/**
 * The director's TCP proxy. Over ~400 lines because one proxied connection is one object whose
 * states (connecting, proxied, moving to another node at a PB request boundary, handing its
 * backend connection to the pool, closing) share its sockets and counters; splitting it would
 * pass those around.
 */
import type { AddressInfo, Server, Socket } from 'node:net';
import { connect, createServer } from 'node:net';
import type { Logger } from '@riak-mesos/logging';
import type { Backend, BackendPool, ConnectionHandle } from './backends';
import { describeError } from './health';
import { PbBoundaryTracker } from './pb-boundary';
import type { PbConnectionPool } from './pb-pool';
import { listenTo } from './pb-pool';

export interface ProxyListenerOptions {
  /** `protobuf` or `http`: names the listener in logs, metrics and the status document. */
  name: string;
  host: string;
  port: number;
  pool: BackendPool;
  connectTimeoutMs: number;
  connectAttempts: number;
  queueTimeoutMs: number;
  idleTimeoutMs: number;
  maxClientConnections: number;
  /**
   * Riak PB: follow request boundaries (pb-boundary.ts), so that a connection whose node is
   * drained moves to another node between two requests instead of waiting for the drain to end.
   */
  pbBoundaries?: boolean;
  /**
   * With `pbBoundaries`: idle PB connections per backend (pb-pool.ts). A client is served from
   * it, and gives its backend connection back when it ends at a message boundary, unpinned.
   */
  connectionPool?: PbConnectionPool;
  logger: Logger;
}

/** Why a client connection ended badly, as counted in `stats.errors`. */
export type ProxyErrorReason =
  | 'no_backend'
  | 'connect_failed'
  | 'client_error'
  | 'backend_error'
  | 'idle_timeout'
  | 'drain_timeout'
  | 'shutdown';

export const PROXY_ERROR_REASONS: readonly ProxyErrorReason[] = [
  'no_backend',
  'connect_failed',
  'client_error',
  'backend_error',
  'idle_timeout',
  'drain_timeout',
  'shutdown',
];

export interface ProxyStats {
  /** Client connections accepted. */
  accepted: number;
  /** Client connections refused because `maxClientConnections` were open. */
  refused: number;
  /** Client connections that reached a backend. */
  proxied: number;
  /** PB connections moved off a draining node between two requests, unnoticed by the client. */
  moved: number;
  /**
   * PB connections whose node closed or failed while nothing was in flight, given another node
   * before their next request (unnoticed by the client).
   */
  reconnected: number;
  /** Backend connect attempts that failed (each retry counts). */
  connectFailures: number;
  errors: Record<ProxyErrorReason, number>;
  /** Bytes of ended connections: client to backend (`in`) and backend to client (`out`). */
  bytesIn: number;
  bytesOut: number;
}

/**
 * One TCP proxy listener. Each client connection:
 * - is accepted paused (its first bytes wait in the kernel) with TCP_NODELAY;
 * - claims a backend from the pool (waiting in line up to `queueTimeoutMs` if none is
 *   available) and connects to it within `connectTimeoutMs`; a failed connect is reported to the
 *   pool (passive ejection) and another backend is tried, up to `connectAttempts` in all;
 * - is then piped both ways with back-pressure (`pipe` pauses the reader while the writer is
 *   full); half-close is passed on (a FIN from one side ends the other side's writes only);
 * - ends after `idleTimeoutMs` without data either way, on an error of either side (the other
 *   side is reset), or when its backend's drain time runs out;
 * - with `pbBoundaries`, is forwarded chunk by chunk instead (same back-pressure and half-close)
 *   while its PB frames are followed; when its backend starts draining, it moves to another
 *   backend at the first moment every request it forwarded is answered, unless it is pinned; if
 *   its backend ends or fails with nothing in flight, it gets another before its next request;
 *   once pinned it is piped both ways;
 * - with a `connectionPool` too, takes an idle backend connection instead of connecting, and
 *   gives it back when it ends at a message boundary, unpinned (pb-pool.ts).
 */
export class ProxyListener {
  private server: Server | undefined;
  private readonly connections = new Set<ProxiedConnection>();
  readonly stats: ProxyStats = {
    accepted: 0,
    refused: 0,
    proxied: 0,
    moved: 0,
    reconnected: 0,
    connectFailures: 0,
    errors: Object.fromEntries(PROXY_ERROR_REASONS.map((r) => [r, 0])) as Record<
      ProxyErrorReason,
      number
    >,
    bytesIn: 0,
    bytesOut: 0,
  };
  private closing = false;

  constructor(readonly options: ProxyListenerOptions) {}

  get name(): string {
    return this.options.name;
  }

  get pool(): BackendPool {
    return this.options.pool;
  }

  /** The bound port (useful with port 0). */
  get port(): number {
    const a = this.server?.address() as AddressInfo | null | undefined;
    return a?.port ?? this.options.port;
  }

  get host(): string {
    return this.options.host;
  }

  /** Open client connections (connecting, waiting or proxied). */
  get openConnections(): number {
    return this.connections.size;
  }

  /** Bytes so far, open connections included. */
  bytes(): { in: number; out: number } {
    let bytesIn = this.stats.bytesIn;
    let bytesOut = this.stats.bytesOut;
    for (const c of this.connections) {
      bytesIn += c.client.bytesRead;
      bytesOut += c.client.bytesWritten;
    }
    return { in: bytesIn, out: bytesOut };
  }

  listen(): Promise<void> {
    const server = createServer({
      allowHalfOpen: true,
      pauseOnConnect: true,
      noDelay: true,
    });
    server.maxConnections = this.options.maxClientConnections;
    server.on('connection', (client: Socket) => this.accept(client));
    server.on('drop', () => {
      this.stats.refused++;
    });
    this.server = server;
    return new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => {
        reject(
          new Error(
            `cannot listen for ${this.name} on ${this.options.host}:${this.options.port}: ${describeError(err)}`,
          ),
        );
      };
      server.once('error', onError);
      // 4096 (capped by net.core.somaxconn): 511 dropped SYNs of 1,000 clients connecting at once.
      server.listen({ host: this.options.host, port: this.options.port, backlog: 4096 }, () => {
        server.off('error', onError);
        server.on('error', (err) =>
          this.options.logger.error('listener error', {
            listener: this.name,
            error: describeError(err),
          }),
        );
        this.options.logger.info('proxy listening', {
          listener: this.name,
          host: this.options.host,
          port: this.port,
        });
        resolve();
      });
    });
  }

  private accept(client: Socket): void {
    if (this.closing) {
      client.destroy();
      return;
    }
    this.stats.accepted++;
    const conn = new ProxiedConnection(this, client);
    this.connections.add(conn);
    conn.run().catch((err: unknown) => {
      // Not expected; one connection's failure must never take the listener down.
      this.options.logger.error('proxied connection failed', {
        listener: this.name,
        error: (err as Error)?.stack ?? String(err),
      });
      conn.abort('client_error');
    });
  }

  /** Called by a connection when both of its sockets are closed. */
  ended(conn: ProxiedConnection): void {
    if (!this.connections.delete(conn)) return;
    this.stats.bytesIn += conn.client.bytesRead;
    this.stats.bytesOut += conn.client.bytesWritten;
  }

  /**
   * Stops accepting, lets open connections finish for up to `graceMs`, then closes the rest.
   */
  async close(graceMs = 0): Promise<void> {
    this.closing = true;
    const server = this.server;
    const closed = server
      ? new Promise<void>((resolve) => server.close(() => resolve()))
      : Promise.resolve();
    if (graceMs > 0 && this.connections.size > 0) {
      const deadline = Date.now() + graceMs;
      while (this.connections.size > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    for (const c of [...this.connections]) c.abort('shutdown');
    await closed;
  }
}

/** One client connection and, once chosen, its backend connection. */
class ProxiedConnection implements ConnectionHandle {
  private upstream: Socket | undefined;
  private backend: Backend | undefined;
  private cancelWait: (() => void) | undefined;
  private connecting: Socket | undefined;
  private readonly startedAt = Date.now();
  private proxiedAt = 0;
  private closed = false;
  private clientClosed = false;
  private upstreamClosed = false;
  private reason: ProxyErrorReason | undefined;
  /** The client's byte counts when the current backend was attached (per-backend totals). */
  private boundAt = { in: 0, out: 0 };
  private readonly tracker: PbBoundaryTracker | undefined;
  private readonly onClientData = (chunk: Buffer) => this.fromClient(chunk);
  /** Stops following the current backend's bytes (pinned: they are piped from then on). */
  private stopUpstreamData: (() => void) | undefined;
  /** Pinned and piped both ways: nothing is followed any more. */
  private piped = false;
  /** Its backend drains: move at the next request boundary. */
  private moveWanted = false;
  private moving = false;
  private clientEnded = false;
  /** Removes the PB-mode listeners from the current backend socket (to move it or pool it). */
  private detach: (() => void) | undefined;
  /** `tracker.answered` when the backend was last lost at a boundary (one retry per answer). */
  private answeredAtLoss = -1;
  /** The backend side ended or failed first (its socket is not pooled). */
  private backendEnded = false;

  constructor(
    private readonly listener: ProxyListener,
    readonly client: Socket,
  ) {
    if (listener.options.pbBoundaries) this.tracker = new PbBoundaryTracker();
    client.on('error', (err) => this.onSocketError('client', err));
    client.on('close', () => {
      this.clientClosed = true;
      this.onClose();
    });
  }

  private get options(): ProxyListenerOptions {
    return this.listener.options;
  }

  /** Debug lines only when enabled: building a log entry costs more than proxying a small request. */
  private debug(message: string, meta: Record<string, unknown>): void {
    const logger = this.options.logger;
    if (logger.isDebugEnabled()) logger.debug(message, meta);
  }

  async run(): Promise<void> {
    const tried = new Set<Backend>();
    const got = await this.connectAny(tried, this.startedAt + this.options.queueTimeoutMs);
    if (got) {
      this.attach(got.backend, got.socket);
      return;
    }
    if (this.closed) return;
    this.reason = tried.size > 0 ? 'connect_failed' : 'no_backend';
    this.debug('no backend for client', {
      listener: this.listener.name,
      client: this.client.remoteAddress,
      reason: this.reason,
      tried: [...tried].map((b) => b.address),
    });
    this.listener.stats.errors[this.reason]++;
    this.closed = true;
    this.client.destroy();
  }

  /**
   * Claims a backend and connects to it, trying others (not in `tried`, to which failures are
   * added) up to `connectAttempts` times before `deadline`. Undefined: none, or the client left.
   */
  private async connectAny(
    tried: Set<Backend>,
    deadline: number,
  ): Promise<{ backend: Backend; socket: Socket } | undefined> {
    const pool = this.options.pool;
    for (let attempt = 1; attempt <= this.options.connectAttempts; attempt++) {
      if (this.closed) return undefined;
      const claim = pool.acquire(tried, Math.max(0, deadline - Date.now()));
      this.cancelWait = claim.cancel;
      const backend = await claim.promise;
      this.cancelWait = undefined;
      if (!backend) return undefined;
      if (this.closed) {
        pool.abandon(backend);
        return undefined;
      }
      let socket: Socket;
      try {
        socket = await this.connectTo(backend);
      } catch (err) {
        if (this.closed) {
          pool.abandon(backend);
          return undefined;
        }
        const message = describeError(err);
        this.listener.stats.connectFailures++;
        pool.connectFailed(backend, message);
        tried.add(backend);
        this.debug('backend connect failed', {
          listener: this.listener.name,
          backend: backend.address,
          attempt,
          error: message,
        });
        continue;
      }
      if (this.closed) {
        socket.destroy();
        pool.abandon(backend);
        return undefined;
      }
      return { backend, socket };
    }
    return undefined;
  }

  private connectTo(backend: Backend): Promise<Socket> {
    const pooled = this.options.connectionPool?.take(backend);
    if (pooled) return Promise.resolve(pooled);
    return new Promise<Socket>((resolve, reject) => {
      const socket = connect({
        host: backend.host,
        port: backend.port,
        allowHalfOpen: true,
        noDelay: true,
      });
      this.connecting = socket;
      const timer = setTimeout(() => {
        socket.destroy();
        done(new Error(`connect timed out after ${this.options.connectTimeoutMs} ms`));
      }, this.options.connectTimeoutMs);
      const done = (err?: Error) => {
        clearTimeout(timer);
        socket.off('connect', onConnect);
        socket.off('error', onError);
        socket.off('close', onClose);
        this.connecting = undefined;
        if (err) {
          socket.destroy();
          reject(err);
        } else resolve(socket);
      };
      const onConnect = () => done();
      const onError = (err: Error) => done(err);
      const onClose = () => done(new Error('connection closed while connecting'));
      socket.once('connect', onConnect);
      socket.once('error', onError);
      socket.once('close', onClose);
    });
  }

  private attach(backend: Backend, upstream: Socket): void {
    const { client } = this;
    const pool = this.options.pool;
    const first = this.upstream === undefined && this.proxiedAt === 0;
    this.backend = backend;
    this.upstream = upstream;
    this.proxiedAt = Date.now();
    this.boundAt = { in: client.bytesRead, out: client.bytesWritten };
    pool.connected(backend, this);
    if (first) this.listener.stats.proxied++;
    const idle = () => this.abort('idle_timeout');
    if (first) client.setTimeout(this.options.idleTimeoutMs, idle);
    upstream.setTimeout(this.options.idleTimeoutMs, idle);
    if (!this.tracker) {
      upstream.on('error', (err) => {
        if (this.upstream === upstream) this.onSocketError('backend', err);
      });
      upstream.on('close', () => {
        if (this.upstream !== upstream) return;
        this.upstreamClosed = true;
        this.onClose();
      });
      // pipe() keeps back-pressure both ways and ends the other side's writes on a FIN.
      upstream.pipe(client);
      client.pipe(upstream);
      return;
    }
    this.attachPb(upstream, idle);
    if (first) {
      client.on('data', this.onClientData);
      client.on('end', () => this.onClientEnd());
      // Accepted paused (pauseOnConnect): a 'data' listener alone does not start the flow.
      client.resume();
    }
  }

  /**
   * PB mode: the backend socket's listeners, removable (`detach`) so that the socket can move to
   * the pool. A backend that ends or fails while nothing is in flight is replaced (`lost`).
   */
  private attachPb(upstream: Socket, idle: () => void): void {
    const onData = (chunk: Buffer) => this.fromUpstream(upstream, chunk);
    const onEnd = () => {
      if (this.upstream !== upstream || this.lost()) return;
      this.backendEnded ||= !this.clientEnded && !this.clientClosed;
      if (!this.client.writableEnded) this.client.end();
    };
    const onError = (err: Error) => {
      if (this.upstream !== upstream || this.lost()) return;
      this.backendEnded ||= !this.clientEnded && !this.clientClosed;
      this.onSocketError('backend', err);
    };
    const onClose = () => {
      if (this.upstream !== upstream || this.lost()) return;
      this.backendEnded ||= !this.clientEnded && !this.clientClosed;
      this.upstreamClosed = true;
      this.onClose();
    };
    const off = listenTo(upstream, { data: onData, end: onEnd, error: onError, close: onClose });
    this.stopUpstreamData = () => upstream.off('data', onData);
    this.detach = () => {
      off();
      upstream.off('timeout', idle);
      upstream.setTimeout(0);
    };
  }

  /** PB mode: the client ended its writes. */
  private onClientEnd(): void {
    this.clientEnded = true;
    if (this.giveBack()) return;
    const upstream = this.upstream;
    if (!upstream || this.moving || upstream.writableEnded) return;
    // With a pool, an unpinned connection waits for its answers and is then given back.
    if (this.options.connectionPool?.enabled && !this.tracker!.pinned) return;
    upstream.end();
  }

  /**
   * With a pool: a client that ended (or ends now) at a message boundary, unpinned, gives its
   * backend connection back, and its own side is ended. True when that happened.
   */
  private giveBack(): boolean {
    const connectionPool = this.options.connectionPool;
    const upstream = this.upstream;
    const backend = this.backend;
    if (!connectionPool?.enabled || !upstream || !backend || this.moving || this.closed)
      return false;
    if (!this.tracker!.atBoundary) return false;
    this.detach?.();
    this.detach = undefined;
    this.upstream = undefined;
    this.backend = undefined;
    this.closed = true;
    this.releaseBackend(backend);
    if (!connectionPool.give(backend, upstream)) upstream.destroy();
    if (this.clientClosed) this.finish();
    else if (!this.client.writableEnded) this.client.end();
    return true;
  }

  /**
   * PB mode: the backend ended or failed. At a boundary (nothing in flight, unpinned) the client
   * loses nothing: it gets another backend before its next request, at most once without an
   * answer in between (a backend that drops every connection must not loop). True when taken care
   * of that way.
   */
  private lost(): boolean {
    const t = this.tracker!;
    if (this.closed || this.moving || this.clientEnded || this.clientClosed) return false;
    if (!t.atBoundary || t.answered === this.answeredAtLoss) return false;
    this.answeredAtLoss = t.answered;
    void this.move('lost');
    return true;
  }

  /** PB mode: a client chunk to the current backend, pausing the client while it is full. */
  private fromClient(chunk: Buffer): void {
    const upstream = this.upstream;
    if (!upstream || this.closed) return;
    this.tracker!.fromClient(chunk);
    if (!upstream.write(chunk)) {
      this.client.pause();
      upstream.once('drain', () => {
        if (this.upstream === upstream && !this.moving) this.client.resume();
      });
    }
    if (this.tracker!.pinned) this.pipePinned();
  }

  /**
   * A pinned connection never moves and is never pooled: its bytes are piped both ways from now
   * on (back-pressure by pipe(); the end of either side is still passed on by the PB listeners).
   */
  private pipePinned(): void {
    const upstream = this.upstream;
    if (this.piped || !upstream || this.moving) return;
    this.piped = true;
    this.client.off('data', this.onClientData);
    this.stopUpstreamData?.();
    upstream.pipe(this.client, { end: false });
    this.client.pipe(upstream, { end: false });
  }

  /** PB mode: a backend chunk to the client; at a request boundary, a wanted move happens. */
  private fromUpstream(upstream: Socket, chunk: Buffer): void {
    if (this.upstream !== upstream || this.closed) return;
    this.tracker!.fromServer(chunk);
    if (!this.client.write(chunk)) {
      upstream.pause();
      this.client.once('drain', () => upstream.resume());
    }
    if (this.tracker!.pinned) this.pipePinned();
    if (!this.tracker!.atBoundary) return;
    if (this.clientEnded) this.giveBack();
    else if (this.moveWanted) void this.move('drain');
  }

  /**
   * ConnectionHandle: the backend started draining. A PB connection that is not pinned moves now
   * if no request is in flight, else once its last answer has passed.
   */
  draining(): void {
    if (!this.tracker || this.tracker.pinned || this.closed || !this.upstream) return;
    this.moveWanted = true;
    if (this.tracker.atBoundary) void this.move('drain');
  }

  /**
   * Moves the connection to another backend between two requests: the client is paused (what it
   * sends next waits in the kernel), the old backend connection is ended cleanly (`drain`) or
   * closed (`lost`: the backend ended or failed) and released, another backend is claimed and
   * connected, and the client resumes. No backend: the client is closed, having no request in
   * flight.
   */
  private async move(why: 'drain' | 'lost'): Promise<void> {
    if (this.moving || this.closed || !this.upstream || !this.backend) return;
    this.moving = true;
    this.moveWanted = false;
    const { client } = this;
    const old = this.upstream;
    const from = this.backend;
    client.pause();
    this.upstream = undefined;
    this.backend = undefined;
    this.detach?.();
    this.detach = undefined;
    old.on('error', () => undefined);
    if (why === 'drain') {
      old.end();
      setTimeout(() => old.destroy(), 5000).unref();
    } else {
      old.destroy();
      this.options.connectionPool?.discarded('backend_closed');
    }
    this.releaseBackend(from);
    const got = await this.connectAny(new Set([from]), Date.now() + this.options.queueTimeoutMs);
    this.moving = false;
    if (this.closed) {
      if (got) {
        got.socket.destroy();
        this.options.pool.abandon(got.backend);
      }
      return;
    }
    if (!got) {
      this.reason = 'no_backend';
      this.debug('no backend to move a drained connection to', {
        listener: this.listener.name,
        from: from.address,
      });
      this.teardown(false);
      this.finish();
      return;
    }
    if (why === 'drain') this.listener.stats.moved++;
    else this.listener.stats.reconnected++;
    this.debug(
      why === 'drain'
        ? 'moved a connection off a draining backend'
        : 'gave a connection whose backend was lost between two requests another backend',
      { listener: this.listener.name, from: from.address, to: got.backend.address },
    );
    this.attach(got.backend, got.socket);
    if (this.clientEnded && !this.giveBack()) got.socket.end();
    client.resume();
  }

  private releaseBackend(backend: Backend): void {
    this.options.pool.release(backend, this, {
      durationMs: Date.now() - this.proxiedAt,
      bytesIn: this.client.bytesRead - this.boundAt.in,
      bytesOut: this.client.bytesWritten - this.boundAt.out,
    });
  }

  private onSocketError(side: 'client' | 'backend', err: Error): void {
    if (this.closed) return;
    this.reason = side === 'client' ? 'client_error' : 'backend_error';
    this.debug('connection error', {
      listener: this.listener.name,
      side,
      backend: this.backend?.address,
      error: describeError(err),
    });
    this.teardown(true);
  }

  /** Closes both sides now (idle timeout, drain timeout, shutdown). */
  abort(reason: ProxyErrorReason): void {
    if (this.closed) return;
    this.reason = reason;
    this.debug('closing connection', {
      listener: this.listener.name,
      reason,
      backend: this.backend?.address,
    });
    this.teardown(false);
  }

  /** ConnectionHandle: the pool closes connections of a backend whose drain timed out. */
  destroy(): void {
    this.abort('drain_timeout');
  }

  private teardown(reset: boolean): void {
    this.closed = true;
    if (this.reason) this.listener.stats.errors[this.reason]++;
    this.cancelWait?.();
    this.connecting?.destroy();
    for (const s of [this.client, this.upstream]) {
      if (!s || s.destroyed) continue;
      // An error on one side is passed on as a reset, so the peer cannot take it for a clean end.
      if (reset && typeof s.resetAndDestroy === 'function' && !s.connecting) {
        try {
          s.resetAndDestroy();
          continue;
        } catch {
          // fall through to a plain destroy
        }
      }
      s.destroy();
    }
  }

  private onClose(): void {
    if (!this.upstream) {
      // The client went away before a backend was connected.
      if (!this.clientClosed) return;
      this.closed = true;
      this.cancelWait?.();
      this.connecting?.destroy();
      this.finish();
      return;
    }
    if (this.clientClosed && this.upstreamClosed) {
      this.finish();
      return;
    }
    // One side is closed cleanly: the other only finishes writing what pipe() already passed on
    // (or is ended by the idle timeout if its peer never closes).
    const other = this.clientClosed ? this.upstream : this.client;
    if (!other.destroyed && !other.writableEnded) other.end();
  }

  private finished = false;

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.closed = true;
    if (this.backend && this.upstream) {
      this.releaseBackend(this.backend);
      // Its backend connection is closed with it, not pooled: say why.
      const connectionPool = this.options.connectionPool;
      if (connectionPool?.enabled)
        connectionPool.discarded(
          this.backendEnded ? 'backend_closed' : this.tracker!.pinned ? 'pinned' : 'unfinished',
        );
    }
    this.listener.ended(this);
  }
}
