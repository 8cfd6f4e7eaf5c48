import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { WebSocket } from 'ws';
import { WebSocketServer } from 'ws';
import type { TlsServerFiles } from '@riak-mesos/config';
import type { EventStreamHello, StampedEvent } from '@riak-mesos/framework-contract';
import { EXPLORER_HTML } from '../explorer/page';
import { explorerScript } from '../explorer/script';
import type { SchedulerMetrics } from '../metrics';
import { createApiRouter } from './routes';
import { authorize, hostAllowed, hostMiddleware } from './auth';
import type { ApiDeps } from './routes';
import { errorHandler } from './errors';

export interface ApiServerOptions extends ApiDeps {
  host: string;
  port: number;
  /** Served at /metrics in Prometheus' text format. */
  metrics?: SchedulerMetrics;
  /** Certificate and key: the API (and its WebSocket) is served over https only. */
  tls?: TlsServerFiles;
}

export interface ApiServer {
  readonly url: string;
  readonly port: number;
  /** Serves new connections with another certificate and key (https servers only). */
  reloadTls(files: TlsServerFiles): void;
  close(): Promise<void>;
}

/**
 * The scheduler's HTTP server: `/api/v1/...`, `/healthcheck` for Marathon, and the WebSocket
 * event stream at `/api/v1/events` (JSON messages, one per state change; `?since=<seq>` replays
 * what is still held).
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // DNS rebinding: a page of another domain resolved to this address sends its own Host.
  app.use(hostMiddleware(options.auth.allowedHosts));
  app.get('/healthcheck', (_req, res) => {
    const status = options.frameworkStatus();
    const leader = options.isLeader();
    res.status(200).json({
      status: 'OK',
      leader,
      registered: status.registered,
      framework_id: status.frameworkId ?? null,
    });
  });
  const page = (_req: express.Request, res: express.Response) => {
    res.set(
      'content-security-policy',
      "default-src 'self'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self' ws: wss:",
    );
    res.type('html').send(EXPLORER_HTML);
  };
  app.get('/', page);
  app.get('/explorer', page);
  // The page's code: relative to the page, so `/explorer.js` from both `/` and `/explorer`.
  app.get('/explorer.js', (_req, res) => {
    res.type('application/javascript').set('cache-control', 'no-cache').send(explorerScript());
  });
  const metrics = options.metrics;
  if (metrics) {
    app.get('/metrics', (req, _res, next) => {
      if (options.auth.metricsOpen) return next();
      const result = authorize(options.auth, req.get('authorization'), 'GET', '/metrics');
      next(result.ok ? undefined : result.error);
    });
    app.get('/metrics', async (_req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  }
  app.use('/api/v1', createApiRouter(options));
  app.use((req, res) => {
    res.status(404).json({
      error: {
        status: 404,
        code: 'not_found',
        message: `no route for ${req.method} ${req.path}`,
      },
    });
  });
  app.use(errorHandler(options.logger));

  const tls = options.tls;
  const server: Server | HttpsServer = tls
    ? createHttpsServer({ maxHeaderSize: 16 * 1024, cert: tls.cert, key: tls.key }, app)
    : createServer({ maxHeaderSize: 16 * 1024 }, app);
  server.headersTimeout = 20000;
  server.requestTimeout = 60000;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 4096,
    // The explorer's `bearer.<token>` subprotocol is accepted by answering it back.
    handleProtocols: (protocols) => [...protocols].find((p) => p.startsWith('bearer.')) ?? false,
  });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    socket.on('error', () => socket.destroy());
    if (url.pathname !== '/api/v1/events') {
      socket.end(
        'HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"error":{"status":404,"message":"no WebSocket at this path"}}',
      );
      return;
    }
    // Browsers cannot set headers on a WebSocket: the explorer sends its token as the
    // subprotocol `bearer.<token>` (never in the URL, which ends up in logs).
    const offered = (req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .find((p) => p.startsWith('bearer.'));
    const header =
      req.headers.authorization ?? (offered ? `Bearer ${offered.slice(7)}` : undefined);
    const result = hostAllowed(options.auth.allowedHosts, req.headers.host)
      ? authorize(options.auth, header, 'GET', '/events')
      : { ok: false as const };
    if (!result.ok) {
      socket.end(
        'HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"error":{"status":401,"message":"authentication required"}}',
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) =>
      attach(ws, Number(url.searchParams.get('since') ?? 'NaN')),
    );
  });

  const attach = (ws: WebSocket, since: number) => {
    const send = (e: StampedEvent) => {
      if (ws.readyState === ws.OPEN && ws.bufferedAmount < 1 << 20) ws.send(JSON.stringify(e));
    };
    const status = options.frameworkStatus();
    const hello: EventStreamHello = {
      type: 'hello',
      leader: options.isLeader(),
      registered: status.registered,
      ...(status.frameworkId ? { frameworkId: status.frameworkId } : {}),
    };
    ws.send(JSON.stringify(hello));
    if (Number.isFinite(since)) for (const e of options.events.since(since)) send(e);
    options.events.on('event', send);
    const ping = setInterval(() => ws.ping(), 15000);
    ws.on('message', () => undefined);
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      clearInterval(ping);
      options.events.off('event', send);
    });
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost =
    options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  return {
    url: `${tls ? 'https' : 'http'}://${shownHost}:${port}`,
    port,
    reloadTls(files: TlsServerFiles) {
      if (!('setSecureContext' in server)) throw new Error('the API is not served over https');
      server.setSecureContext({ cert: files.cert, key: files.key });
    },
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
