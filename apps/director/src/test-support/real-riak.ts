/**
 * For the director's tests on real Riak: a real cluster (`startRealRiakCluster`), a ZooKeeper
 * holding the nodes as the executor publishes them, and optionally the director in-process; plus
 * a raw PB connection that collects streamed answers frame by frame, with the few Riak messages
 * `@riak-mesos/riak-pb` does not carry (secondary indexes, map-reduce, indexes on a put).
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Type } from 'protobufjs';
import { parse } from 'protobufjs';
import { createLogger } from '@riak-mesos/logging';
import { RiakPbClient } from '@riak-mesos/riak-pb';
import type { RealRiakCluster, RealRiakOptions, ZooKeeperServer } from '@riak-mesos/testing';
import { startRealRiakCluster, startZooKeeper, uniqueChroot, waitFor } from '@riak-mesos/testing';
import { ZkClient, frameworkLayout } from '@riak-mesos/zk';
import type { DirectorConfig } from '../config';
import { DEFAULTS } from '../config';
import { Director } from '../director';
import { encodeCoordinatedNode } from '../discovery';

/** Riak's PB message codes (riak_pb_messages.csv) used by these tests. */
export const CODE = {
  ErrorResp: 0,
  PingReq: 1,
  PingResp: 2,
  GetServerInfoReq: 7,
  GetServerInfoResp: 8,
  GetReq: 9,
  GetResp: 10,
  PutReq: 11,
  PutResp: 12,
  ListKeysReq: 17,
  ListKeysResp: 18,
  MapRedReq: 23,
  MapRedResp: 24,
  IndexReq: 25,
  IndexResp: 26,
} as const;

// The messages' fields as Riak's riak.proto numbers them (only what these tests send or read).
const root = parse(
  `syntax = "proto2";
  message RpbPair { required bytes key = 1; optional bytes value = 2; }
  message RpbErrorResp { required bytes errmsg = 1; required uint32 errcode = 2; }
  message RpbGetServerInfoResp { optional bytes node = 1; optional bytes server_version = 2; }
  message RpbContent {
    required bytes value = 1; optional bytes content_type = 2; repeated RpbPair indexes = 10;
  }
  message RpbPutReq {
    required bytes bucket = 1; optional bytes key = 2; required RpbContent content = 4;
  }
  message RpbListKeysReq { required bytes bucket = 1; }
  message RpbListKeysResp { repeated bytes keys = 1; optional bool done = 2; }
  message RpbIndexReq {
    enum IndexQueryType { eq = 0; range = 1; }
    required bytes bucket = 1; required bytes index = 2; required IndexQueryType qtype = 3;
    optional bytes key = 4; optional bytes range_min = 5; optional bytes range_max = 6;
    optional bool stream = 8;
  }
  message RpbIndexResp { repeated bytes keys = 1; optional bool done = 4; }
  message RpbMapRedReq { required bytes request = 1; required bytes content_type = 2; }
  message RpbMapRedResp { optional uint32 phase = 1; optional bytes response = 2; optional bool done = 3; }`,
  { keepCase: true },
).root;

const type = (name: string): Type => root.lookupType(name);

export interface Frame {
  code: number;
  payload: Buffer;
}

export function frame(code: number, payload: Uint8Array = new Uint8Array()): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length + 1, 0);
  head[4] = code;
  return Buffer.concat([head, payload]);
}

/** A frame carrying `message` encoded as the Riak message `name`. */
export function encode(code: number, name: string, message: Record<string, unknown>): Buffer {
  const t = type(name);
  return frame(code, t.encode(t.fromObject(message)).finish());
}

export function decode(name: string, payload: Buffer): any {
  const t = type(name);
  return t.toObject(t.decode(payload), { longs: Number, bytes: Buffer, enums: String });
}

/** One PB connection; `call` sends a request and collects frames until the last of its answer. */
export class PbStream {
  private buf: Buffer = Buffer.alloc(0);
  private frames: Frame[] = [];
  private wake: (() => void) | undefined;
  private error: Error | undefined;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      while (this.buf.length >= 5 && this.buf.length >= 4 + this.buf.readUInt32BE(0)) {
        const len = this.buf.readUInt32BE(0);
        this.frames.push({
          code: this.buf[4],
          payload: Buffer.from(this.buf.subarray(5, 4 + len)),
        });
        this.buf = this.buf.subarray(4 + len);
      }
      this.wake?.();
    });
    const fail = (e: Error) => {
      this.error ??= e;
      this.wake?.();
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<PbStream> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host, noDelay: true });
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new PbStream(s));
      });
      s.once('error', reject);
    });
  }

  /**
   * Sends `request` and resolves with every frame of the answer: frames are read until `last`
   * says one is the last (an RpbErrorResp always is).
   */
  async call(request: Buffer, last: (f: Frame) => boolean, timeoutMs = 30000): Promise<Frame[]> {
    const out: Frame[] = [];
    const deadline = Date.now() + timeoutMs;
    this.socket.write(request);
    for (;;) {
      const f = this.frames.shift();
      if (f) {
        out.push(f);
        if (f.code === CODE.ErrorResp)
          throw new Error(`Riak error: ${String(decode('RpbErrorResp', f.payload).errmsg)}`);
        if (last(f)) return out;
        continue;
      }
      if (this.error) throw this.error;
      const wait = deadline - Date.now();
      if (wait <= 0) throw new Error(`no complete answer within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        this.wake = () => {
          clearTimeout(t);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }

  /** RpbPutReq with secondary indexes (`{ name_bin: value }`); resolves on RpbPutResp. */
  async putIndexed(
    bucket: string,
    key: string,
    value: string,
    indexes: Record<string, string | number>,
  ): Promise<void> {
    const req = encode(CODE.PutReq, 'RpbPutReq', {
      bucket: Buffer.from(bucket),
      key: Buffer.from(key),
      content: {
        value: Buffer.from(value),
        content_type: Buffer.from('text/plain'),
        indexes: Object.entries(indexes).map(([k, v]) => ({
          key: Buffer.from(k),
          value: Buffer.from(String(v)),
        })),
      },
    });
    const [f] = await this.call(req, () => true);
    if (f.code !== CODE.PutResp) throw new Error(`put answered code ${f.code}`);
  }

  /** A streamed 2i query: the keys and how many RpbIndexResp frames carried them. */
  async index(
    bucket: string,
    index: string,
    query: { eq: string } | { min: number | string; max: number | string },
  ): Promise<{ keys: string[]; frames: number }> {
    const req = encode(CODE.IndexReq, 'RpbIndexReq', {
      bucket: Buffer.from(bucket),
      index: Buffer.from(index),
      stream: true,
      ...('eq' in query
        ? { qtype: 'eq', key: Buffer.from(query.eq) }
        : {
            qtype: 'range',
            range_min: Buffer.from(String(query.min)),
            range_max: Buffer.from(String(query.max)),
          }),
    });
    const frames = await this.call(
      req,
      (f) => f.code !== CODE.IndexResp || decode('RpbIndexResp', f.payload).done === true,
    );
    const keys = frames.flatMap((f) =>
      ((decode('RpbIndexResp', f.payload).keys ?? []) as Buffer[]).map((k) => k.toString()),
    );
    return { keys, frames: frames.length };
  }

  /** A streamed list of a bucket's keys, with its frame count. */
  async listKeys(bucket: string): Promise<{ keys: string[]; frames: number }> {
    const frames = await this.call(
      encode(CODE.ListKeysReq, 'RpbListKeysReq', { bucket: Buffer.from(bucket) }),
      (f) => f.code !== CODE.ListKeysResp || decode('RpbListKeysResp', f.payload).done === true,
    );
    const keys = frames.flatMap((f) =>
      ((decode('RpbListKeysResp', f.payload).keys ?? []) as Buffer[]).map((k) => k.toString()),
    );
    return { keys, frames: frames.length };
  }

  /** A map-reduce job (JSON): every phase's results, parsed, and the frame count. */
  async mapReduce(job: unknown): Promise<{ phases: Map<number, unknown[]>; frames: number }> {
    const frames = await this.call(
      encode(CODE.MapRedReq, 'RpbMapRedReq', {
        request: Buffer.from(JSON.stringify(job)),
        content_type: Buffer.from('application/json'),
      }),
      (f) => f.code !== CODE.MapRedResp || decode('RpbMapRedResp', f.payload).done === true,
    );
    const phases = new Map<number, unknown[]>();
    for (const f of frames) {
      const m = decode('RpbMapRedResp', f.payload);
      if (m.response === undefined) continue;
      const list = phases.get(m.phase ?? 0) ?? [];
      list.push(...(JSON.parse((m.response as Buffer).toString()) as unknown[]));
      phases.set(m.phase ?? 0, list);
    }
    return { phases, frames: frames.length };
  }

  close(): void {
    this.socket.destroy();
  }
}

/** The node that serves a new PB connection to `port` (RpbGetServerInfoResp's node). */
export async function servedBy(port: number): Promise<string> {
  const c = await RiakPbClient.connect(port, '127.0.0.1', 5000);
  try {
    return (await c.serverInfo()).node ?? '';
  } finally {
    c.close();
  }
}

export const FRAMEWORK = 'riak';
export const CLUSTER = 'default';

export interface RealRiakSetup {
  cluster: RealRiakCluster;
  zkServer: ZooKeeperServer;
  /** The connect string with this setup's chroot. */
  zkConnect: string;
  /** The executor's side of ZooKeeper: publishes and removes node records. */
  zk: ZkClient;
  /** The in-process director, when asked for. */
  director: Director | undefined;
  /** The task id node `i` is published under (`riak-default-<i+1>`). */
  taskId(i: number): string;
  /** Publishes node `i` as the executor does (ephemeral, in `framework`/`cluster`). */
  publish(i: number, o?: { framework?: string; cluster?: string; taskId?: string }): Promise<void>;
  /** Removes node `i`'s record. */
  unpublish(i: number, o?: { framework?: string; taskId?: string }): Promise<void>;
  /** Backends of the director's `listener` pool that are up. */
  up(listener?: 'protobuf' | 'http'): number;
  stop(): Promise<void>;
}

/** The API token of the tests' directors (changes need it). */
export const TEST_API_TOKEN = 'director-test-token-0123456789';

/** The director's configuration for these tests: fast checks and timeouts, free ports. */
export function testDirectorConfig(
  zkConnect: string,
  overrides: Partial<DirectorConfig> = {},
): DirectorConfig {
  return {
    ...DEFAULTS,
    zk: zkConnect,
    zkSessionTimeoutMs: 5000,
    framework: FRAMEWORK,
    cluster: CLUSTER,
    host: '127.0.0.1',
    pbPort: 0,
    httpPort: 0,
    api: { enabled: true, host: '127.0.0.1', port: 0 },
    connectTimeoutMs: 1000,
    queueTimeoutMs: 2000,
    drainTimeoutMs: 30000,
    shutdownGraceMs: 0,
    health: { intervalMs: 100, timeoutMs: 1000, rise: 2, fall: 2, ejectAfter: 1 },
    apiToken: TEST_API_TOKEN,
    ...overrides,
  };
}

/**
 * A real cluster of `options.nodes` nodes published in a fresh ZooKeeper chroot and, unless
 * `director: false`, the director in front of it, waited for until every node is up on both
 * listeners. On failure everything started is stopped.
 */
export async function startRealRiakSetup(
  options: RealRiakOptions & { director?: false | Partial<DirectorConfig> },
): Promise<RealRiakSetup> {
  const logger = createLogger('director', { level: 'error' });
  const started: { stop(): Promise<unknown> }[] = [];
  const stopAll = async () => {
    for (const s of started.splice(0).reverse()) await s.stop().catch(() => undefined);
  };
  try {
    const [c, z] = await Promise.allSettled([startRealRiakCluster(options), startZooKeeper()]);
    if (c.status === 'fulfilled') started.push(c.value);
    if (z.status === 'fulfilled') started.push({ stop: () => z.value.close() });
    if (c.status === 'rejected') throw c.reason;
    if (z.status === 'rejected') throw z.reason;
    const cluster = c.value;
    const zkServer = z.value;
    const zkConnect = zkServer.connectString + uniqueChroot('director-real-riak');
    const zk = await ZkClient.connect({ connect: zkConnect, logger });
    started.push({ stop: () => zk.close() });
    const taskId = (i: number) => `${FRAMEWORK}-${CLUSTER}-${i + 1}`;
    const publish: RealRiakSetup['publish'] = async (i, o = {}) => {
      const n = cluster.nodes[i];
      const framework = o.framework ?? FRAMEWORK;
      await zk.createEphemeral(
        frameworkLayout(framework).coordinatedNode(o.taskId ?? taskId(i)),
        encodeCoordinatedNode({
          framework,
          cluster: o.cluster ?? CLUSTER,
          nodeName: n.nodeName,
          hostname: n.host,
          pbPort: n.pbPort,
          httpPort: n.httpPort,
          disterlPort: 1,
        }),
        { parents: true },
      );
    };
    const unpublish: RealRiakSetup['unpublish'] = (i, o = {}) =>
      zk.delete(frameworkLayout(o.framework ?? FRAMEWORK).coordinatedNode(o.taskId ?? taskId(i)));
    for (let i = 0; i < cluster.nodes.length; i++) await publish(i);
    let director: Director | undefined;
    if (options.director !== false) {
      const d = new Director(testDirectorConfig(zkConnect, options.director ?? {}), { logger });
      director = d;
      started.push({ stop: () => d.stop(0) });
      await d.start();
    }
    const up = (listener: 'protobuf' | 'http' = 'protobuf') =>
      director
        ? director
            .pool(listener)
            .list()
            .filter((b) => b.state === 'up').length
        : 0;
    if (director)
      await waitFor(() => up('protobuf') === cluster.nodes.length && up('http') === up(), {
        timeoutMs: 30000,
        what: 'every real node healthy behind the director',
      });
    return {
      cluster,
      zkServer,
      zkConnect,
      zk,
      director,
      taskId,
      publish,
      unpublish,
      up,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
