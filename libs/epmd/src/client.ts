import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Registration } from './protocol';
import {
  ALIVE2_RESP,
  ALIVE2_X_RESP,
  NAMES_REQ,
  NODE_TYPE_NORMAL,
  DUMP_REQ,
  KILL_REQ,
  LOOKUP_SESSION_REQ,
  LOOKUP_SESSION_VERSION,
  MAX_NAME_LENGTH,
  STOP_REQ,
  EpmdProtocolError,
  decodePort2,
  encodeAlive2,
  encodePortPlease2,
  frame,
  takeFrame,
} from './protocol';

export interface EpmdClientOptions {
  port: number;
  host?: string;
  timeoutMs?: number;
}

export interface Registered {
  creation: number;
  /** Closes the registration connection, which unregisters the node. */
  close(): void;
  readonly socket: Socket;
}

function exchange(o: EpmdClientOptions, request: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port: o.port, host: o.host ?? '127.0.0.1' });
    const chunks: Buffer[] = [];
    socket.setTimeout(o.timeoutMs ?? 5000, () =>
      socket.destroy(new Error(`EPMD at ${o.host ?? '127.0.0.1'}:${o.port} did not answer`)),
    );
    socket.on('connect', () => socket.write(request));
    socket.on('data', (d) => chunks.push(d));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('close', (hadError) => !hadError && resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
}

/** An open lookup session (see `LOOKUP_SESSION_REQ`): lookups on one connection, in order. */
export interface LookupSession {
  readonly version: number;
  portPlease(name: string): Promise<Registration | undefined>;
  close(): void;
}

/** A client of the EPMD protocol (ours or stock epmd). */
export class EpmdClient {
  constructor(private readonly o: EpmdClientOptions) {}

  /** Registers a node and keeps the connection open for as long as the registration lasts. */
  register(r: {
    name: string;
    port: number;
    nodeType?: number;
    highestVersion?: number;
    lowestVersion?: number;
    extra?: Buffer;
  }): Promise<Registered> {
    const req = encodeAlive2({
      name: r.name,
      port: r.port,
      nodeType: r.nodeType ?? NODE_TYPE_NORMAL,
      protocol: 0,
      highestVersion: r.highestVersion ?? 6,
      lowestVersion: r.lowestVersion ?? 5,
      extra: r.extra ?? Buffer.alloc(0),
    });
    return new Promise((resolve, reject) => {
      const socket = connect({ port: this.o.port, host: this.o.host ?? '127.0.0.1' });
      let buf = Buffer.alloc(0);
      socket.setTimeout(this.o.timeoutMs ?? 5000, () =>
        socket.destroy(new Error('EPMD did not answer the registration')),
      );
      socket.on('connect', () => socket.write(req));
      socket.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        const need = buf[0] === ALIVE2_X_RESP ? 6 : 4;
        if (buf.length < need) return;
        socket.setTimeout(0);
        if (buf[0] !== ALIVE2_X_RESP && buf[0] !== ALIVE2_RESP) {
          socket.destroy();
          reject(new EpmdProtocolError('unexpected answer to ALIVE2_REQ'));
          return;
        }
        if (buf[1] !== 0) {
          socket.destroy();
          reject(new Error(`EPMD refused to register ${r.name} (already registered?)`));
          return;
        }
        const creation = buf[0] === ALIVE2_X_RESP ? buf.readUInt32BE(2) : buf.readUInt16BE(2);
        resolve({ creation, socket, close: () => socket.destroy() });
      });
      socket.on('error', reject);
      socket.on('close', () => reject(new Error('EPMD closed the registration connection')));
    });
  }

  /** PORT_PLEASE2: the node's registration, or undefined if it is not registered. */
  async portPlease(name: string): Promise<Registration | undefined> {
    const answer = await exchange(this.o, encodePortPlease2(name));
    if (answer.length === 0)
      throw new EpmdProtocolError('EPMD closed the connection without an answer');
    return decodePort2(answer);
  }

  /**
   * Opens a lookup session. Rejects when the EPMD does not offer them (stock epmd closes the
   * connection); the caller then looks up one connection at a time with `portPlease`.
   */
  lookupSession(): Promise<LookupSession> {
    const timeoutMs = this.o.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const socket = connect({ port: this.o.port, host: this.o.host ?? '127.0.0.1' });
      /** Lookups sent and not yet answered, oldest first. */
      const waiting: {
        resolve: (r: Registration | undefined) => void;
        reject: (e: Error) => void;
      }[] = [];
      let buf: Buffer = Buffer.alloc(0);
      let version = 0;
      const fail = (err: Error) => {
        socket.destroy();
        reject(err);
        for (const w of waiting.splice(0)) w.reject(err);
      };
      // Idle time allowed while an answer is due: the session's, then any lookup's.
      socket.setTimeout(timeoutMs);
      socket.on('timeout', () =>
        fail(new Error(`EPMD at ${this.o.host ?? '127.0.0.1'}:${this.o.port} did not answer`)),
      );
      socket.on('connect', () =>
        socket.write(frame(Buffer.from([LOOKUP_SESSION_REQ, LOOKUP_SESSION_VERSION]))),
      );
      const portPlease = (name: string) =>
        new Promise<Registration | undefined>((res, rej) => {
          if (socket.destroyed) {
            rej(new Error('the lookup session is closed'));
            return;
          }
          if (
            name.length === 0 ||
            name.length > MAX_NAME_LENGTH ||
            /[^\u0001-\u00ff]/u.test(name)
          ) {
            rej(new EpmdProtocolError(`not a node name EPMD can carry: ${JSON.stringify(name)}`));
            return;
          }
          socket.write(encodePortPlease2(name));
          if (waiting.length === 0) socket.setTimeout(timeoutMs);
          waiting.push({ resolve: res, reject: rej });
        });
      socket.on('data', (d) => {
        buf = buf.length ? Buffer.concat([buf, d]) : d;
        for (let f = takeFrame(buf); f !== undefined; f = takeFrame(buf)) {
          if (f === null) {
            fail(new EpmdProtocolError('an empty frame in the lookup session'));
            return;
          }
          const { body } = f;
          buf = f.rest ?? Buffer.alloc(0);
          try {
            if (version === 0) {
              if (
                body.length !== 3 ||
                body[0] !== LOOKUP_SESSION_REQ ||
                body[1] !== 0 ||
                body[2] < 1 ||
                body[2] > LOOKUP_SESSION_VERSION
              )
                throw new EpmdProtocolError('unexpected answer to LOOKUP_SESSION_REQ');
              version = body[2];
              socket.setTimeout(0);
              resolve({ version, portPlease, close: () => socket.destroy() });
            } else {
              const w = waiting.shift();
              if (!w) throw new EpmdProtocolError('an answer nobody asked for');
              if (waiting.length === 0) socket.setTimeout(0);
              w.resolve(decodePort2(body));
            }
          } catch (err) {
            fail(err as Error);
            return;
          }
        }
      });
      socket.on('error', fail);
      socket.on('close', () => fail(new Error('EPMD closed the lookup session')));
    });
  }

  async names(): Promise<{ epmdPort: number; nodes: { name: string; port: number }[] }> {
    const answer = await exchange(this.o, frame(Buffer.from([NAMES_REQ])));
    if (answer.length < 4) throw new EpmdProtocolError('short NAMES answer');
    const nodes = answer
      .subarray(4)
      .toString('latin1')
      .split('\n')
      .map((l) => /^name (\S+) at port (\d+)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ name: m[1], port: Number(m[2]) }));
    return { epmdPort: answer.readUInt32BE(0), nodes };
  }

  async dump(): Promise<string> {
    const answer = await exchange(this.o, frame(Buffer.from([DUMP_REQ])));
    return answer.subarray(4).toString('latin1');
  }

  async kill(): Promise<string> {
    return (await exchange(this.o, frame(Buffer.from([KILL_REQ])))).toString('latin1');
  }

  async stop(name: string): Promise<string> {
    return (
      await exchange(
        this.o,
        frame(Buffer.concat([Buffer.from([STOP_REQ]), Buffer.from(name, 'latin1')])),
      )
    ).toString('latin1');
  }
}
