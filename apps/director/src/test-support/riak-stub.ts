/**
 * Peers for the director's tests that real Riak cannot stand in for (the real-node tests use
 * `startRealRiakCluster`): a node that answers its PB and HTTP pings and can be told to fail them
 * (real Riak cannot be made to answer a ping with RpbErrorResp or 500 on demand), a "black hole"
 * (a listener whose accept queue is full, so connects hang) for connect timeouts, and an echo
 * server (bulk transfers, half-close, resets). Also a minimal PB client for raw ping round trips.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import type { Server, Socket } from 'node:net';
import { connect, createServer } from 'node:net';
import { freePort } from '@riak-mesos/testing';

export const PB = {
  ErrorResp: 0,
  PingReq: 1,
  PingResp: 2,
} as const;

export function frame(code: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length + 1, 0);
  head[4] = code;
  return Buffer.concat([head, payload]);
}

/** Splits a byte stream into PB frames. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): { code: number; payload: Buffer }[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: { code: number; payload: Buffer }[] = [];
    while (this.buf.length >= 5) {
      const len = this.buf.readUInt32BE(0);
      if (len < 1 || len > 64 * 1024 * 1024) throw new Error(`bad frame length ${len}`);
      if (this.buf.length < 4 + len) break;
      out.push({ code: this.buf[4], payload: this.buf.subarray(5, 4 + len) });
      this.buf = this.buf.subarray(4 + len);
    }
    return out;
  }
}

export interface StubNode {
  readonly name: string;
  readonly pbPort: number;
  readonly httpPort: number;
  /** While true, PB ping answers RpbErrorResp and `GET /ping` answers 500. */
  failPings: boolean;
  /** Closes both listeners and every open connection. */
  stop(): Promise<void>;
}

/**
 * PB: ping → pong (RpbErrorResp while `failPings`); anything else → RpbErrorResp; a bad frame
 * closes the connection. HTTP: `/ping` → `OK` (500 while `failPings`); anything else → 404.
 */
export async function startStubNode(name: string): Promise<StubNode> {
  const pbPort = await freePort();
  const httpPort = await freePort();
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  const pb = createServer((s) => {
    track(s);
    s.on('error', () => s.destroy());
    const reader = new FrameReader();
    s.on('data', (chunk: Buffer) => {
      let frames;
      try {
        frames = reader.push(chunk);
      } catch {
        s.destroy();
        return;
      }
      for (const f of frames) {
        const pong = f.code === PB.PingReq && !node.failPings;
        s.write(frame(pong ? PB.PingResp : PB.ErrorResp));
      }
    });
  });
  const http = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const ping = req.url === '/ping';
    const status = !ping ? 404 : node.failPings ? 500 : 200;
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(status === 200 ? 'OK' : 'failing');
  });
  http.on('connection', track);
  const node: StubNode = {
    name,
    pbPort,
    httpPort,
    failPings: false,
    async stop() {
      for (const s of sockets) s.destroy();
      await Promise.all([pb, http].map((srv) => new Promise<void>((r) => srv.close(() => r()))));
    },
  };
  await listen(pb, pbPort);
  await listen(http, httpPort);
  return node;
}

function listen(server: Server | HttpServer, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A PB client on one connection: one request at a time. */
export class PbClient {
  private readonly reader = new FrameReader();
  private waiting: ((f: { code: number; payload: Buffer }) => void) | undefined;
  private failed: ((e: Error) => void) | undefined;
  private queue: { code: number; payload: Buffer }[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.reader.push(chunk)) {
        const w = this.waiting;
        this.waiting = undefined;
        if (w) w(f);
        else this.queue.push(f);
      }
    });
    const fail = (e: Error) => {
      const f = this.failed;
      this.waiting = undefined;
      this.failed = undefined;
      f?.(e);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<PbClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host, noDelay: true });
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new PbClient(s));
      });
      s.once('error', reject);
    });
  }

  request(data: Buffer, timeoutMs = 5000): Promise<{ code: number; payload: Buffer }> {
    return new Promise((resolve, reject) => {
      const queued = this.queue.shift();
      if (queued) {
        resolve(queued);
        return;
      }
      if (this.socket.destroyed) {
        reject(new Error('connection closed'));
        return;
      }
      const t = setTimeout(() => reject(new Error('request timed out')), timeoutMs);
      this.waiting = (f) => {
        clearTimeout(t);
        resolve(f);
      };
      this.failed = (e) => {
        clearTimeout(t);
        reject(e);
      };
      this.socket.write(data);
    });
  }

  async ping(): Promise<void> {
    const r = await this.request(frame(PB.PingReq));
    if (r.code !== PB.PingResp) throw new Error(`ping answered code ${r.code}`);
  }

  close(): void {
    this.socket.destroy();
  }
}

export interface BlackHole {
  port: number;
  close(): void;
}

/**
 * A listener whose process never accepts (its event loop is blocked) and whose accept queue is
 * already full, so further connects hang until they time out. A separate process, killed by close().
 */
export async function startBlackHole(): Promise<BlackHole> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '-e',
      `const s=require('net').createServer();s.listen({port:${port},host:'127.0.0.1',backlog:1},()=>{process.stdout.write('ready\\n');setTimeout(()=>Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0),50)})`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`black hole exited with ${code}`)));
  });
  await new Promise((r) => setTimeout(r, 150));
  // Fill the accept queue: these complete the handshake and are never accepted.
  const fillers: Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const s = connect({ port, host: '127.0.0.1' });
    s.on('error', () => undefined);
    fillers.push(s);
  }
  await new Promise((r) => setTimeout(r, 200));
  return {
    port,
    close() {
      for (const s of fillers) s.destroy();
      child.kill('SIGKILL');
    },
  };
}

export interface EchoServer {
  port: number;
  /** Bytes received so far, over every connection. */
  received: number;
  /** Open connections. */
  readonly open: number;
  close(): Promise<void>;
}

/**
 * A TCP echo server (half-close aware: when the peer ends, it finishes echoing and then ends too).
 * With `resetAfter`, a connection is reset once it has received that many bytes.
 */
export async function startEchoServer(options: { resetAfter?: number } = {}): Promise<EchoServer> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    let seen = 0;
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
    s.on('data', (chunk: Buffer) => {
      echo.received += chunk.length;
      seen += chunk.length;
      if (options.resetAfter !== undefined && seen >= options.resetAfter) {
        s.resetAndDestroy();
      }
    });
    s.pipe(s);
  });
  const echo: EchoServer = {
    port,
    received: 0,
    get open() {
      return sockets.size;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  await listen(server, port);
  return echo;
}
