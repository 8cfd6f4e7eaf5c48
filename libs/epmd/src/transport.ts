import { lookup } from 'node:dns/promises';
import type { AddressInfo, Socket } from 'node:net';
import { createServer, isIP } from 'node:net';
import { getSystemErrorMap } from 'node:util';

/**
 * How the EPMD server meets its clients. Every lookup is a connection of its own (the protocol
 * answers PORT_PLEASE2 and closes), so the cost per connection is the cost per lookup.
 *
 * - `net`: Node's `net` module, the supported API. Each connection becomes a `net.Socket`, a
 *   full duplex stream; that machinery costs 2.5-3x the CPU of the C epmd per lookup.
 * - `handle`: the TCP handles under `net` (libuv's, as Node's own `net` uses them), without the
 *   stream layer: accept, one read, one write, close. About 1.5x the C epmd's CPU per lookup,
 *   most of it the runtime's own per-connection cost (see docs/erlpmd.md).
 *   They are reached through `process.binding`, which Node keeps for compatibility but does not
 *   document; every piece is checked before use, and `auto` falls back to `net` if any is
 *   missing or different.
 */
export const TRANSPORT_KINDS = ['auto', 'handle', 'net'] as const;
export type TransportKind = (typeof TRANSPORT_KINDS)[number];

/** One client connection, whatever carries it. */
export interface Connection {
  /** Each chunk read; set by the server before the first read. */
  onData: (chunk: Buffer) => void;
  /** Called once, when the connection closes for any reason (at once, or a turn later). */
  onClose: () => void;
  readonly closed: boolean;
  /** Bytes written but not yet taken by the kernel (a client not reading its answers). */
  readonly queued: number;
  /** Writes and keeps the connection open. */
  write(data: Buffer): void;
  /**
   * Writes (nothing if empty), then closes as soon as all data written so far is handed to the
   * kernel (as epmd does).
   */
  end(data: Buffer): void;
  /**
   * Writes, then half-closes (FIN after the data) and reads, discarding, until the peer closes or
   * `LINGER_MS` pass, then closes. For a connection the peer may still be sending on: closing it
   * with unread data would reset it, and a reset can discard answers the peer has not read yet.
   */
  endGracefully(data: Buffer): void;
  /** Closes now. */
  destroy(): void;
  /** TCP keep-alive, for the long-lived registration connections. */
  keepAlive(): void;
}

export interface Listener {
  readonly port: number;
  close(): Promise<void>;
}

export interface Transport {
  readonly kind: 'handle' | 'net';
  /** `onAcceptError` hears of connections lost before they were accepted (EMFILE, say). */
  listen(
    address: string,
    port: number,
    onConnection: (c: Connection) => void,
    onAcceptError?: (err: Error) => void,
  ): Promise<Listener>;
}

/**
 * Idle seconds before TCP keep-alive probes on a registration's connection. Explicit: a delay of
 * 0 (what `setKeepAlive(true)` passes) makes Linux refuse TCP_KEEPIDLE, leaving the two-hour
 * system default.
 */
const KEEPALIVE_IDLE_S = 60;

/** How long a gracefully ended connection waits for its peer to close before it is closed. */
const LINGER_MS = 5000;

function noop(): void {
  // nothing to do
}

// ---- net ----------------------------------------------------------------------------------

class NetConnection implements Connection {
  onData: (chunk: Buffer) => void = noop;
  onClose: () => void = noop;

  constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onClose());
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  get queued(): number {
    return this.socket.writableLength;
  }

  write(data: Buffer): void {
    this.socket.write(data);
  }

  end(data: Buffer): void {
    if (data.length) this.socket.write(data);
    // Written at once (the usual case on a fresh connection): close now, which sends the
    // answer and FIN together, instead of a shutdown one event-loop turn later.
    if (this.socket.writableLength === 0) this.socket.destroy();
    else this.socket.end();
  }

  endGracefully(data: Buffer): void {
    // Not allowHalfOpen: Node closes the socket when the peer's FIN arrives.
    this.socket.end(data);
    setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
  }

  destroy(): void {
    this.socket.destroy();
  }

  keepAlive(): void {
    this.socket.setKeepAlive(true, KEEPALIVE_IDLE_S * 1000);
  }
}

const netTransport: Transport = {
  kind: 'net',
  async listen(address, port, onConnection, onAcceptError) {
    // No TCP_NODELAY: every answer is one write followed by a close, so Nagle never delays it.
    const server = createServer((s) => onConnection(new NetConnection(s)));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address, () => {
        server.off('error', reject);
        // Once listening, an error is a failed accept; the server goes on listening.
        server.on('error', (err) => onAcceptError?.(err));
        resolve();
      });
    });
    return {
      port: (server.address() as AddressInfo).port,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  },
};

// ---- handle -------------------------------------------------------------------------------

/** The parts of Node's `tcp_wrap` TCP handle used here. */
interface TcpHandle {
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  listen(backlog: number): number;
  getsockname(out: { port?: number }): number;
  readStart(): number;
  shutdown(req: ShutdownReq): number;
  writeBuffer(req: WriteReq, data: Buffer): number;
  setKeepAlive(enable: boolean, delaySeconds: number): number;
  close(callback?: () => void): void;
  onconnection?: (status: number, client: TcpHandle | undefined) => void;
  onread?: (buffer: ArrayBuffer | undefined) => void;
}

interface WriteReq {
  handle: TcpHandle;
  oncomplete: (status: number) => void;
  async: boolean;
  buffer: Buffer | null;
}

interface ShutdownReq {
  handle: TcpHandle;
  oncomplete: (status: number) => void;
}

interface Bindings {
  TCP: new (type: number) => TcpHandle;
  server: number;
  WriteWrap: new () => WriteReq;
  ShutdownWrap: new () => ShutdownReq;
  state: Int32Array;
  readBytesOrError: number;
  arrayBufferOffset: number;
  lastWriteWasAsync: number;
}

const HANDLE_METHODS = [
  'bind',
  'bind6',
  'listen',
  'getsockname',
  'readStart',
  'shutdown',
  'writeBuffer',
  'setKeepAlive',
  'close',
] as const;

let bindings: Bindings | null | undefined;

/** Node's TCP handle bindings, or null when this runtime does not offer them as expected. */
function loadBindings(): Bindings | null {
  if (bindings !== undefined) return bindings;
  bindings = null;
  try {
    const binding = (process as unknown as { binding?: (name: string) => unknown }).binding;
    if (typeof binding !== 'function') return null;
    const tcp = binding.call(process, 'tcp_wrap') as {
      TCP?: unknown;
      constants?: { SERVER?: unknown };
    };
    const stream = binding.call(process, 'stream_wrap') as Record<string, unknown>;
    const { TCP } = tcp;
    const server = tcp.constants?.SERVER;
    const { WriteWrap, ShutdownWrap, streamBaseState: state } = stream;
    const keys = [stream.kReadBytesOrError, stream.kArrayBufferOffset, stream.kLastWriteWasAsync];
    if (
      typeof TCP !== 'function' ||
      typeof server !== 'number' ||
      typeof WriteWrap !== 'function' ||
      typeof ShutdownWrap !== 'function' ||
      // Not `instanceof`: the array may come from another realm (a vm context, Jest's sandbox).
      Object.prototype.toString.call(state) !== '[object Int32Array]' ||
      !keys.every((k) => typeof k === 'number' && k >= 0 && k < (state as Int32Array).length)
    )
      return null;
    const proto = (TCP as { prototype: Record<string, unknown> }).prototype;
    if (!HANDLE_METHODS.every((m) => typeof proto[m] === 'function')) return null;
    bindings = {
      TCP: TCP as Bindings['TCP'],
      server,
      WriteWrap: WriteWrap as Bindings['WriteWrap'],
      ShutdownWrap: ShutdownWrap as Bindings['ShutdownWrap'],
      state: state as Int32Array,
      readBytesOrError: keys[0] as number,
      arrayBufferOffset: keys[1] as number,
      lastWriteWasAsync: keys[2] as number,
    };
  } catch {
    bindings = null;
  }
  return bindings;
}

/** An error shaped like Node's own: `listen EADDRINUSE: address already in use 127.0.0.1:4369`. */
function uvError(op: string, status: number, where = ''): Error {
  const [code, text] = getSystemErrorMap().get(status) ?? [`E${-status}`, `error ${status}`];
  return Object.assign(new Error(`${op} ${code}: ${text}${where ? ` ${where}` : ''}`), {
    code,
    errno: status,
  });
}

class HandleConnection implements Connection {
  onData: (chunk: Buffer) => void = noop;
  onClose: () => void = noop;
  closed = false;
  /** Writes the kernel did not take at once, still queued in libuv. */
  private pending = 0;
  /** Their bytes. */
  queued = 0;
  private closeWhenWritten = false;

  constructor(
    private readonly b: Bindings,
    private readonly handle: TcpHandle,
  ) {
    // Called by Node with the handle as `this`; an arrow function keeps this connection instead.
    handle.onread = (buffer) => {
      const n = b.state[b.readBytesOrError];
      if (n > 0 && buffer && !this.closed)
        this.onData(Buffer.from(buffer, b.state[b.arrayBufferOffset], n));
      // End of stream or a read error: either way this connection is over.
      else if (n < 0) this.destroy();
    };
  }

  start(): void {
    if (this.handle.readStart() !== 0) this.destroy();
  }

  write(data: Buffer): void {
    if (this.closed) return;
    const req = new this.b.WriteWrap();
    req.handle = this.handle;
    req.async = false;
    req.buffer = data; // kept alive until libuv is done with it
    req.oncomplete = (status) => {
      this.pending--;
      this.queued -= data.length;
      if (status < 0) this.destroy();
      else if (this.pending === 0 && this.closeWhenWritten) this.destroy();
    };
    if (this.handle.writeBuffer(req, data) !== 0) {
      this.destroy();
      return;
    }
    if (this.b.state[this.b.lastWriteWasAsync]) {
      this.pending++;
      this.queued += data.length;
    }
  }

  end(data: Buffer): void {
    if (data.length) this.write(data);
    if (this.pending === 0) this.destroy();
    else this.closeWhenWritten = true;
  }

  endGracefully(data: Buffer): void {
    if (data.length) this.write(data);
    if (this.closed) return;
    // libuv sends the FIN once the pending writes are done; the peer's EOF then closes us.
    const req = new this.b.ShutdownWrap();
    req.handle = this.handle;
    req.oncomplete = (status) => {
      if (status < 0) this.destroy();
    };
    if (this.handle.shutdown(req) !== 0) this.destroy();
    else setTimeout(() => this.destroy(), LINGER_MS).unref();
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    // No close callback: it would cost one more call from C++ into JS per connection, and
    // nothing here waits for libuv to release the handle.
    this.handle.close();
    this.onClose();
  }

  keepAlive(): void {
    if (!this.closed) this.handle.setKeepAlive(true, KEEPALIVE_IDLE_S);
  }
}

function handleTransport(b: Bindings): Transport {
  return {
    kind: 'handle',
    async listen(address, port, onConnection, onAcceptError) {
      const ip = isIP(address) ? address : (await lookup(address)).address;
      const server = new b.TCP(b.server);
      const fail = (op: string, status: number): never => {
        server.close();
        throw uvError(op, status, `${ip}:${port}`);
      };
      const bound = isIP(ip) === 6 ? server.bind6(ip, port, 0) : server.bind(ip, port);
      if (bound !== 0) fail('bind', bound);
      const listening = server.listen(511);
      if (listening !== 0) fail('listen', listening);
      const name: { port?: number } = {};
      server.getsockname(name);
      // A failed accept (EMFILE, say) loses that one connection; libuv keeps listening.
      server.onconnection = (status, client) => {
        if (status !== 0 || !client) {
          onAcceptError?.(uvError('accept', status));
          return;
        }
        const c = new HandleConnection(b, client);
        onConnection(c);
        c.start();
      };
      return {
        port: name.port ?? port,
        close: () => new Promise<void>((resolve) => server.close(resolve)),
      };
    },
  };
}

/** The transport for a kind: `auto` is `handle` where available, else `net`. */
export function transportFor(kind: TransportKind = 'auto'): Transport {
  if (kind === 'net') return netTransport;
  const b = loadBindings();
  if (b) return handleTransport(b);
  if (kind === 'handle') throw new Error('the handle transport is not available on this Node.js');
  return netTransport;
}
