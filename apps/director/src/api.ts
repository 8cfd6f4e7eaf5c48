import type { Server } from 'node:http';
import { STATUS_CODES, createServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { createServer as createHttpsServer } from 'node:https';
import type { TlsServerFiles } from '@riak-mesos/config';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { isIP } from 'node:net';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@riak-mesos/logging';
import { InvalidNameError, validateName } from '@riak-mesos/zk';

/** One node as `GET /nodes` shows it. */
export interface NodeView {
  id: string;
  name: string;
  protobuf: { host: string; port: number; status?: string };
  http: { host: string; port: number; status?: string };
}

/** What the API asks of the director. */
export interface DirectorApi {
  statusDocument(): unknown;
  /** Children of `/riak/frameworks`; throws ZooKeeperUnavailableError without a session. */
  frameworks(): Promise<string[]>;
  clusters(): string[];
  nodeViews(): NodeView[];
  configure(framework: string, cluster: string): void;
  health(): { ok: boolean; detail: Record<string, unknown> };
  /** What /metrics serves. */
  readonly metricsText: { readonly contentType: string; metrics(): Promise<string> };
}

export class ZooKeeperUnavailableError extends Error {
  constructor(message = 'no ZooKeeper session yet') {
    super(message);
    this.name = 'ZooKeeperUnavailableError';
  }
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * Who may change the director through its API (docs/security.md): the bearer `token`, or anyone
 * with `insecure`; neither: no change is taken. Reads stay open (they show what the proxy serves,
 * and Marathon's health check reads /health). `allowedHosts`: the names `Host` may carry besides
 * IP literals and localhost (DNS rebinding); `*`: any.
 */
export interface ApiAuth {
  token?: string;
  insecure: boolean;
  allowedHosts: readonly string[];
}

export interface ApiServerOptions {
  host: string;
  port: number;
  director: DirectorApi;
  logger: Logger;
  auth: ApiAuth;
  /** Certificate and key: the API is served over https only. */
  tls?: TlsServerFiles;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether a `Host` header names this server (an IP literal, localhost, or an allowed name). */
export function hostAllowed(allowed: readonly string[], header: string | undefined): boolean {
  if (header === undefined || allowed.includes('*')) return true;
  const h = header.trim().toLowerCase();
  const host = (
    h.startsWith('[')
      ? h.slice(1, Math.max(1, h.indexOf(']')))
      : h.indexOf(':') === h.lastIndexOf(':') && h.includes(':')
        ? h.slice(0, h.indexOf(':'))
        : h
  ).replace(/\.$/, '');
  if (isIP(host) !== 0 || host === 'localhost') return true;
  return allowed.some((a) => a.toLowerCase().replace(/\.$/, '') === host);
}

/** A change needs `Authorization: Bearer <token>` (a header: no cross-site form can send it). */
function mayChange(auth: ApiAuth, header: string | undefined): HttpError | undefined {
  if (auth.insecure) return undefined;
  const [scheme = '', value = ''] = (header ?? '').split(' ', 2);
  if (auth.token && scheme.toLowerCase() === 'bearer' && safeEqual(value, auth.token))
    return undefined;
  return new HttpError(
    401,
    'unauthorized',
    header === undefined
      ? 'authentication required: send Authorization: Bearer <token> (the director-api-token file, or --api-token-file)'
      : 'the credentials sent are not valid for this director',
  );
}

export interface ApiServer {
  readonly port: number;
  readonly url: string;
  /** Serves new connections with another certificate and key (https servers only). */
  reloadTls(files: TlsServerFiles): void;
  close(): Promise<void>;
}

function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { status, code, message } });
}

/** The express application: the original's routes plus a truthful /health and /metrics. */
export function createApiApp(
  director: DirectorApi,
  logger: Logger,
  auth: ApiAuth,
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((req, res, next) => {
    if (hostAllowed(auth.allowedHosts, req.get('host'))) return next();
    sendError(
      res,
      421,
      'misdirected_request',
      'this director does not answer to the host name in the Host header (--allowed-hosts)',
    );
  });

  const only =
    (...methods: string[]) =>
    (req: Request, res: Response, next: NextFunction) => {
      if (methods.includes(req.method) || (req.method === 'HEAD' && methods.includes('GET'))) {
        next();
        return;
      }
      res.set('allow', methods.join(', '));
      sendError(res, 405, 'method_not_allowed', `${req.method} is not allowed on ${req.path}`);
    };

  app.all('/status', only('GET'), (_req, res) => {
    res.json(director.statusDocument());
  });
  app.all('/health', only('GET'), (_req, res) => {
    const h = director.health();
    res.status(h.ok ? 200 : 503).json({ status: h.ok ? 'OK' : 'UNAVAILABLE', ...h.detail });
  });
  app.all('/frameworks', only('GET'), async (_req, res) => {
    res.json({ frameworks: await director.frameworks() });
  });
  app.all('/clusters', only('GET'), (_req, res) => {
    res.json({ clusters: director.clusters() });
  });
  app.all('/nodes', only('GET'), (_req, res) => {
    res.json({ nodes: director.nodeViews() });
  });
  app.all('/frameworks/:framework/clusters/:cluster', only('PUT'), (req, res) => {
    const refused = mayChange(auth, req.get('authorization'));
    if (refused) throw refused;
    const framework = validateName('framework', req.params.framework);
    const cluster = validateName('cluster', req.params.cluster);
    director.configure(framework, cluster);
    res.json({ framework, cluster });
  });
  app.all('/metrics', only('GET'), async (_req, res) => {
    res.type(director.metricsText.contentType).send(await director.metricsText.metrics());
  });
  app.use((req, res) => {
    sendError(res, 404, 'not_found', `no route for ${req.method} ${req.path}`);
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof InvalidNameError) {
      sendError(res, 400, 'bad_request', err.message);
      return;
    }
    if (err instanceof ZooKeeperUnavailableError) {
      sendError(res, 503, 'unavailable', err.message);
      return;
    }
    if (err instanceof HttpError) {
      sendError(res, err.status, err.code, err.message);
      return;
    }
    const e = err as { status?: unknown; message?: unknown };
    if (e && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      sendError(
        res,
        e.status,
        'bad_request',
        typeof e.message === 'string' ? e.message : (STATUS_CODES[e.status] ?? 'bad request'),
      );
      return;
    }
    logger.error('request failed', {
      method: req.method,
      path: req.path,
      error: (err as Error)?.stack ?? String(err),
    });
    sendError(res, 500, 'internal', 'internal error');
  });
  return app;
}

/** Starts the API server. Malformed requests are answered 400 (431 for huge headers) and closed. */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const app = createApiApp(options.director, options.logger, options.auth);
  const limits = { maxHeaderSize: 16 * 1024, requestTimeout: 30000, headersTimeout: 10000 };
  const tls = options.tls;
  const server: Server | HttpsServer = tls
    ? createHttpsServer({ ...limits, cert: tls.cert, key: tls.key }, app)
    : createServer(limits, app);
  server.keepAliveTimeout = 5000;
  server.maxConnections = 1024;
  server.maxRequestsPerSocket = 1000;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    options.logger.debug('malformed API request', { error: err.code ?? err.message });
    if (!socket.writable || (socket as Socket & { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const status =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? 431
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? 408
          : 400;
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);
    socket.destroySoon();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(
        new Error(`cannot listen for the API on ${options.host}:${options.port}: ${err.message}`),
      ),
    );
    server.listen({ host: options.host, port: options.port }, () => resolve());
  });
  server.on('error', (err) => options.logger.error('API server error', { error: err.message }));
  const port = (server.address() as AddressInfo).port;
  const shown = options.host.includes(':') ? `[${options.host}]` : options.host;
  options.logger.info('API listening', { host: options.host, port, tls: Boolean(tls) });
  return {
    port,
    url: `${tls ? 'https' : 'http'}://${shown === '0.0.0.0' ? '127.0.0.1' : shown}:${port}`,
    reloadTls(files: TlsServerFiles) {
      if (!('setSecureContext' in server)) throw new Error('the API is not served over https');
      server.setSecureContext({ cert: files.cert, key: files.key });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
