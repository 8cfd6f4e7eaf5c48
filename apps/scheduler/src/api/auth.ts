import type { NextFunction, Request, Response } from 'express';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FrameworkLayout, ZkClient } from '@riak-mesos/zk';
import { NodeExistsError } from '@riak-mesos/zk';
import { HttpError } from './errors';

/**
 * Who may use the scheduler API (docs/security.md):
 * - `token` / `basic`: the operator's credentials; every `/api/v1` route needs one of them;
 * - `executorKey`: the key of the executors' per-task credentials, which read only their own
 *   cluster's templates;
 * - `insecure`: no credentials at all (`--insecure-no-auth`); a change must still carry a header
 *   a cross-site form cannot send (`Authorization` or `X-Requested-With`);
 * - `allowedHosts`: the names the `Host` header may have (rebinding); IP literals always pass.
 */
export interface ApiAuth {
  token?: string;
  basic?: string;
  executorKey?: string;
  insecure?: boolean;
  /** `/metrics` without credentials (`--metrics-auth open`). */
  metricsOpen?: boolean;
  /** Host names (without port) the server answers to; `*` turns the check off. */
  allowedHosts?: string[];
}

/** The prefix of an executor's credential: `exec.<task id>.<mac>`. */
const EXECUTOR_PREFIX = 'exec.';

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A random secret of 256 bits, base64url. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

function executorMac(key: string, cluster: string, taskId: string): string {
  return createHmac('sha256', key)
    .update(`riak-mesos-executor\n${cluster}\n${taskId}`)
    .digest('base64url');
}

/** The credential of one task (in its task data): good for its own cluster's templates only. */
export function executorCredential(key: string, cluster: string, taskId: string): string {
  return `${EXECUTOR_PREFIX}${taskId}.${executorMac(key, cluster, taskId)}`;
}

/** Whether `credential` is one the scheduler made for a task of `cluster`. */
export function verifyExecutorCredential(
  key: string,
  cluster: string,
  credential: string,
): boolean {
  if (!credential.startsWith(EXECUTOR_PREFIX)) return false;
  const rest = credential.slice(EXECUTOR_PREFIX.length);
  const dot = rest.lastIndexOf('.');
  if (dot <= 0) return false;
  const taskId = rest.slice(0, dot);
  return safeEqual(rest.slice(dot + 1), executorMac(key, cluster, taskId));
}

/** The one read an executor credential allows: a cluster's template. */
const TEMPLATE_READ = /^\/clusters\/([^/]+)\/(config|advancedConfig)\/?$/;

const unauthorized = (message: string) => new HttpError(401, 'unauthorized', message);

/** What a request's `Authorization` header proves: the operator, an executor's cluster, nothing. */
export function authorize(
  auth: ApiAuth,
  header: string | undefined,
  method: string,
  path: string,
): { ok: true; principal: string } | { ok: false; error: HttpError } {
  if (auth.insecure) return { ok: true, principal: ANONYMOUS };
  const [scheme = '', value = ''] = (header ?? '').split(' ', 2);
  const bearer = scheme.toLowerCase() === 'bearer';
  if (bearer && auth.token && safeEqual(value, auth.token))
    return { ok: true, principal: TOKEN_PRINCIPAL };
  if (
    scheme.toLowerCase() === 'basic' &&
    auth.basic &&
    safeEqual(Buffer.from(value, 'base64').toString('utf8'), auth.basic)
  )
    return { ok: true, principal: auth.basic.split(':', 1)[0] || TOKEN_PRINCIPAL };
  if (bearer && auth.executorKey && value.startsWith(EXECUTOR_PREFIX)) {
    const m = TEMPLATE_READ.exec(path);
    const read = method === 'GET' || method === 'HEAD';
    let cluster: string | undefined;
    try {
      cluster = m ? decodeURIComponent(m[1]) : undefined;
    } catch {
      cluster = undefined;
    }
    if (read && cluster !== undefined && verifyExecutorCredential(auth.executorKey, cluster, value))
      return { ok: true, principal: `executor:${cluster}` };
    return {
      ok: false,
      error: new HttpError(
        403,
        'forbidden',
        "an executor's credential reads only its own cluster's config templates",
      ),
    };
  }
  return {
    ok: false,
    error: unauthorized(
      header === undefined
        ? 'authentication required: send Authorization: Bearer <token> (riak-mesos framework token prints it)'
        : 'the credentials sent are not valid for this scheduler',
    ),
  };
}

/**
 * Who made a request, as configuration versions record it (`res.locals.principal`): the basic
 * user's name, `token` for the operator's bearer token, `anonymous` without authentication.
 */
export const ANONYMOUS = 'anonymous';
export const TOKEN_PRINCIPAL = 'token';

/** The principal the auth middleware found for a request. */
export function principalOf(res: Response): string {
  const p: unknown = res.locals.principal;
  return typeof p === 'string' && p !== '' ? p : ANONYMOUS;
}

/** A request that may change state. */
function mutation(method: string): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method);
}

/** The `/api/v1` guard: credentials (docs/security.md); `path` is relative to `/api/v1`. */
export function authMiddleware(auth: ApiAuth) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.get('authorization');
    if (auth.insecure && header === undefined) {
      // No credentials configured: a change still needs a header no cross-site form can send.
      if (mutation(req.method) && req.get('x-requested-with') === undefined)
        return next(
          new HttpError(
            403,
            'forbidden',
            'send changes with an X-Requested-With header (this scheduler runs without authentication)',
            { field: 'x-requested-with' },
          ),
        );
      res.locals.principal = ANONYMOUS;
      return next();
    }
    const result = authorize(auth, header, req.method, req.path);
    if (result.ok) res.locals.principal = result.principal;
    next(result.ok ? undefined : result.error);
  };
}

/** The host part of a `Host` header (no port, no brackets), lower-case. */
export function hostOf(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

/**
 * Whether a `Host` header names this server: an IP literal, `localhost`, or one of the allowed
 * names. A DNS-rebinding page sends its own domain name and is refused.
 */
export function hostAllowed(
  allowed: readonly string[] | undefined,
  header: string | undefined,
): boolean {
  if (header === undefined || allowed === undefined || allowed.includes('*')) return true;
  const host = hostOf(header).replace(/\.$/, '');
  if (isIP(host) !== 0 || host === 'localhost') return true;
  return allowed.some((a) => a.toLowerCase().replace(/\.$/, '') === host);
}

/** Refuses requests whose `Host` is not one of the server's names (421, as RFC 9110 says). */
export function hostMiddleware(allowed: readonly string[] | undefined) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (hostAllowed(allowed, req.get('host'))) return next();
    res.status(421).json({
      error: {
        status: 421,
        code: 'misdirected_request',
        message: `this server does not answer to the host name in the Host header; allowed: IP addresses, localhost${allowed?.length ? `, ${allowed.join(', ')}` : ''} (--allowed-hosts)`,
        field: 'host',
      },
    });
  };
}

/** Reads a secret from ZooKeeper, making a random one at the first start. */
async function secretAt(zk: ZkClient, path: string): Promise<string> {
  const existing = await zk.getOrNull(path);
  if (existing) return existing.data.toString('utf8');
  try {
    await zk.create(path, randomSecret(), { parents: true });
  } catch (err) {
    if (!(err instanceof NodeExistsError)) throw err;
  }
  return (await zk.get(path)).data.toString('utf8');
}

/**
 * The scheduler's secrets in ZooKeeper (`<root>/secrets`), each made at the first start: the API
 * token (only when asked for: no credential configured) and the executors' credential key.
 */
export async function schedulerSecrets(
  zk: ZkClient,
  layout: FrameworkLayout,
  wantToken: boolean,
): Promise<{ apiToken?: string; executorKey: string }> {
  const executorKey = await secretAt(zk, layout.executorKey);
  if (!wantToken) return { executorKey };
  return { apiToken: await secretAt(zk, layout.apiToken), executorKey };
}
