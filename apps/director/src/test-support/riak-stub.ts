/**
 * Real servers for the director's tests: a Riak-like node that speaks PB framing (ping, get, put)
 * on one port and HTTP (`GET /ping`) on another, can be stopped and started again on the same
 * ports, and can be told to fail its pings. Also a PB client and a "black hole" (a listener whose
 * accept queue is full, so connects hang) for connect timeouts.
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
  GetReq: 9,
  GetResp: 10,
  PutReq: 11,
  PutResp: 12,
} as const;

export function frame(code: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length + 1, 0);
  head[4] = code;
  return Buffer.concat([head, payload]);
}

/** Protobuf length-delimited field (wire type 2). */
function field(tag: number, value: Buffer): Buffer {
  const len: number[] = [];
  let n = value.length;
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    len.push(b);
  } while (n);
  return Buffer.concat([Buffer.from([(tag << 3) | 2, ...len]), value]);
}

/** RpbGetResp with one content whose value is `value`. */
export function getResp(value: Buffer): Buffer {
  return frame(PB.GetResp, field(1, field(1, value)));
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
  /** PB connections accepted since start (across restarts). */
  pbAccepted: number;
  /** PB connections open now. */
  readonly pbOpen: number;
  httpRequests: number;
  /** While true, PB ping answers RpbErrorResp and `GET /ping` answers 500. */
  failPings: boolean;
  readonly running: boolean;
  /** Closes both listeners and every open connection (like a killed node). */
  stop(): Promise<void>;
  /** Listens again on the same ports. */
  start(): Promise<void>;
}

/**
 * PB: ping → pong; GetReq → GetResp whose value is the node's name (or, for a key starting with
 * `bulk:<n>`, n bytes); PutReq → PutResp; anything else → RpbErrorResp; a bad frame closes the
 * connection. HTTP: `/ping` → `OK`; anything else → 200 with the node's name.
 */
export async function startStubNode(name: string): Promise<StubNode> {
  const pbPort = await freePort();
  const httpPort = await freePort();
  const sockets = new Set<Socket>();
  let pb: Server | undefined;
  let http: HttpServer | undefined;
  const node = {
    name,
    pbPort,
    httpPort,
    pbAccepted: 0,
    httpRequests: 0,
    failPings: false,
    get pbOpen() {
      return [...sockets].filter((s) => (s as Socket & { kind?: string }).kind === 'pb').length;
    },
    get running() {
      return pb !== undefined;
    },
    async start() {
      if (pb) return;
      const pbServer = createServer((s) => {
        (s as Socket & { kind?: string }).kind = 'pb';
        node.pbAccepted++;
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
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
            if (f.code === PB.PingReq) {
              s.write(node.failPings ? frame(PB.ErrorResp) : frame(PB.PingResp));
            } else if (f.code === PB.GetReq) {
              const key = readField(f.payload, 2)?.toString() ?? '';
              const m = /^bulk:(\d+)$/.exec(key);
              s.write(getResp(m ? Buffer.alloc(Number(m[1]), 120) : Buffer.from(name)));
            } else if (f.code === PB.PutReq) {
              s.write(frame(PB.PutResp));
            } else {
              s.write(frame(PB.ErrorResp));
            }
          }
        });
      });
      const httpServer = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
        node.httpRequests++;
        req.resume();
        if (req.url === '/ping') {
          res.writeHead(node.failPings ? 500 : 200, { 'content-type': 'text/plain' });
          res.end(node.failPings ? 'failing' : 'OK');
          return;
        }
        res.writeHead(200, { 'content-type': 'text/plain', 'x-node': name });
        res.end(name);
      });
      httpServer.on('connection', (s: Socket) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      await listen(pbServer, pbPort);
      await listen(httpServer, httpPort);
      pb = pbServer;
      http = httpServer;
    },
    async stop() {
      const servers = [pb, http];
      pb = undefined;
      http = undefined;
      for (const s of sockets) s.destroy();
      await Promise.all(
        servers.map((s) => (s ? new Promise<void>((r) => s.close(() => r())) : Promise.resolve())),
      );
    },
  };
  await node.start();
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

/** The first length-delimited field `tag` of a protobuf message (enough for RpbGetReq.key). */
export function readField(msg: Buffer, tag: number): Buffer | undefined {
  let i = 0;
  const varint = () => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = msg[i++];
      v += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return v;
      shift += 7;
    }
  };
  while (i < msg.length) {
    const key = varint();
    const wire = key & 7;
    if (wire === 2) {
      const len = varint();
      const value = msg.subarray(i, i + len);
      i += len;
      if (key >> 3 === tag) return value;
    } else if (wire === 0) varint();
    else return undefined;
  }
  return undefined;
}

export function getReq(bucket: string, key: string): Buffer {
  return frame(
    PB.GetReq,
    Buffer.concat([field(1, Buffer.from(bucket)), field(2, Buffer.from(key))]),
  );
}

/** The value of the first content of an RpbGetResp payload. */
export function getRespValue(payload: Buffer): Buffer | undefined {
  const content = readField(payload, 1);
  return content ? readField(content, 1) : undefined;
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

  /** Which stub node served this connection (its GetResp value). */
  async whoami(): Promise<string> {
    const r = await this.request(getReq('b', 'k'));
    if (r.code !== PB.GetResp) throw new Error(`get answered code ${r.code}`);
    return getRespValue(r.payload)?.toString() ?? '';
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
