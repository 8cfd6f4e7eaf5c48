import type { Server } from 'node:http';
import { createServer } from 'node:http';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { RiakNode } from './node';
import { KvError } from './node';
import type { StoredObject, VClock } from './store';

export function encodeVclock(v: VClock): string {
  return Buffer.from(JSON.stringify(v)).toString('base64');
}

/** A client's X-Riak-Vclock (ours: base64 JSON); anything else is ignored, as a fresh write. */
export function decodeVclock(header: string | undefined | Buffer): VClock | undefined {
  if (!header || header.length === 0) return undefined;
  try {
    const v = JSON.parse(Buffer.from(header.toString(), 'base64').toString('utf8')) as unknown;
    if (v && typeof v === 'object' && Object.values(v).every((n) => Number.isInteger(n)))
      return v as VClock;
  } catch {
    // Not one of ours.
  }
  return undefined;
}

const NAME = /^[^\u0000]{1,1024}$/;

/** Riak's HTTP API subset: /ping, /stats, keys and buckets under /types and /buckets. */
export function httpApi(node: RiakNode): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(express.raw({ type: () => true, limit: '50mb' }));

  app.get('/ping', (_req, res) => res.type('text/html').send('OK'));
  app.get('/stats', (_req, res) => res.json(node.statsView()));

  const location = (req: Request) => {
    const p = req.params as Record<string, string>;
    const parts = { type: p.type ?? 'default', bucket: p.bucket, key: p.key };
    for (const [k, v] of Object.entries(parts))
      if (v !== undefined && !NAME.test(v)) throw new KvError(`invalid ${k} name`, 400);
    return parts;
  };

  const send = (res: Response, o: StoredObject) => {
    res
      .status(200)
      .set('X-Riak-Vclock', encodeVclock(o.vclock))
      .set('Last-Modified', new Date(o.ts).toUTCString())
      .set('ETag', `"${Buffer.from(String(o.ts)).toString('base64')}"`)
      .type(o.contentType || 'application/octet-stream')
      .send(Buffer.from(o.value, 'base64'));
  };

  const bucketsRoute = async (req: Request, res: Response) => {
    if (req.query.buckets !== 'true' && req.query.buckets !== 'stream')
      throw new KvError('list buckets with ?buckets=true', 400);
    const { type } = location(req);
    res.json({ buckets: await node.listBuckets(type) });
  };
  const keysRoute = async (req: Request, res: Response) => {
    if (req.query.keys !== 'true' && req.query.keys !== 'stream')
      throw new KvError('list keys with ?keys=true', 400);
    const { type, bucket } = location(req);
    res.json({ keys: await node.listKeys(type, bucket) });
  };
  const getRoute = async (req: Request, res: Response) => {
    const { type, bucket, key } = location(req);
    const o = await node.kvGet({ type, bucket, key: key });
    if (!o) {
      res.status(404).type('text/plain').send('not found\n');
      return;
    }
    send(res, o);
  };
  const putRoute = async (req: Request, res: Response) => {
    const { type, bucket } = location(req);
    const key = (req.params as Record<string, string>).key ?? randomKey();
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const o = await node.kvPut(
      { type, bucket, key },
      body,
      req.get('content-type') ?? 'application/octet-stream',
      decodeVclock(req.get('x-riak-vclock')),
    );
    const created = !(req.params as Record<string, string>).key;
    if (created)
      res.set(
        'Location',
        `${req.baseUrl}${req.path.replace(/\/$/, '')}/${encodeURIComponent(key)}`,
      );
    if (req.query.returnbody === 'true') {
      send(res.status(created ? 201 : 200), o);
      return;
    }
    res
      .set('X-Riak-Vclock', encodeVclock(o.vclock))
      .status(created ? 201 : 204)
      .end();
  };
  const deleteRoute = async (req: Request, res: Response) => {
    const { type, bucket, key } = location(req);
    const existing = await node.kvGet({ type, bucket, key: key });
    if (!existing) {
      res.status(404).type('text/plain').send('not found\n');
      return;
    }
    await node.kvPut({ type, bucket, key: key }, Buffer.alloc(0), '', undefined, true);
    res.status(204).end();
  };

  const wrap =
    (fn: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response, next: NextFunction) =>
      fn(req, res).catch(next);

  for (const prefix of ['/types/:type/buckets', '/buckets']) {
    app.get(prefix, wrap(bucketsRoute));
    app.get(`${prefix}/:bucket/keys`, wrap(keysRoute));
    app.post(`${prefix}/:bucket/keys`, wrap(putRoute));
    app.get(`${prefix}/:bucket/keys/:key`, wrap(getRoute));
    app.put(`${prefix}/:bucket/keys/:key`, wrap(putRoute));
    app.post(`${prefix}/:bucket/keys/:key`, wrap(putRoute));
    app.delete(`${prefix}/:bucket/keys/:key`, wrap(deleteRoute));
  }
  app.get('/riak/:bucket/:key', wrap(getRoute));
  app.put('/riak/:bucket/:key', wrap(putRoute));
  app.delete('/riak/:bucket/:key', wrap(deleteRoute));

  app.use((_req: Request, res: Response) => {
    res.status(404).type('text/plain').send('not found\n');
  });
  app.use(
    (
      err: Error & { status?: number; type?: string },
      _req: Request,
      res: Response,
      _next: NextFunction,
    ) => {
      const status = err instanceof KvError ? err.status : (err.status ?? 500);
      res.status(status).type('text/plain').send(`${err.message}\n`);
    },
  );
  return app;
}

function randomKey(): string {
  return Buffer.from(Array.from({ length: 16 }, () => Math.floor(Math.random() * 256))).toString(
    'base64url',
  );
}

export function startHttp(node: RiakNode, host: string, port: number): Promise<Server> {
  const server = createServer(httpApi(node));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
