import type { Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import type { Decoded } from '@riak-mesos/riak-pb';
import { FrameDecoder, decodeFrame, encodeMessage } from '@riak-mesos/riak-pb';
import { KvError, NotReadyError, VERSION } from './node';
import type { RiakNode } from './node';
import type { StoredObject } from './store';

const bytes = (v: unknown): Buffer => Buffer.from((v ?? new Uint8Array()) as Uint8Array);
const text = (v: unknown): string => bytes(v).toString('utf8');

function vclockOf(o: StoredObject): Buffer {
  return Buffer.from(JSON.stringify(o.vclock));
}

function clockFrom(v: unknown): Record<string, number> | undefined {
  if (!v) return undefined;
  try {
    return JSON.parse(bytes(v).toString('utf8')) as Record<string, number>;
  } catch {
    return undefined;
  }
}

function content(o: StoredObject) {
  const secs = Math.floor(o.ts / 1000);
  return {
    value: Buffer.from(o.value, 'base64'),
    ...(o.contentType ? { content_type: Buffer.from(o.contentType) } : {}),
    last_mod: secs,
    last_mod_usecs: (o.ts % 1000) * 1000,
  };
}

/** Answers one request; list requests stream several frames. */
async function answer(node: RiakNode, req: Decoded): Promise<Buffer[]> {
  const m = req.message;
  const type = m.type ? text(m.type) : 'default';
  switch (req.name) {
    case 'RpbPingReq':
      return [encodeMessage('RpbPingResp')];
    case 'RpbGetServerInfoReq':
      return [
        encodeMessage('RpbGetServerInfoResp', {
          node: Buffer.from(node.name),
          server_version: Buffer.from(VERSION),
        }),
      ];
    case 'RpbGetReq': {
      const o = await node.kvGet({ type, bucket: text(m.bucket), key: text(m.key) });
      return [encodeMessage('RpbGetResp', o ? { content: [content(o)], vclock: vclockOf(o) } : {})];
    }
    case 'RpbPutReq': {
      const c = (m.content ?? {}) as Record<string, unknown>;
      const generated = m.key === undefined;
      const key = generated ? Math.random().toString(36).slice(2, 14) : text(m.key);
      const o = await node.kvPut(
        { type, bucket: text(m.bucket), key },
        bytes(c.value),
        c.content_type ? text(c.content_type) : 'application/octet-stream',
        clockFrom(m.vclock),
      );
      const body = m.return_body || m.return_head;
      return [
        encodeMessage('RpbPutResp', {
          ...(generated ? { key: Buffer.from(key) } : {}),
          ...(body ? { content: [content(o)], vclock: vclockOf(o) } : {}),
        }),
      ];
    }
    case 'RpbDelReq':
      await node.kvPut(
        { type, bucket: text(m.bucket), key: text(m.key) },
        Buffer.alloc(0),
        '',
        clockFrom(m.vclock),
        true,
      );
      return [encodeMessage('RpbDelResp')];
    case 'RpbListBucketsReq': {
      const buckets = (await node.listBuckets(type)).map((b) => Buffer.from(b));
      return m.stream
        ? [
            ...(buckets.length ? [encodeMessage('RpbListBucketsResp', { buckets })] : []),
            encodeMessage('RpbListBucketsResp', { done: true }),
          ]
        : [encodeMessage('RpbListBucketsResp', { buckets, done: true })];
    }
    case 'RpbListKeysReq': {
      const keys = (await node.listKeys(type, text(m.bucket))).map((k) => Buffer.from(k));
      const out: Buffer[] = [];
      for (let i = 0; i < keys.length; i += 100)
        out.push(encodeMessage('RpbListKeysResp', { keys: keys.slice(i, i + 100) }));
      out.push(encodeMessage('RpbListKeysResp', { done: true }));
      return out;
    }
    default:
      throw new KvError(`unsupported request ${req.name}`, 400);
  }
}

function error(message: string, code = 0): Buffer {
  return encodeMessage('RpbErrorResp', { errmsg: Buffer.from(message), errcode: code });
}

function connection(node: RiakNode, socket: Socket): void {
  const decoder = new FrameDecoder(64 * 1024 * 1024);
  let chain = Promise.resolve();
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk) => {
    let frames;
    try {
      frames = decoder.push(chunk);
    } catch (err) {
      socket.end(error((err as Error).message));
      return;
    }
    for (const f of frames) {
      // Requests on one connection are answered in order, as Riak does.
      chain = chain.then(async () => {
        let out: Buffer[];
        try {
          out = await answer(node, decodeFrame(f));
        } catch (err) {
          out = [error(err instanceof NotReadyError ? err.reason : (err as Error).message)];
        }
        if (socket.writable) for (const b of out) socket.write(b);
      });
    }
  });
}

export function startPb(node: RiakNode, host: string, port: number): Promise<Server> {
  const server = createServer((s) => connection(node, s));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
