import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Decoded, MessageName } from './codec';
import { FrameDecoder, RiakPbError, decodeFrame, encodeMessage } from './codec';

/** Riak answered RpbErrorResp. */
export class RiakError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
    this.name = 'RiakError';
  }
}

/**
 * A get's read quorum, as Riak's RpbGetReq carries it. Riak's defaults (the bucket's: `r` quorum,
 * `notfound_ok` true, `basic_quorum` false) let two notfound answers win over a replica that has
 * the object, e.g. from a node back from a crash before hinted handoff filled it;
 * `{ r: 1, notfoundOk: false }` asks whether any replica has it.
 */
export interface GetOptions {
  type?: string;
  r?: number;
  notfoundOk?: boolean;
  basicQuorum?: boolean;
}

export interface RiakObject {
  value: Buffer;
  contentType?: string;
  vclock?: Buffer;
}

interface Pending {
  expect: MessageName;
  streaming: boolean;
  collected: Decoded[];
  resolve: (d: Decoded[]) => void;
  reject: (e: Error) => void;
}

const str = (b: unknown) =>
  b === undefined ? undefined : Buffer.from(b as Uint8Array).toString('utf8');

/** A small Riak PB client on one connection (requests answered in order). */
export class RiakPbClient {
  private readonly decoder = new FrameDecoder();
  private readonly queue: Pending[] = [];
  private closed: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d) => {
      try {
        for (const f of this.decoder.push(d)) this.onFrame(decodeFrame(f));
      } catch (err) {
        this.fail(err as Error);
      }
    });
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new RiakPbError('connection closed')));
  }

  static connect(port: number, host = '127.0.0.1', timeoutMs = 5000): Promise<RiakPbClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host });
      const t = setTimeout(
        () =>
          s.destroy(
            new Error(`cannot connect to Riak PB at ${host}:${port} within ${timeoutMs} ms`),
          ),
        timeoutMs,
      );
      s.once('connect', () => {
        clearTimeout(t);
        resolve(new RiakPbClient(s));
      });
      s.once('error', (err) => {
        clearTimeout(t);
        reject(err);
      });
    });
  }

  private fail(err: Error): void {
    if (!this.closed) this.closed = err;
    for (const p of this.queue.splice(0)) p.reject(err);
    this.socket.destroy();
  }

  private onFrame(d: Decoded): void {
    const p = this.queue[0];
    if (!p) return this.fail(new RiakPbError(`unexpected ${d.name}`));
    if (d.name === 'RpbErrorResp') {
      this.queue.shift();
      return p.reject(
        new RiakError(str(d.message.errmsg) ?? 'unknown error', Number(d.message.errcode ?? 0)),
      );
    }
    if (d.name !== p.expect) {
      this.queue.shift();
      return p.reject(new RiakPbError(`expected ${p.expect}, got ${d.name}`));
    }
    p.collected.push(d);
    if (!p.streaming || d.message.done) {
      this.queue.shift();
      p.resolve(p.collected);
    }
  }

  private request(
    name: MessageName,
    message: Record<string, unknown>,
    expect: MessageName,
    streaming = false,
  ): Promise<Decoded[]> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      this.queue.push({ expect, streaming, collected: [], resolve, reject });
      this.socket.write(encodeMessage(name, message));
    });
  }

  async ping(): Promise<void> {
    await this.request('RpbPingReq', {}, 'RpbPingResp');
  }

  async serverInfo(): Promise<{ node?: string; serverVersion?: string }> {
    const [d] = await this.request('RpbGetServerInfoReq', {}, 'RpbGetServerInfoResp');
    return { node: str(d.message.node), serverVersion: str(d.message.server_version) };
  }

  async get(bucket: string, key: string, o: GetOptions = {}): Promise<RiakObject | undefined> {
    const [d] = await this.request(
      'RpbGetReq',
      {
        bucket: Buffer.from(bucket),
        key: Buffer.from(key),
        ...(o.type ? { type: Buffer.from(o.type) } : {}),
        ...(o.r !== undefined ? { r: o.r } : {}),
        ...(o.notfoundOk !== undefined ? { notfound_ok: o.notfoundOk } : {}),
        ...(o.basicQuorum !== undefined ? { basic_quorum: o.basicQuorum } : {}),
      },
      'RpbGetResp',
    );
    const content = (
      d.message.content as { value: Uint8Array; content_type?: Uint8Array }[] | undefined
    )?.[0];
    if (!content) return undefined;
    return {
      value: Buffer.from(content.value),
      contentType: str(content.content_type),
      vclock: d.message.vclock ? Buffer.from(d.message.vclock as Uint8Array) : undefined,
    };
  }

  async put(
    bucket: string,
    key: string,
    value: Buffer | string,
    o: { contentType?: string; type?: string; vclock?: Buffer; returnBody?: boolean } = {},
  ): Promise<{ vclock?: Buffer }> {
    const [d] = await this.request(
      'RpbPutReq',
      {
        bucket: Buffer.from(bucket),
        key: Buffer.from(key),
        content: {
          value: Buffer.from(value),
          ...(o.contentType ? { content_type: Buffer.from(o.contentType) } : {}),
        },
        ...(o.type ? { type: Buffer.from(o.type) } : {}),
        ...(o.vclock ? { vclock: o.vclock } : {}),
        ...(o.returnBody ? { return_body: true } : {}),
      },
      'RpbPutResp',
    );
    return { vclock: d.message.vclock ? Buffer.from(d.message.vclock as Uint8Array) : undefined };
  }

  async delete(bucket: string, key: string, type?: string): Promise<void> {
    await this.request(
      'RpbDelReq',
      {
        bucket: Buffer.from(bucket),
        key: Buffer.from(key),
        ...(type ? { type: Buffer.from(type) } : {}),
      },
      'RpbDelResp',
    );
  }

  async listBuckets(type?: string): Promise<string[]> {
    const frames = await this.request(
      'RpbListBucketsReq',
      { stream: true, ...(type ? { type: Buffer.from(type) } : {}) },
      'RpbListBucketsResp',
      true,
    );
    return frames.flatMap((f) =>
      ((f.message.buckets as Uint8Array[] | undefined) ?? []).map((b) => Buffer.from(b).toString()),
    );
  }

  async listKeys(bucket: string, type?: string): Promise<string[]> {
    const frames = await this.request(
      'RpbListKeysReq',
      { bucket: Buffer.from(bucket), ...(type ? { type: Buffer.from(type) } : {}) },
      'RpbListKeysResp',
      true,
    );
    return frames.flatMap((f) =>
      ((f.message.keys as Uint8Array[] | undefined) ?? []).map((b) => Buffer.from(b).toString()),
    );
  }

  close(): void {
    this.socket.end();
  }
}
