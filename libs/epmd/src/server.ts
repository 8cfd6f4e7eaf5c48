import { randomInt } from 'node:crypto';
import type { Logger } from '@riak-mesos/logging';
import { createLogger } from '@riak-mesos/logging';
import type { Registration, Request } from './protocol';
import {
  LOOKUP_SESSION_REQ,
  PORT_PLEASE2_REQ,
  encodeAliveResponse,
  encodeDump,
  encodeLookupSessionAnswer,
  encodeNames,
  encodePort2,
  frame,
  parseRequest,
  takeFrame,
} from './protocol';
import type { EpmdStore } from './store';
import { MemoryStore } from './store';
import type { Connection, Listener, TransportKind } from './transport';
import { transportFor } from './transport';

export interface EpmdServerOptions {
  port?: number;
  /** Addresses to listen on; loopback only unless told otherwise. */
  addresses?: string[];
  store?: EpmdStore;
  /** Allow KILL with nodes registered, and STOP (forced unregistration). */
  relaxedCommandCheck?: boolean;
  logger?: Logger;
  /** Largest request accepted (the 2-byte length allows 65535; names are at most 255). */
  maxRequestBytes?: number;
  /** Connections idle this long without a complete request are closed. */
  idleTimeoutMs?: number;
  /** Called after a KILL was honoured. */
  onKill?: () => void;
  /** How connections are carried (see `TransportKind`); `auto` unless told otherwise. */
  transport?: TransportKind;
}

/** A lookup session: bytes not yet a whole request, and whether a lookup is awaited. */
interface Session {
  pending: Buffer | undefined;
  waiting: boolean;
  /** Refused: closing once the answers due are written; nothing more is read. */
  closing: boolean;
}

/**
 * Answers a lookup session may hold unread, or requests it may have waiting, before it is closed:
 * a client that sends without reading would otherwise grow the server's memory without bound.
 */
const SESSION_MAX_QUEUED_BYTES = 256 * 1024;

/**
 * An EPMD server: ALIVE2 (answered with ALIVE2_X_RESP or ALIVE2_RESP by the node's version),
 * PORT_PLEASE2, NAMES, DUMP, KILL, STOP, with a pluggable store, and lookup sessions (our
 * extension: many PORT_PLEASE2 on one connection). Registrations last as long as the registering
 * connection. Malformed, truncated, oversized or unknown requests close that
 * connection; nothing a client sends stops the server.
 */
export class EpmdServer {
  private readonly listeners: Listener[] = [];
  readonly store: EpmdStore;
  private readonly logger: Logger;
  /** Open connections → when they opened, or 0 once their request is complete. */
  private readonly opened = new Map<Connection, number>();
  private readonly owned = new Map<Connection, string>();
  /** Connections that are lookup sessions. */
  private readonly sessions = new Set<Connection>();
  private sweeper: NodeJS.Timeout | undefined;
  port = 0;

  /** Largest request body accepted. */
  private readonly maxRequestBytes: number;

  constructor(private readonly o: EpmdServerOptions = {}) {
    this.maxRequestBytes = o.maxRequestBytes ?? 2048;
    this.store = o.store ?? new MemoryStore();
    this.logger = o.logger ?? createLogger('epmd');
  }

  get connections(): number {
    return this.opened.size;
  }

  /** Open lookup sessions. */
  get lookupSessions(): number {
    return this.sessions.size;
  }

  async start(): Promise<void> {
    const addresses = this.o.addresses?.length ? this.o.addresses : ['127.0.0.1'];
    let port = this.o.port ?? 4369;
    const transport = transportFor(this.o.transport);
    try {
      for (const address of addresses) {
        const listener = await transport.listen(
          address,
          port,
          (c) => this.accept(c),
          (err) =>
            this.logger.warn('a connection was lost before it was accepted', {
              error: err.message,
            }),
        );
        port = listener.port;
        this.listeners.push(listener);
      }
    } catch (err) {
      await this.closeListeners();
      throw err;
    }
    this.port = port;
    const idle = this.o.idleTimeoutMs ?? 10000;
    this.sweeper = setInterval(
      () => {
        const cutoff = Date.now() - idle;
        for (const [s, t] of this.opened) if (t !== 0 && t < cutoff) s.destroy();
      },
      Math.max(100, Math.min(idle, 5000)),
    );
    this.sweeper.unref();
    this.logger.info('EPMD listening', { addresses, port, transport: transport.kind });
  }

  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    for (const s of this.opened.keys()) s.destroy();
    await this.closeListeners();
    await this.store.close();
  }

  private async closeListeners(): Promise<void> {
    await Promise.all(this.listeners.map((l) => l.close()));
    this.listeners.length = 0;
  }

  private accept(conn: Connection): void {
    // Idle connections are closed by a periodic sweep (cheaper than a timer per connection).
    this.opened.set(conn, Date.now());
    let buf: Buffer | undefined;
    let handled = false;
    conn.onData = (chunk) => {
      if (handled) {
        // Only a registration keeps its connection; it sends nothing more.
        if (this.owned.has(conn)) return;
        conn.destroy();
        return;
      }
      buf = buf ? Buffer.concat([buf, chunk]) : chunk;
      const f = takeFrame(buf, this.maxRequestBytes);
      if (f === null) {
        this.logger.debug('closing a connection: bad request length', {
          length: buf.readUInt16BE(0),
        });
        conn.destroy();
        return;
      }
      if (!f) return;
      // Only a lookup session may carry more than one request (its lookups may follow at once).
      if (f.rest && f.body[0] !== LOOKUP_SESSION_REQ) {
        conn.destroy();
        return;
      }
      handled = true;
      this.opened.set(conn, 0);
      this.dispatch(conn, f.body);
      // A session has taken over onData by now.
      if (f.rest && !conn.closed) conn.onData(f.rest);
    };
    conn.onClose = () => {
      this.opened.delete(conn);
      this.sessions.delete(conn);
      const name = this.owned.get(conn);
      if (name) {
        this.owned.delete(conn);
        this.store.unregister(name).then(
          () => this.logger.info('node unregistered', { name }),
          (err: Error) =>
            this.logger.error('could not unregister a node', { name, error: err.message }),
        );
      }
    };
  }

  /** PORT2_RESP bytes per registration object (a new registration is a new object). */
  private readonly answers = new WeakMap<Registration, Buffer>();
  /** The same, framed for lookup sessions. */
  private readonly framedAnswers = new WeakMap<Registration, Buffer>();

  private port2Answer(reg: Registration): Buffer {
    let b = this.answers.get(reg);
    if (!b) {
      b = encodePort2(reg);
      this.answers.set(reg, b);
    }
    return b;
  }

  private framedPort2Answer(reg: Registration | undefined): Buffer {
    if (!reg) return frame(encodePort2(undefined));
    let b = this.framedAnswers.get(reg);
    if (!b) {
      b = frame(this.port2Answer(reg));
      this.framedAnswers.set(reg, b);
    }
    return b;
  }

  /**
   * The whole requests a lookup session has sent, answered in order. Only PORT_PLEASE2 belongs
   * in a session; anything else, or a malformed or oversized request, closes it. A lookup the
   * store cannot answer at once holds the requests behind it until it is answered.
   */
  /** Makes a connection a lookup session: its data goes to `sessionLookups` from now on. */
  private openSession(conn: Connection): void {
    const session: Session = { pending: undefined, waiting: false, closing: false };
    this.sessions.add(conn);
    conn.onData = (chunk) => {
      if (session.closing) return;
      session.pending = session.pending ? Buffer.concat([session.pending, chunk]) : chunk;
      if (!session.waiting) this.sessionLookups(conn, session);
      else if (session.pending.length > SESSION_MAX_QUEUED_BYTES) {
        // Requests piling up behind a lookup that takes its time.
        this.logger.warn('closing a lookup session that sends faster than it is answered');
        conn.destroy();
      }
    };
  }

  private sessionLookups(conn: Connection, session: Session): void {
    if (conn.queued > SESSION_MAX_QUEUED_BYTES) {
      this.logger.warn('closing a lookup session that does not read its answers', {
        queuedBytes: conn.queued,
      });
      conn.destroy();
      return;
    }
    // The answers to the requests that arrived together go out in one write.
    const answers: Buffer[] = [];
    const flush = () => {
      if (answers.length) conn.write(answers.length === 1 ? answers[0] : Buffer.concat(answers));
    };
    /** Closes the session after the answers already due, those of earlier writes included. */
    const refuse = (why: string, detail: Record<string, unknown>) => {
      this.logger.debug(`closing a lookup session: ${why}`, detail);
      session.closing = true;
      session.pending = undefined;
      // The client may be sending still: a plain close could reset the answers away.
      conn.endGracefully(Buffer.concat(answers));
    };
    while (session.pending && !conn.closed) {
      const f = takeFrame(session.pending, this.maxRequestBytes);
      if (f === null) {
        refuse('bad request length', { length: session.pending.readUInt16BE(0) });
        return;
      }
      if (!f) break;
      session.pending = f.rest;
      if (f.body[0] !== PORT_PLEASE2_REQ) {
        refuse('only PORT_PLEASE2 belongs in a session', { request: f.body[0] });
        return;
      }
      let name: string | undefined;
      try {
        const req = parseRequest(f.body);
        if (req.type === 'port_please2') name = req.name;
      } catch (err) {
        this.logger.debug('lookup of an invalid name', { error: (err as Error).message });
      }
      if (name === undefined) {
        // A name no node can have: unknown, as stock epmd answers it; the session goes on.
        answers.push(this.framedPort2Answer(undefined));
        continue;
      }
      const known = this.store.known?.(name);
      if (known) {
        answers.push(this.framedPort2Answer(known));
        continue;
      }
      // Not known at once: the requests behind it wait for its answer.
      flush();
      session.waiting = true;
      this.store.lookup(name).then(
        (reg) => {
          session.waiting = false;
          if (conn.closed) return;
          conn.write(this.framedPort2Answer(reg));
          this.sessionLookups(conn, session);
        },
        (err: Error) => {
          this.logger.error('lookup failed', { name, error: err.message });
          conn.destroy();
        },
      );
      return;
    }
    if (!conn.closed) flush();
  }

  /**
   * One complete request. A PORT_PLEASE2 for a name the store knows at once (always in memory;
   * from the watch-kept cache with ZooKeeper), the common case, is answered here, without a
   * promise, from bytes kept per registration; the rest goes to `handle`.
   */
  private dispatch(conn: Connection, body: Buffer): void {
    let req: Request;
    try {
      req = parseRequest(body);
    } catch (err) {
      this.logger.debug('closing a connection: malformed request', {
        error: (err as Error).message,
      });
      conn.destroy();
      return;
    }
    const known = req.type === 'port_please2' ? this.store.known?.(req.name) : undefined;
    if (known) conn.end(this.port2Answer(known));
    else void this.handle(conn, req);
  }

  private async handle(conn: Connection, req: Request): Promise<void> {
    try {
      switch (req.type) {
        case 'alive2': {
          const extended = req.registration.highestVersion >= 6;
          // Creation: 32-bit and never 0 for new nodes; 1..3 for the old 2-bit field.
          const creation = extended ? randomInt(4, 0x7fffffff) : randomInt(1, 4);
          const ok = await this.store.register({ ...req.registration, creation });
          if (conn.closed) {
            if (ok) await this.store.unregister(req.registration.name);
            return;
          }
          if (!ok) {
            conn.end(encodeAliveResponse(1, 0, extended));
            return;
          }
          this.owned.set(conn, req.registration.name);
          conn.keepAlive();
          conn.write(encodeAliveResponse(0, creation, extended));
          this.logger.info('node registered', {
            name: req.registration.name,
            port: req.registration.port,
          });
          return;
        }
        case 'port_please2': {
          const reg = await this.store.lookup(req.name);
          conn.end(reg ? this.port2Answer(reg) : encodePort2(undefined));
          return;
        }
        case 'names':
          conn.end(encodeNames(this.port, await this.store.list()));
          return;
        case 'dump':
          conn.end(encodeDump(this.port, await this.store.list()));
          return;
        case 'lookup_session':
          // Long-lived like a registration: out of the idle sweep, with keep-alive.
          this.openSession(conn);
          conn.keepAlive();
          conn.write(encodeLookupSessionAnswer(req.version));
          this.logger.debug('lookup session opened', { version: req.version });
          return;
        case 'kill': {
          const registered = (await this.store.list()).length;
          if (!this.o.relaxedCommandCheck && registered > 0) {
            this.logger.warn('refusing KILL: nodes are registered (use -relaxed_command_check)', {
              registered,
            });
            conn.end(Buffer.from('NO'));
            return;
          }
          conn.end(Buffer.from('OK'));
          this.logger.warn('KILL received: stopping');
          this.o.onKill?.();
          return;
        }
        case 'stop': {
          if (!this.o.relaxedCommandCheck) {
            this.logger.warn('refusing STOP without -relaxed_command_check', { name: req.name });
            conn.destroy();
            return;
          }
          // Only a node registered here stops here: a name held through another EPMD is not ours.
          if (![...this.owned.values()].includes(req.name)) {
            conn.end(Buffer.from('NOEXIST'));
            return;
          }
          for (const [s, n] of this.owned) if (n === req.name) s.destroy();
          await this.store.unregister(req.name);
          conn.end(Buffer.from('STOPPED'));
          return;
        }
      }
    } catch (err) {
      this.logger.error('request failed', { error: (err as Error).message });
      conn.destroy();
    }
  }
}
