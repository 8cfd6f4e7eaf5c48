import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** Mesos answered a call with an error status; `message` says what Mesos said. */
export class MesosHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly url: string,
  ) {
    super(`${describeStatus(status)} from ${url}${body ? `: ${body.trim().slice(0, 500)}` : ''}`);
    this.name = 'MesosHttpError';
  }

  /** 4xx answers other than 307 mean the call itself is wrong or not allowed: retrying will not help. */
  get retriable(): boolean {
    return this.status >= 500 || this.status === 307 || this.status === 0;
  }
}

function describeStatus(status: number): string {
  switch (status) {
    case 400:
      return 'Mesos rejected the call (400 Bad Request)';
    case 401:
      return 'Mesos requires authentication (401 Unauthorized)';
    case 403:
      return 'Mesos refused the call (403 Forbidden)';
    case 404:
      return 'no Mesos API here (404 Not Found)';
    case 409:
      return 'Mesos reported a conflict (409 Conflict)';
    case 503:
      return 'Mesos is not available (503 Service Unavailable)';
    case 307:
      return 'not the leading master (307 Temporary Redirect)';
    default:
      return `Mesos answered HTTP ${status}`;
  }
}

export interface Credentials {
  principal: string;
  secret: string;
}

export function basicAuth(c: Credentials | undefined): OutgoingHttpHeaders {
  return c
    ? { authorization: `Basic ${Buffer.from(`${c.principal}:${c.secret}`).toString('base64')}` }
    : {};
}

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 16 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 16 });

const caAgents = new WeakMap<string[], HttpsAgent>();
/** A pooled https agent per trusted CA list (one per scheduler client). */
function caAgent(ca: string[]): HttpsAgent {
  let agent = caAgents.get(ca);
  if (!agent) {
    agent = new HttpsAgent({ keepAlive: true, maxSockets: 16, ca });
    caAgents.set(ca, agent);
  }
  return agent;
}

export interface PostOptions {
  headers: OutgoingHttpHeaders;
  /** The certificates trusted for an https master (a private CA); default: Node's roots. */
  ca?: string[];
  body: Buffer;
  /** A fresh connection, not a pooled one (for long-lived streams). */
  dedicated?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** POSTs and resolves with the response (not read yet), or rejects on a connection error. */
export function post(url: string, o: PostOptions): Promise<IncomingMessage> {
  const u = new URL(url);
  const https = u.protocol === 'https:';
  const req = (https ? httpsRequest : httpRequest)(u, {
    method: 'POST',
    headers: { ...o.headers, 'content-length': o.body.length },
    agent: o.dedicated ? false : https ? (o.ca ? caAgent(o.ca) : httpsAgent) : httpAgent,
    ...(https && o.ca ? { ca: o.ca } : {}),
    signal: o.signal,
  });
  return new Promise((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
    if (o.timeoutMs)
      req.setTimeout(o.timeoutMs, () =>
        req.destroy(new Error(`no answer from ${url} within ${o.timeoutMs} ms`)),
      );
    req.end(o.body);
  });
}

export async function readBody(res: IncomingMessage, limit = 1 << 20): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of res) {
    size += (c as Buffer).length;
    if (size <= limit) chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Resolves a `Location` (which Mesos may send as `//host:port/path`) against the request URL. */
export function resolveLocation(location: string, requestUrl: string): string {
  const base = new URL(requestUrl);
  const target = new URL(location, base);
  return `${target.protocol}//${target.host}`;
}

/** Sleeps `ms`, or less if `signal` aborts; the abort listener goes with the sleep. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Capped exponential backoff with jitter. */
export class Backoff {
  private attempt = 0;
  constructor(
    private readonly initialMs = 500,
    private readonly maxMs = 30000,
  ) {}
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt++;
    return Math.round(base / 2 + Math.random() * (base / 2));
  }
  reset(): void {
    this.attempt = 0;
  }
}
