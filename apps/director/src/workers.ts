/**
 * `--workers N` (N > 1): the director on more than one core (docs/director.md, "Workers").
 *
 * - The **primary** finds the nodes in ZooKeeper, runs the active health checks and serves the
 *   API; it proxies nothing. It shares with every worker, over node:cluster's IPC channel, the
 *   nodes (so that every worker drains a leaving node at the same moment), each backend's health
 *   as its checks decide it, and its ZooKeeper state. A worker that exits unexpectedly is forked
 *   again.
 * - Each **worker** runs both proxy listeners on the shared ports with its own backend pools and
 *   PB connection pool, and follows the primary's nodes and health. Who accepts is
 *   `workerAccept`: by default every worker from the one shared socket (node:cluster's
 *   SCHED_NONE), else the primary, handing each connection to the next worker (SCHED_RR). A backend a worker ejects after connect errors is reported to
 *   the primary, which takes it down for every worker.
 * - /metrics on the primary sums the workers' metrics (prom-client's AggregatorRegistry).
 *
 * Every message is parsed with the schemas below; anything else is logged and ignored.
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import type { TlsServerFiles } from '@riak-mesos/config';
import type { Logger } from '@riak-mesos/logging';
import { AggregatorRegistry } from 'prom-client';
import { z } from 'zod';
import type { Backend, BackendState } from './backends';
import type { DirectorConfig } from './config';
import { Director } from './director';
import type { RiakNode } from './discovery';

const LANES = ['protobuf', 'http'] as const;
type LaneName = (typeof LANES)[number];

const riakNode = z.object({
  id: z.string(),
  framework: z.string(),
  cluster: z.string(),
  nodeName: z.string(),
  hostname: z.string(),
  pbPort: z.number().int(),
  httpPort: z.number().int(),
  disterlPort: z.number().int(),
});
const backendRef = {
  lane: z.enum(LANES),
  id: z.string(),
  host: z.string(),
  port: z.number().int(),
};

/** Primary to worker. */
export const toWorkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('riak-director:nodes'), nodes: z.array(riakNode) }),
  z.object({ type: z.literal('riak-director:health'), ...backendRef, healthy: z.boolean() }),
  z.object({ type: z.literal('riak-director:zookeeper'), connected: z.boolean() }),
  z.object({ type: z.literal('riak-director:stop'), graceMs: z.number().int().min(0) }),
]);
export type ToWorker = z.infer<typeof toWorkerSchema>;

/** Worker to primary. */
export const toPrimarySchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('riak-director:ready'),
    pb: z.number().int(),
    http: z.number().int(),
  }),
  z.object({ type: z.literal('riak-director:ejected'), ...backendRef, error: z.string() }),
]);
export type ToPrimary = z.infer<typeof toPrimarySchema>;

/** Messages that are not ours (prom-client's, node's own) are left alone. */
function ours(message: unknown): boolean {
  const type = (message as { type?: unknown } | null)?.type;
  return typeof type === 'string' && type.startsWith('riak-director:');
}

/** The primary: a Director that proxies nothing, and its workers. */
export class DirectorPrimary {
  readonly director: Director;
  private readonly workers = new Set<Worker>();
  private readonly ready = new Map<Worker, { pb: number; http: number }>();
  private nodes: RiakNode[] = [];
  private stopping = false;
  private zkShared: boolean | undefined;
  private zkTimer: NodeJS.Timeout | undefined;
  private readonly aggregator = new AggregatorRegistry();

  constructor(
    readonly config: DirectorConfig,
    private readonly logger: Logger,
    tls?: TlsServerFiles,
  ) {
    this.director = new Director(config, {
      logger,
      role: 'primary',
      ...(tls ? { tls } : {}),
      onNodes: (nodes) => {
        this.nodes = nodes;
        this.broadcast({ type: 'riak-director:nodes', nodes });
      },
      metrics: {
        contentType: this.aggregator.contentType,
        metrics: () => this.aggregator.clusterMetrics(),
      },
      unavailable: () =>
        this.ready.size < this.config.workers
          ? `${this.ready.size} of ${this.config.workers} workers listening`
          : undefined,
    });
    for (const lane of LANES) {
      this.director.pool(lane).on('state', (b: Backend, _from: BackendState, to: BackendState) => {
        if (to !== 'draining') this.broadcast(healthOf(lane, b));
      });
    }
  }

  /** Bound ports, as the workers report them (the configured ones before). */
  get ports(): { pb: number; http: number; api: number | undefined } {
    const first = [...this.ready.values()][0];
    return {
      pb: first?.pb ?? this.config.pbPort,
      http: first?.http ?? this.config.httpPort,
      api: this.director.ports.api,
    };
  }

  reloadTls(files: TlsServerFiles): boolean {
    return this.director.reloadTls(files);
  }

  /** Starts the primary's director, then the workers; resolves once every worker listens. */
  async start(): Promise<void> {
    // Frozen by node:cluster at the first fork: who accepts the shared ports' connections.
    cluster.schedulingPolicy =
      this.config.workerAccept === 'primary' ? cluster.SCHED_RR : cluster.SCHED_NONE;
    await this.director.start();
    this.zkTimer = setInterval(() => this.shareZooKeeper(), 500);
    this.zkTimer.unref();
    const all = Array.from({ length: this.config.workers }, () => this.fork());
    await Promise.all(all);
  }

  private fork(): Promise<void> {
    const worker = cluster.fork();
    this.workers.add(worker);
    // Its process's errors (a failed kill or send): logged, never an uncaught 'error' event.
    worker.on('error', (err: Error) =>
      this.logger.warn('worker process error', { worker: worker.id, error: err.message }),
    );
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (message: unknown) => {
        if (!ours(message)) return;
        const parsed = toPrimarySchema.safeParse(message);
        if (!parsed.success) {
          this.logger.warn('ignored a malformed message from a worker', {
            worker: worker.id,
            error: parsed.error.message,
          });
          return;
        }
        const m = parsed.data;
        if (m.type === 'riak-director:ready') {
          this.ready.set(worker, { pb: m.pb, http: m.http });
          // Everything known so far, so that a late (or re-forked) worker starts in step.
          this.send(worker, { type: 'riak-director:nodes', nodes: this.nodes });
          for (const lane of LANES) {
            for (const b of this.director.pool(lane).list())
              if (!b.draining) this.send(worker, healthOf(lane, b));
          }
          this.send(worker, {
            type: 'riak-director:zookeeper',
            connected: this.director.zkConnected,
          });
          resolve();
        } else {
          const pool = this.director.pool(m.lane);
          const b = pool
            .list()
            .find((x) => !x.draining && x.id === m.id && x.host === m.host && x.port === m.port);
          if (b) pool.eject(b, `${m.error} (worker ${worker.id})`);
        }
      });
      worker.on('exit', (code, signal) => {
        this.workers.delete(worker);
        this.ready.delete(worker);
        reject(new Error(`worker ${worker.id} exited (${signal ?? code}) before it listened`));
        if (this.stopping) return;
        this.logger.error('worker exited; forking another', { worker: worker.id, code, signal });
        setTimeout(() => {
          if (!this.stopping)
            this.fork().catch((err: unknown) =>
              this.logger.error('worker failed', { error: (err as Error).message }),
            );
        }, 1000).unref();
      });
    });
  }

  /**
   * A worker can go away between the check and the send (its channel closes as it exits): the
   * callback takes that error, which without one would be an 'error' event nobody handles.
   */
  private send(worker: Worker, message: ToWorker): void {
    if (!worker.isConnected()) return;
    worker.send(message, undefined, undefined, (err: Error | null) => {
      if (err && !this.stopping)
        this.logger.warn('could not tell a worker', {
          worker: worker.id,
          message: message.type,
          error: err.message,
        });
    });
  }

  private broadcast(message: ToWorker): void {
    for (const w of this.ready.keys()) this.send(w, message);
  }

  private shareZooKeeper(): void {
    const connected = this.director.zkConnected;
    if (connected === this.zkShared) return;
    this.zkShared = connected;
    this.broadcast({ type: 'riak-director:zookeeper', connected });
  }

  /** Workers finish their connections (`graceMs`) and exit; then the primary stops. */
  async stop(graceMs = this.config.shutdownGraceMs): Promise<void> {
    this.stopping = true;
    clearInterval(this.zkTimer);
    const exits = [...this.workers].map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.isDead()) return resolve();
          const t = setTimeout(() => {
            w.process.kill('SIGKILL');
            resolve();
          }, graceMs + 5000);
          w.once('exit', () => {
            clearTimeout(t);
            resolve();
          });
          this.send(w, { type: 'riak-director:stop', graceMs });
        }),
    );
    await Promise.all(exits);
    await this.director.stop(0);
  }
}

function healthOf(lane: LaneName, b: Backend): ToWorker {
  return {
    type: 'riak-director:health',
    lane,
    id: b.id,
    host: b.host,
    port: b.port,
    healthy: b.healthy,
  };
}

/**
 * A worker: proxies on the shared ports and follows the primary. Resolves with the exit code
 * once the primary says stop (or goes away).
 */
export async function runWorker(config: DirectorConfig, logger: Logger): Promise<number> {
  const director = new Director(config, { logger, role: 'worker' });
  // Constructing one makes prom-client answer the primary's requests for this worker's metrics.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([director.registry]);
  const send = (m: ToPrimary) => {
    // The callback takes the error of a channel closing meanwhile (the primary going away).
    if (process.connected) process.send?.(m, undefined, undefined, () => undefined);
  };
  for (const lane of LANES) {
    director
      .pool(lane)
      .on('ejected', (b: Backend, error: string) =>
        send({ type: 'riak-director:ejected', lane, id: b.id, host: b.host, port: b.port, error }),
      );
  }
  let stop!: (graceMs: number) => void;
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    stop = (graceMs) => {
      if (stopping) return;
      stopping = true;
      director.stop(graceMs).then(
        () => resolve(0),
        (err: unknown) => {
          logger.error('error while stopping', { error: (err as Error).message });
          resolve(1);
        },
      );
    };
  });
  process.on('message', (message: unknown) => {
    if (!ours(message)) return;
    const parsed = toWorkerSchema.safeParse(message);
    if (!parsed.success) {
      logger.warn('ignored a malformed message from the primary', {
        error: parsed.error.message,
      });
      return;
    }
    const m = parsed.data;
    if (m.type === 'riak-director:nodes') director.follow({ nodes: m.nodes });
    else if (m.type === 'riak-director:health') director.follow(m);
    else if (m.type === 'riak-director:zookeeper')
      director.follow({ zookeeperConnected: m.connected });
    else stop(m.graceMs);
  });
  // The primary is gone: nothing will tell this worker about nodes any more.
  process.on('disconnect', () => stop(0));
  // A signal to the whole process group (Ctrl-C): the primary stops the workers.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
  await director.start();
  send({ type: 'riak-director:ready', pb: director.ports.pb, http: director.ports.http });
  return stopped;
}
