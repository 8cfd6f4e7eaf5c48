import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Backend, BackendState } from './backends';
import type { PbPoolStats } from './pb-pool';
import { DISCARD_REASONS } from './pb-pool';
import type { ProxyListener } from './proxy';
import { PROXY_ERROR_REASONS } from './proxy';

/** What the metrics read at scrape time. */
export interface MetricsSource {
  listeners(): readonly ProxyListener[];
  zookeeperConnected(): boolean;
  configuration(): { framework: string; cluster: string };
}

const STATES: readonly BackendState[] = ['up', 'down', 'draining'];

/**
 * The director's Prometheus metrics, one registry per director instance. Every value is read from
 * the listeners and pools when scraped, so the proxy's data path does no metrics work. With
 * `--workers N` the primary sums the workers' registries; gauges that every worker holds alike
 * (backend states, ZooKeeper, configuration) say `aggregator: 'max'` so they are taken once.
 */
export function createMetrics(source: MetricsSource): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const listeners = () => source.listeners();
  const backends = (l: ProxyListener): readonly Backend[] => l.pool.list();
  const labels = (l: ProxyListener, b: Backend) => ({
    listener: l.name,
    backend: b.address,
    id: b.id,
  });

  new Counter({
    name: 'riak_director_connections_total',
    help: 'Client connections accepted, by listener',
    labelNames: ['listener'],
    registers: [registry],
    collect() {
      this.reset();
      for (const l of listeners()) this.inc({ listener: l.name }, l.stats.accepted);
    },
  });
  new Counter({
    name: 'riak_director_connections_proxied_total',
    help: 'Client connections that reached a backend, by listener',
    labelNames: ['listener'],
    registers: [registry],
    collect() {
      this.reset();
      for (const l of listeners()) this.inc({ listener: l.name }, l.stats.proxied);
    },
  });
  new Counter({
    name: 'riak_director_connections_moved_total',
    help: 'PB client connections moved off a draining node between two requests, by listener',
    labelNames: ['listener'],
    registers: [registry],
    collect() {
      this.reset();
      for (const l of listeners()) this.inc({ listener: l.name }, l.stats.moved);
    },
  });
  new Counter({
    name: 'riak_director_connections_reconnected_total',
    help: 'PB client connections given another node when theirs was lost with nothing in flight',
    labelNames: ['listener'],
    registers: [registry],
    collect() {
      this.reset();
      for (const l of listeners()) this.inc({ listener: l.name }, l.stats.reconnected);
    },
  });
  createPoolMetrics(registry, listeners);
  new Counter({
    name: 'riak_director_connections_refused_total',
    help: 'Client connections refused because the listener was at its connection limit',
    labelNames: ['listener'],
    registers: [registry],
    collect() {
      this.reset();
      for (const l of listeners()) this.inc({ listener: l.name }, l.stats.refused);
    },
  });
  new Gauge({
    name: 'riak_director_connections_active',
    help: 'Open client connections (connecting, waiting or proxied), by listener',
    labelNames: ['listener'],
    registers: [registry],
    collect() {
      this.reset();
      for (const l of listeners()) this.set({ listener: l.name }, l.openConnections);
    },
  });
  new Gauge({
    name: 'riak_director_clients_waiting',
    help: 'Client connections waiting for an available backend, by listener',
    labelNames: ['listener'],
    registers: [registry],
    collect() {
      this.reset();
      for (const l of listeners()) this.set({ listener: l.name }, l.pool.queued);
    },
  });
  new Counter({
    name: 'riak_director_connection_errors_total',
    help: 'Client connections ended by an error or timeout, by listener and reason',
    labelNames: ['listener', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const l of listeners()) {
        for (const reason of PROXY_ERROR_REASONS) {
          this.inc({ listener: l.name, reason }, l.stats.errors[reason]);
        }
      }
    },
  });
  new Counter({
    name: 'riak_director_backend_connect_failures_total',
    help: 'Failed backend connect attempts, by listener (each retry counts)',
    labelNames: ['listener'],
    registers: [registry],
    collect() {
      this.reset();
      for (const l of listeners()) this.inc({ listener: l.name }, l.stats.connectFailures);
    },
  });
  new Counter({
    name: 'riak_director_bytes_total',
    help: 'Bytes proxied, by listener and direction (in: client to backend, out: backend to client)',
    labelNames: ['listener', 'direction'],
    registers: [registry],
    collect() {
      this.reset();
      for (const l of listeners()) {
        const b = l.bytes();
        this.inc({ listener: l.name, direction: 'in' }, b.in);
        this.inc({ listener: l.name, direction: 'out' }, b.out);
      }
    },
  });
  new Gauge({
    name: 'riak_director_backends',
    aggregator: 'max',
    help: 'Backends by listener and state (up, down, draining)',
    labelNames: ['listener', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const l of listeners()) {
        for (const state of STATES) {
          this.set(
            { listener: l.name, state },
            backends(l).filter((b) => b.state === state).length,
          );
        }
      }
    },
  });
  new Gauge({
    name: 'riak_director_backend_up',
    aggregator: 'max',
    help: '1 when the backend passes its health checks and is not draining',
    labelNames: ['listener', 'backend', 'id'],
    registers: [registry],
    collect() {
      this.reset();
      for (const l of listeners()) {
        for (const b of backends(l)) this.set(labels(l, b), b.state === 'up' ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'riak_director_backend_connections_active',
    help: 'Connections proxied to the backend now (pending connects included)',
    labelNames: ['listener', 'backend', 'id'],
    registers: [registry],
    collect() {
      this.reset();
      for (const l of listeners()) {
        for (const b of backends(l)) this.set(labels(l, b), b.load);
      }
    },
  });
  new Counter({
    name: 'riak_director_backend_connections_total',
    help: 'Connections opened to the backend',
    labelNames: ['listener', 'backend', 'id'],
    registers: [registry],
    collect() {
      this.reset();
      for (const l of listeners()) {
        for (const b of backends(l)) this.inc(labels(l, b), b.connectionsTotal);
      }
    },
  });
  new Counter({
    name: 'riak_director_backend_connect_errors_total',
    help: 'Failed connect attempts to the backend',
    labelNames: ['listener', 'backend', 'id'],
    registers: [registry],
    collect() {
      this.reset();
      for (const l of listeners()) {
        for (const b of backends(l)) this.inc(labels(l, b), b.connectErrors);
      }
    },
  });
  new Counter({
    name: 'riak_director_backend_health_checks_total',
    help: 'Active health checks of the backend, by result',
    labelNames: ['listener', 'backend', 'id', 'result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const l of listeners()) {
        for (const b of backends(l)) {
          this.inc({ ...labels(l, b), result: 'pass' }, b.checksPassed);
          this.inc({ ...labels(l, b), result: 'fail' }, b.checksFailed);
        }
      }
    },
  });
  new Gauge({
    name: 'riak_director_zookeeper_connected',
    aggregator: 'max',
    help: '1 while the director has a ZooKeeper session',
    registers: [registry],
    collect() {
      this.set(source.zookeeperConnected() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'riak_director_info',
    aggregator: 'max',
    help: 'The framework and cluster the director serves (value 1)',
    labelNames: ['framework', 'cluster'],
    registers: [registry],
    collect() {
      this.reset();
      const c = source.configuration();
      this.set({ framework: c.framework, cluster: c.cluster }, 1);
    },
  });
  return registry;
}

/** The PB backend connection pool's metrics (pb-pool.ts), for listeners that have one. */
function createPoolMetrics(registry: Registry, listeners: () => readonly ProxyListener[]): void {
  const pooled = () =>
    listeners().flatMap((l) => {
      const p = l.options.connectionPool;
      return p?.enabled ? [{ l, p }] : [];
    });
  new Gauge({
    name: 'riak_director_pool_size',
    aggregator: 'max',
    help: 'Idle PB connections the pool keeps at most per backend (configured)',
    labelNames: ['listener'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { l, p } of pooled()) this.set({ listener: l.name }, p.options.size);
    },
  });
  new Gauge({
    name: 'riak_director_pool_idle',
    help: 'Idle pooled PB connections, by backend',
    labelNames: ['listener', 'backend', 'id'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { l, p } of pooled()) {
        for (const b of l.pool.list())
          this.set({ listener: l.name, backend: b.address, id: b.id }, p.idleCount(b));
      }
    },
  });
  new Gauge({
    name: 'riak_director_pool_in_use',
    help: 'Backend PB connections serving a client now, by backend',
    labelNames: ['listener', 'backend', 'id'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { l } of pooled()) {
        for (const b of l.pool.list())
          this.set({ listener: l.name, backend: b.address, id: b.id }, b.active);
      }
    },
  });
  const counters: [string, string, (s: PbPoolStats) => number][] = [
    ['hits', 'Client connections served from a pooled connection', (s) => s.hits],
    ['misses', 'Client connections that found no pooled connection and connected', (s) => s.misses],
    [
      'returned',
      'Backend connections given back to the pool by clients that ended at a message boundary',
      (s) => s.returned,
    ],
    [
      'opened',
      'Connections the pool opened ahead of demand (connected and pinged)',
      (s) => s.opened,
    ],
    ['open_failures', 'Pool connects or pings that failed', (s) => s.openFailures],
  ];
  for (const [name, help, value] of counters) {
    new Counter({
      name: `riak_director_pool_${name}_total`,
      help,
      labelNames: ['listener'],
      registers: [registry],
      collect() {
        this.reset();
        for (const { l, p } of pooled()) this.inc({ listener: l.name }, value(p.stats));
      },
    });
  }
  new Counter({
    name: 'riak_director_pool_discards_total',
    help: 'Backend connections closed instead of pooled, by reason',
    labelNames: ['listener', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { l, p } of pooled()) {
        for (const reason of DISCARD_REASONS)
          this.inc({ listener: l.name, reason }, p.stats.discards[reason]);
      }
    },
  });
}
