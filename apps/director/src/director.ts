// Over 400 lines: the Director is the one place that wires the two lanes (pools, proxies,
// checks, PB connection pool) to discovery, the API's views (status, nodes, health) and its
// roles (single, primary, worker); the pieces themselves live in their own modules.
import { hostname } from 'node:os';
import type { TlsServerFiles } from '@riak-mesos/config';
import type { Logger } from '@riak-mesos/logging';
import { createLogger } from '@riak-mesos/logging';
import { splitZkCredential } from '@riak-mesos/framework-contract';
import {
  ZkClient,
  digestId,
  frameworkLayout,
  parseConnectString,
  validateName,
} from '@riak-mesos/zk';
import type { Registry } from 'prom-client';
import type { ApiServer, DirectorApi, NodeView } from './api';
import { ZooKeeperUnavailableError, startApiServer } from './api';
import type { Backend, BackendSpec } from './backends';
import { BackendPool } from './backends';
import type { DirectorConfig } from './config';
import type { RiakNode } from './discovery';
import { Discovery } from './discovery';
import type { HealthCheck } from './health';
import { HealthChecker, httpPing, pbPing } from './health';
import { createMetrics } from './metrics';
import { PbConnectionPool } from './pb-pool';
import { ProxyListener } from './proxy';
import { Registrar, backendHealth, defaultAdvertiseHost } from './registration';

export interface DirectorOptions {
  logger?: Logger;
  /** The API's certificate and key (read from `tlsCert`/`tlsKey`): https only. */
  tls?: TlsServerFiles;
  /** Replaces the active checks (tests inject faults through real servers instead). */
  checks?: { protobuf?: HealthCheck; http?: HealthCheck };
  /**
   * `single` (default) does everything. With `--workers N` (workers.ts): the `primary` finds the
   * nodes, checks them and serves the API, but proxies nothing; each `worker` proxies (on ports
   * shared through node:cluster) and follows the primary's nodes and health.
   */
  role?: 'single' | 'primary' | 'worker';
  /** Called with the cluster's nodes each time discovery reports them (the primary shares them). */
  onNodes?: (nodes: RiakNode[]) => void;
  /** Serves /metrics instead of this process's registry (the primary: the workers' metrics). */
  metrics?: MetricsText;
  /** Why the director cannot serve yet though its backends are healthy (the primary: workers). */
  unavailable?: () => string | undefined;
}

/** What /metrics serves. */
export interface MetricsText {
  readonly contentType: string;
  metrics(): Promise<string>;
}

interface Lane {
  /** `protobuf` or `http`. */
  name: 'protobuf' | 'http';
  /** The original's proxy name, kept in the status document. */
  legacyName: string;
  pool: BackendPool;
  proxy: ProxyListener;
  checker: HealthChecker;
  /** PB only: idle backend connections (pb-pool.ts). */
  connections: PbConnectionPool | undefined;
  portOf: (n: RiakNode) => number;
}

function erlangTime(d: Date | undefined): string | null {
  if (!d) return null;
  return d.toISOString().replace('T', ' ').slice(0, 19);
}

/**
 * The director: two proxy listeners (PB and HTTP) with their backend pools and health checks,
 * node discovery from ZooKeeper, and the HTTP API. `start()` binds every port first (so a busy
 * port fails at once), then connects to ZooKeeper in the background, retrying until it can:
 * the proxies run meanwhile with no backends, and /health says so.
 */
export class Director implements DirectorApi {
  readonly logger: Logger;
  readonly registry: Registry;
  /** What /metrics serves: this process's registry, or the workers' (primary). */
  readonly metricsText: MetricsText;
  readonly role: 'single' | 'primary' | 'worker';
  private readonly onNodes: ((nodes: RiakNode[]) => void) | undefined;
  private readonly unavailable: (() => string | undefined) | undefined;
  /** A worker's view of the primary's ZooKeeper session. */
  private followedZk = false;
  private readonly lanes: Lane[];
  private zk: ZkClient | undefined;
  private discovery: Discovery | undefined;
  private registrar: Registrar | undefined;
  private publishTimer: NodeJS.Timeout | undefined;
  private api: ApiServer | undefined;
  private readonly tls: TlsServerFiles | undefined;
  private target: { framework: string; cluster: string };
  private stopped = false;
  private zkLoop: Promise<void> | undefined;
  private wakeZkLoop: (() => void) | undefined;

  constructor(
    readonly config: DirectorConfig,
    options: DirectorOptions = {},
  ) {
    this.logger = options.logger ?? createLogger('director');
    this.tls = options.tls;
    this.role = options.role ?? 'single';
    this.onNodes = options.onNodes;
    this.unavailable = options.unavailable;
    this.target = { framework: config.framework, cluster: config.cluster };
    const lane = (
      name: 'protobuf' | 'http',
      legacyName: string,
      port: number,
      check: HealthCheck,
      portOf: (n: RiakNode) => number,
    ): Lane => {
      const pool = new BackendPool({
        name,
        balance: config.balance,
        maxConnPerBackend: config.maxConnPerBackend,
        rise: config.health.rise,
        fall: config.health.fall,
        ejectAfter: config.health.ejectAfter,
        drainTimeoutMs: config.drainTimeoutMs,
        logger: this.logger,
      });
      // PB requests are framed: backend connections can be pooled and handed over at boundaries.
      const connections =
        name === 'protobuf' && config.pool.size > 0
          ? new PbConnectionPool(pool, {
              ...config.pool,
              connectTimeoutMs: config.connectTimeoutMs,
              retryMs: config.health.intervalMs,
              logger: this.logger,
            })
          : undefined;
      const proxy = new ProxyListener({
        name,
        host: config.host,
        port,
        pool,
        connectTimeoutMs: config.connectTimeoutMs,
        connectAttempts: config.connectAttempts,
        queueTimeoutMs: config.queueTimeoutMs,
        idleTimeoutMs: config.idleTimeoutMs,
        maxClientConnections: config.maxClientConnections,
        // PB requests are framed and stateless: drained connections move between two requests.
        pbBoundaries: name === 'protobuf',
        ...(connections ? { connectionPool: connections } : {}),
        logger: this.logger,
      });
      const checker = new HealthChecker(pool, check, {
        intervalMs: config.health.intervalMs,
        timeoutMs: config.health.timeoutMs,
        logger: this.logger,
      });
      return { name, legacyName, pool, proxy, checker, connections, portOf };
    };
    this.lanes = [
      lane(
        'protobuf',
        'balance_protobuf',
        config.pbPort,
        options.checks?.protobuf ?? pbPing,
        (n) => n.pbPort,
      ),
      lane(
        'http',
        'balance_http',
        config.httpPort,
        options.checks?.http ?? httpPing,
        (n) => n.httpPort,
      ),
    ];
    this.registry = createMetrics({
      listeners: () => this.lanes.map((l) => l.proxy),
      zookeeperConnected: () => this.zkConnected,
      configuration: () => ({ ...this.target }),
    });
    this.metricsText = options.metrics ?? this.registry;
  }

  /** Bound ports (useful when configured as 0). */
  get ports(): { pb: number; http: number; api: number | undefined } {
    return {
      pb: this.lane('protobuf').proxy.port,
      http: this.lane('http').proxy.port,
      api: this.api?.port,
    };
  }

  get framework(): string {
    return this.target.framework;
  }

  get cluster(): string {
    return this.target.cluster;
  }

  get zkConnected(): boolean {
    return this.role === 'worker' ? this.followedZk : this.zk?.state === 'connected';
  }

  /** A worker: the primary's nodes, health and ZooKeeper state (workers.ts). */
  follow(
    update:
      | { nodes: RiakNode[] }
      | { lane: 'protobuf' | 'http'; id: string; host: string; port: number; healthy: boolean }
      | { zookeeperConnected: boolean },
  ): void {
    if ('nodes' in update) this.applyNodes(update.nodes);
    else if ('zookeeperConnected' in update) this.followedZk = update.zookeeperConnected;
    else {
      const pool = this.lane(update.lane).pool;
      const b = pool
        .list()
        .find(
          (x) =>
            !x.draining && x.id === update.id && x.host === update.host && x.port === update.port,
        );
      if (b) pool.follow(b, update.healthy);
    }
  }

  /** The pool of one listener (for tests and status). */
  pool(name: 'protobuf' | 'http'): BackendPool {
    return this.lane(name).pool;
  }

  proxy(name: 'protobuf' | 'http'): ProxyListener {
    return this.lane(name).proxy;
  }

  /** Watches open on ZooKeeper for node discovery (0 before the first session). */
  get discoveryWatches(): number {
    return this.discovery?.openWatches ?? 0;
  }

  private lane(name: 'protobuf' | 'http'): Lane {
    return this.lanes.find((l) => l.name === name)!;
  }

  /** Serves the API with another certificate and key (SIGHUP); false: the API is not https. */
  reloadTls(files: TlsServerFiles): boolean {
    if (!this.api || !this.tls) return false;
    this.api.reloadTls(files);
    return true;
  }

  async start(): Promise<void> {
    try {
      if (this.role !== 'primary') for (const l of this.lanes) await l.proxy.listen();
      if (this.config.api.enabled && this.role !== 'worker') {
        this.api = await startApiServer({
          host: this.config.api.host,
          port: this.config.api.port,
          director: this,
          logger: this.logger,
          ...(this.tls ? { tls: this.tls } : {}),
          auth: {
            ...(this.config.apiToken ? { token: this.config.apiToken } : {}),
            insecure: this.config.insecureNoAuth,
            allowedHosts: [
              ...new Set([hostname(), this.config.api.host, ...this.config.allowedHosts]),
            ],
          },
        });
      }
    } catch (err) {
      await this.stop(0);
      throw err;
    }
    for (const l of this.lanes) {
      if (this.role !== 'worker') l.checker.start();
      if (this.role !== 'primary') l.connections?.start();
    }
    if (this.role === 'worker') return;
    this.zkLoop = this.connectZooKeeper();
  }

  /** Connects to ZooKeeper, retrying with back-off until it works or the director stops. */
  private async connectZooKeeper(): Promise<void> {
    let delayMs = 500;
    const auth = this.config.zkAuth ? splitZkCredential(this.config.zkAuth) : undefined;
    if (!auth)
      this.logger.warn(
        'ZooKeeper is OPEN: no credential (--zk-auth-file, DIRECTOR_ZK_AUTH_FILE); the director reads the published nodes only while the framework runs without ZooKeeper ACLs',
        { framework: this.target.framework },
      );
    while (!this.stopped) {
      try {
        const zk = await ZkClient.connect({
          connect: this.config.zk,
          sessionTimeoutMs: this.config.zkSessionTimeoutMs,
          connectTimeoutMs: 10000,
          logger: this.logger,
          // It creates nothing but a chroot's nodes: those are its own.
          ...(auth ? { auth: [auth], defaultAcl: 'creator-all' as const } : {}),
        });
        if (this.stopped) {
          await zk.close();
          return;
        }
        this.zk = zk;
        zk.on('disconnected', () =>
          this.logger.warn('ZooKeeper connection lost; keeping backends'),
        );
        zk.on('connected', () => this.logger.info('ZooKeeper connected'));
        this.startDiscovery(zk);
        this.register(zk, auth ? digestId(auth.user, auth.password) : undefined);
        return;
      } catch (err) {
        if (this.stopped) return;
        this.logger.warn('cannot connect to ZooKeeper; retrying', {
          zk: parseConnectString(this.config.zk).hosts,
          error: (err as Error).message,
          retryInMs: delayMs,
        });
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delayMs);
          this.wakeZkLoop = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wakeZkLoop = undefined;
        delayMs = Math.min(delayMs * 2, 30000);
      }
    }
  }

  private startDiscovery(zk: ZkClient): void {
    const discovery = new Discovery(zk, this.target, this.logger);
    this.discovery = discovery;
    discovery.on('nodes', (nodes: RiakNode[]) => this.applyNodes(nodes));
    discovery.start();
  }

  /** Registers the director under its cluster (registration.ts), with its bound ports. */
  private register(zk: ZkClient, selfId: string | undefined): void {
    this.registrar = new Registrar(zk, {
      host: this.config.advertiseHost ?? defaultAdvertiseHost(this.config.host, hostname()),
      pbPort: this.ports.pb,
      httpPort: this.ports.http,
      ...(selfId ? { selfId } : {}),
      logger: this.logger,
    });
    void this.registrar.moveTo(this.target);
    // Its backends' health goes into the registration when a backend changes (a burst of changes
    // is written once), for the scheduler's endpoints and console.
    const publish = () => {
      if (this.publishTimer) return;
      this.publishTimer = setTimeout(() => {
        this.publishTimer = undefined;
        if (this.stopped) return;
        void this.registrar?.publishBackends(
          backendHealth(this.lanes.map((l) => ({ name: l.name, backends: l.pool.list() }))),
        );
      }, 200);
      this.publishTimer.unref();
    };
    for (const l of this.lanes)
      for (const event of ['added', 'state', 'retired', 'ejected']) l.pool.on(event, publish);
    publish();
  }

  /** The ZooKeeper path of this director's registration, once made. */
  get registration(): string | undefined {
    return this.registrar?.registered;
  }

  private applyNodes(nodes: RiakNode[]): void {
    this.onNodes?.(nodes);
    this.logger.info('cluster nodes', {
      framework: this.target.framework,
      cluster: this.target.cluster,
      nodes: nodes.map((n) => `${n.nodeName} (${n.hostname})`),
    });
    for (const l of this.lanes) {
      const specs: BackendSpec[] = nodes.map((n) => ({
        id: n.id,
        node: n.nodeName,
        host: n.hostname,
        port: l.portOf(n),
      }));
      l.pool.sync(specs);
    }
  }

  /** Switches framework and cluster: the old nodes drain, the old watches are closed. */
  configure(framework: string, cluster: string): void {
    validateName('framework', framework);
    validateName('cluster', cluster);
    if (framework === this.target.framework && cluster === this.target.cluster) return;
    this.logger.info('reconfiguring', {
      from: { ...this.target },
      to: { framework, cluster },
    });
    this.target = { framework, cluster };
    this.discovery?.configure(this.target);
    void this.registrar?.moveTo(this.target);
  }

  async frameworks(): Promise<string[]> {
    if (!this.discovery || !this.zkConnected) throw new ZooKeeperUnavailableError();
    return this.discovery.frameworks();
  }

  clusters(): string[] {
    return [...new Set((this.discovery?.allNodes() ?? []).map((n) => n.cluster))].sort();
  }

  nodes(): RiakNode[] {
    return this.discovery?.nodes() ?? [];
  }

  nodeViews(): NodeView[] {
    const stateOf = (lane: 'protobuf' | 'http', n: RiakNode, port: number) =>
      this.lane(lane)
        .pool.list()
        .find((b) => b.id === n.id && b.host === n.hostname && b.port === port)?.state;
    return this.nodes().map((n) => ({
      id: n.id,
      name: n.nodeName,
      protobuf: { host: n.hostname, port: n.pbPort, status: stateOf('protobuf', n, n.pbPort) },
      http: { host: n.hostname, port: n.httpPort, status: stateOf('http', n, n.httpPort) },
    }));
  }

  /** OK only when both listeners have at least one healthy backend. */
  health(): { ok: boolean; detail: Record<string, unknown> } {
    const healthy = Object.fromEntries(this.lanes.map((l) => [l.name, l.pool.healthyCount()]));
    const waiting = this.unavailable?.();
    const ok = !waiting && this.lanes.every((l) => l.pool.healthyCount() > 0);
    const detail: Record<string, unknown> = {
      healthy_backends: healthy,
      zookeeper: this.zkConnected ? 'connected' : 'disconnected',
    };
    if (waiting) detail.reason = waiting;
    else if (!ok) {
      detail.reason = this.lanes.some((l) => l.pool.list().length > 0)
        ? 'no healthy backend on ' +
          this.lanes
            .filter((l) => l.pool.healthyCount() === 0)
            .map((l) => l.name)
            .join(' and ')
        : `no nodes of cluster ${this.target.cluster} published in ZooKeeper`;
    }
    return { ok, detail };
  }

  statusDocument(): unknown {
    const zk = parseConnectString(this.config.zk);
    const backendView = (l: Lane, b: Backend) => ({
      id: b.id,
      node: b.node,
      name: b.host,
      port: b.port,
      status: b.state,
      maxconn: this.config.maxConnPerBackend,
      pendconn: b.pending,
      actconn: b.active,
      lasterr: b.lastError ?? null,
      lasterrtime: erlangTime(b.lastErrorTime),
      act_count: b.completedConnections,
      act_time: b.completedTimeMs,
      connections_total: b.connectionsTotal,
      connect_errors: b.connectErrors,
      ...(l.connections ? { pool_idle: l.connections.idleCount(b) } : {}),
      last_check: b.lastCheck
        ? { ok: b.lastCheck.ok, at: b.lastCheck.at.toISOString(), detail: b.lastCheck.detail }
        : null,
    });
    return {
      status: {
        framework: this.target.framework,
        cluster: this.target.cluster,
        proxy: this.lanes.map((l) => ({
          name: l.legacyName,
          listener: l.name,
          local_ip: this.config.host,
          local_port: l.proxy.port,
          conn_timeout: this.config.connectTimeoutMs,
          act_timeout: this.config.idleTimeoutMs,
          balance: this.config.balance,
          open_connections: l.proxy.openConnections,
          waiting: l.pool.queued,
          ...(l.connections
            ? {
                pool: {
                  size: this.config.pool.size,
                  warmup: this.config.pool.warmup,
                  idle_time: this.config.pool.idleTimeMs,
                  ...l.connections.stats,
                },
              }
            : {}),
          nodes: l.pool.list().map((b) => backendView(l, b)),
        })),
        web: {
          enabled: this.config.api.enabled,
          host: this.config.api.host,
          port: this.api?.port ?? this.config.api.port,
        },
        zookeeper: {
          hosts: zk.servers.map((s) => `${s.host}:${s.port}`),
          chroot: zk.chroot || null,
          connected: this.zkConnected,
          nodes_location: frameworkLayout(this.target.framework).coordinatedNodes,
          invalid_nodes: this.discovery?.invalidNodes() ?? [],
        },
      },
    };
  }

  /**
   * Stops accepting, lets open connections finish for `graceMs` (default from config), then
   * closes everything, ZooKeeper last.
   */
  async stop(graceMs = this.config.shutdownGraceMs): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wakeZkLoop?.();
    // Clients stop being sent here before the listeners close.
    clearTimeout(this.publishTimer);
    await this.registrar?.stop();
    for (const l of this.lanes) {
      l.checker.stop();
      l.connections?.stop();
      l.pool.close();
    }
    await Promise.all(this.lanes.map((l) => l.proxy.close(graceMs)));
    await this.api?.close();
    this.discovery?.stop();
    await this.zkLoop;
    await this.zk?.close();
  }
}
