import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Server, Socket } from 'node:net';
import { connect, createServer } from 'node:net';

/**
 * The dev node's distribution protocol: 4-byte big-endian length + JSON frames on the
 * distribution port, opened by a challenge–response handshake that proves both sides hold the
 * same cookie (an HMAC of a random challenge; the cookie never crosses the wire), then calls
 * answered by id. `riak-admin` talks to the node the same way, as nodetool does.
 */

const MAX_FRAME = 256 * 1024 * 1024;

export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

function digest(cookie: string, challenge: string, role: string): string {
  return createHmac('sha256', cookie).update(`${role}:${challenge}`).digest('hex');
}

function same(a: unknown, b: string): boolean {
  if (typeof a !== 'string' || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

export function encode(message: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(message));
  const out = Buffer.alloc(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

/** Splits a stream into JSON frames; throws on an oversized or malformed frame. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): unknown[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: unknown[] = [];
    while (this.buf.length >= 4) {
      const len = this.buf.readUInt32BE(0);
      if (len > MAX_FRAME) throw new WireError(`frame of ${len} bytes is too large`);
      if (this.buf.length < 4 + len) break;
      const body = this.buf.subarray(4, 4 + len).toString('utf8');
      this.buf = this.buf.subarray(4 + len);
      try {
        out.push(JSON.parse(body));
      } catch {
        throw new WireError('malformed frame');
      }
    }
    return out;
  }
}

export type Handler = (op: string, args: unknown, peer: string) => Promise<unknown>;

interface Call {
  t: 'call';
  id: number;
  op: string;
  args?: unknown;
}

/** Accepts authenticated connections and answers their calls with `handler`. */
export function serve(
  o: { host: string; port: number; name: string; cookie: string },
  handler: Handler,
): Promise<Server> {
  const server = createServer({ noDelay: true }, (socket) => {
    const reader = new FrameReader();
    let state: 'hello' | 'auth' | 'ready' = 'hello';
    let peer = '';
    const mine = randomBytes(16).toString('hex');
    socket.setTimeout(10000, () => state !== 'ready' && socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => {
      let frames: unknown[];
      try {
        frames = reader.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const f of frames) {
        const m = f as Record<string, unknown>;
        if (state === 'hello') {
          if (m?.t !== 'hello' || typeof m.challenge !== 'string' || typeof m.name !== 'string') {
            socket.destroy();
            return;
          }
          peer = m.name;
          state = 'auth';
          socket.write(
            encode({
              t: 'challenge',
              name: o.name,
              challenge: mine,
              digest: digest(o.cookie, m.challenge, 'server'),
            }),
          );
        } else if (state === 'auth') {
          if (m?.t !== 'auth' || !same(m.digest, digest(o.cookie, mine, 'client'))) {
            socket.end(encode({ t: 'denied' }));
            return;
          }
          state = 'ready';
          socket.setTimeout(0);
          socket.write(encode({ t: 'ok' }));
        } else {
          const call = m as unknown as Call;
          if (call?.t !== 'call' || typeof call.id !== 'number' || typeof call.op !== 'string') {
            socket.destroy();
            return;
          }
          handler(call.op, call.args, peer).then(
            (result) =>
              socket.writable && socket.write(encode({ t: 'reply', id: call.id, result })),
            (err: Error) =>
              socket.writable &&
              socket.write(encode({ t: 'reply', id: call.id, error: err.message })),
          );
        }
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** Raised when the other side does not hold our cookie. */
export class AuthError extends WireError {}

/** One authenticated connection to a node, carrying any number of concurrent calls. */
export class Connection {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    readonly peer: string,
    reader: FrameReader,
  ) {
    socket.on('data', (chunk) => {
      let frames: unknown[];
      try {
        frames = reader.push(chunk);
      } catch (err) {
        this.fail(err as Error);
        return;
      }
      for (const f of frames) {
        const m = f as { t?: string; id?: number; result?: unknown; error?: string };
        const p = m.id === undefined ? undefined : this.pending.get(m.id);
        if (m.t !== 'reply' || !p) continue;
        this.pending.delete(m.id!);
        clearTimeout(p.timer);
        if (m.error !== undefined) p.reject(new WireError(m.error));
        else p.resolve(m.result);
      }
    });
    socket.on('close', () => this.fail(new WireError(`connection to ${peer} closed`)));
    socket.on('error', (err) => this.fail(err));
  }

  get open(): boolean {
    return !this.closed;
  }

  private fail(err: Error): void {
    this.closed = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    this.socket.destroy();
  }

  static open(o: {
    host: string;
    port: number;
    name: string;
    cookie: string;
    timeoutMs?: number;
  }): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: o.host, port: o.port, noDelay: true });
      const reader = new FrameReader();
      const challenge = randomBytes(16).toString('hex');
      let done = false;
      const finish = (err?: Error, c?: Connection) => {
        if (done) return;
        done = true;
        socket.setTimeout(0);
        socket.off('data', onData);
        if (err) {
          socket.destroy();
          reject(err);
        } else resolve(c!);
      };
      socket.setTimeout(o.timeoutMs ?? 5000, () =>
        finish(new WireError(`${o.host}:${o.port} did not answer the handshake`)),
      );
      socket.on('connect', () => socket.write(encode({ t: 'hello', name: o.name, challenge })));
      socket.on('error', (err) => finish(err));
      socket.on('close', () =>
        finish(new AuthError(`${o.host}:${o.port} refused the connection (wrong cookie?)`)),
      );
      let peer = '';
      const onData = (chunk: Buffer) => {
        let frames: unknown[];
        try {
          frames = reader.push(chunk);
        } catch (err) {
          finish(err as Error);
          return;
        }
        for (const f of frames) {
          const m = f as Record<string, unknown>;
          if (m.t === 'challenge') {
            if (!same(m.digest, digest(o.cookie, challenge, 'server'))) {
              finish(new AuthError(`${String(m.name)} does not share our cookie`));
              return;
            }
            peer = String(m.name);
            socket.write(
              encode({ t: 'auth', digest: digest(o.cookie, String(m.challenge), 'client') }),
            );
          } else if (m.t === 'ok') {
            socket.removeAllListeners('close');
            socket.removeAllListeners('error');
            finish(undefined, new Connection(socket, peer, reader));
            return;
          } else {
            finish(new AuthError(`${o.host}:${o.port} refused our cookie`));
            return;
          }
        }
      };
      socket.on('data', onData);
    });
  }

  call<T = unknown>(op: string, args?: unknown, timeoutMs = 10000): Promise<T> {
    if (this.closed) return Promise.reject(new WireError(`connection to ${this.peer} closed`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new WireError(`${this.peer} did not answer ${op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.socket.write(encode({ t: 'call', id, op, args }));
    });
  }

  close(): void {
    this.closed = true;
    this.socket.end();
  }
}
