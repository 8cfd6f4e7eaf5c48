import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type {
  DataBucketsAnswer,
  DataKeysAnswer,
  DataObjectAnswer,
  DataSibling,
} from '@riak-mesos/framework-contract';
import {
  LISTING_WARNING,
  dataKeysQuerySchema,
  riakKeySchema,
} from '@riak-mesos/framework-contract';
import { InvalidNameError, validateName } from '@riak-mesos/zk';
import type { NodeDoc } from '../model';
import type { SchedulerStore } from '../store';
import { HttpError, badGateway, badRequest, conflict, notFound } from './errors';
import { requestInput } from './input';

/**
 * Read-only views of a cluster's data through one running node's Riak HTTP API, for the console's
 * data browser (docs/api.md, "Data"): a bucket type's buckets, a bucket's keys (paged here: Riak
 * lists them all at once), and an object with its content type, vector clock and siblings.
 * Nothing here writes: the routes are GETs under `/api/v1`, so they need the API's credentials.
 */

export interface DataRouteDeps {
  store: SchedulerStore;
  /** How long a node has to answer (listing keys takes longest). */
  timeoutMs?: number;
}

const bucketsSchema = z.object({ buckets: z.array(z.string()) });
const keysSchema = z.object({ keys: z.array(z.string()) });

/** A name from the path, refused with 400 naming `field` when it is not a valid name. */
function named(field: string, value: unknown): string {
  try {
    return validateName(field, value);
  } catch (err) {
    if (err instanceof InvalidNameError) throw badRequest(err.message, { field });
    throw err;
  }
}

function keyOf(value: unknown): string {
  const parsed = riakKeySchema.safeParse(value);
  if (!parsed.success)
    throw badRequest(parsed.error.issues[0]?.message ?? 'bad key', { field: 'key' });
  return parsed.data;
}

/** Riak's HTTP listener of a running node. */
function riakUrl(node: NodeDoc): string {
  if (node.state !== 'running' || !node.hostname || !node.ports)
    throw conflict(`node '${node.key}' is ${node.state}, not running`);
  return `http://${node.hostname}:${node.ports.http}`;
}

const seg = (s: string) => encodeURIComponent(s);

/** Whether a content type is shown as text (else its bytes go as base64). */
export function isText(contentType: string): boolean {
  const t = contentType.split(';')[0].trim().toLowerCase();
  return (
    t.startsWith('text/') ||
    t === 'application/json' ||
    t.endsWith('+json') ||
    t === 'application/xml' ||
    t.endsWith('+xml') ||
    t === 'application/x-erlang-term'
  );
}

function sibling(headers: Map<string, string>, body: Buffer): DataSibling {
  const contentType = headers.get('content-type') ?? 'application/octet-stream';
  const text = isText(contentType);
  return {
    content_type: contentType,
    encoding: text ? 'utf8' : 'base64',
    value: body.toString(text ? 'utf8' : 'base64'),
    last_modified: headers.get('last-modified') ?? null,
    etag: headers.get('etag') ?? null,
    deleted: headers.get('x-riak-deleted') === 'true',
  };
}

/**
 * The parts of a `multipart/mixed` body (Riak's siblings), each with its headers (lower-case
 * names) and bytes. Parts are separated by `--boundary` lines; the last one is `--boundary--`.
 */
export function multipartParts(
  body: Buffer,
  boundary: string,
): { headers: Map<string, string>; body: Buffer }[] {
  const text = body.toString('latin1');
  const delimiter = `--${boundary}`;
  const parts: { headers: Map<string, string>; body: Buffer }[] = [];
  for (const chunk of text.split(delimiter).slice(1)) {
    if (chunk.startsWith('--')) break;
    const part = chunk.replace(/^\r?\n/, '').replace(/\r?\n$/, '');
    const split = /\r?\n\r?\n/.exec(part);
    const head = split ? part.slice(0, split.index) : part;
    const value = split ? part.slice(split.index + split[0].length) : '';
    const headers = new Map<string, string>();
    for (const line of head.split(/\r?\n/)) {
      const at = line.indexOf(':');
      if (at > 0) headers.set(line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim());
    }
    parts.push({ headers, body: Buffer.from(value, 'latin1') });
  }
  return parts;
}

export function addDataRoutes(api: Router, deps: DataRouteDeps): void {
  const { store } = deps;
  const timeoutMs = deps.timeoutMs ?? 30000;

  async function ask(req: Request, path: string, accept = 'application/json') {
    const node = await store.requireNode(
      named('cluster', req.params.cluster),
      named('node', req.params.node),
    );
    const url = riakUrl(node) + path;
    const answer = await fetch(url, {
      headers: { accept },
      signal: AbortSignal.timeout(timeoutMs),
    }).catch((err: Error) => {
      throw badGateway(`node '${node.key}' did not answer: ${err.message}`);
    });
    return { node, answer };
  }

  async function json<S extends z.ZodType>(req: Request, path: string, schema: S) {
    const { node, answer } = await ask(req, path);
    if (!answer.ok)
      throw badGateway(`node '${node.key}' answered HTTP ${answer.status}: ${await answer.text()}`);
    const parsed = schema.safeParse(await answer.json().catch(() => undefined));
    if (!parsed.success) throw badGateway(`node '${node.key}' answered something unexpected`);
    return parsed.data;
  }

  api.get(
    '/clusters/:cluster/nodes/:node/data/types/:type/buckets',
    async (req: Request, res: Response) => {
      requestInput(req, {});
      const type = named('type', req.params.type);
      const r = await json(req, `/types/${seg(type)}/buckets?buckets=true`, bucketsSchema);
      const answer: DataBucketsAnswer = {
        type,
        buckets: [...r.buckets].sort(),
        warning: LISTING_WARNING,
      };
      res.json(answer);
    },
  );

  api.get(
    '/clusters/:cluster/nodes/:node/data/types/:type/buckets/:bucket/keys',
    async (req: Request, res: Response) => {
      const { limit = 100, after } = requestInput(req, { query: dataKeysQuerySchema });
      const type = named('type', req.params.type);
      const bucket = named('bucket', req.params.bucket);
      const r = await json(
        req,
        `/types/${seg(type)}/buckets/${seg(bucket)}/keys?keys=true`,
        keysSchema,
      );
      const all = [...new Set(r.keys)].sort();
      const from = after === undefined ? 0 : all.findIndex((k) => k > after);
      const page = from < 0 ? [] : all.slice(from, from + limit);
      const answer: DataKeysAnswer = {
        type,
        bucket,
        keys: page,
        next: from >= 0 && from + limit < all.length ? page[page.length - 1] : null,
        total: all.length,
        warning: LISTING_WARNING,
      };
      res.json(answer);
    },
  );

  api.get(
    '/clusters/:cluster/nodes/:node/data/types/:type/buckets/:bucket/keys/:key',
    async (req: Request, res: Response) => {
      requestInput(req, {});
      const type = named('type', req.params.type);
      const bucket = named('bucket', req.params.bucket);
      const key = keyOf(req.params.key);
      const { node, answer } = await ask(
        req,
        `/types/${seg(type)}/buckets/${seg(bucket)}/keys/${seg(key)}`,
        'multipart/mixed, */*;q=0.5',
      );
      if (answer.status === 404) throw notFound(`no object ${type}/${bucket}/${key}`);
      if (answer.status !== 200 && answer.status !== 300)
        throw badGateway(`node '${node.key}' answered HTTP ${answer.status}`);
      const body = Buffer.from(await answer.arrayBuffer());
      const contentType = answer.headers.get('content-type') ?? '';
      const boundary = /^multipart\/mixed;.*boundary="?([^";]+)"?/i.exec(contentType)?.[1];
      let siblings: DataSibling[];
      if (answer.status === 300) {
        if (!boundary) throw badGateway(`node '${node.key}' answered siblings without a boundary`);
        siblings = multipartParts(body, boundary).map((p) => sibling(p.headers, p.body));
      } else {
        const headers = new Map<string, string>();
        answer.headers.forEach((v, k) => headers.set(k.toLowerCase(), v));
        siblings = [sibling(headers, body)];
      }
      if (siblings.length === 0)
        throw new HttpError(502, 'node_error', 'an object without a value');
      const view: DataObjectAnswer = {
        type,
        bucket,
        key,
        vclock: answer.headers.get('x-riak-vclock'),
        siblings,
      };
      res.json(view);
    },
  );
}
