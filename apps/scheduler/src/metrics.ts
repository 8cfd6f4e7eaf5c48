import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { NODE_STATES } from './node-state';
import type { SchedulerStore } from './store';

/** The scheduler's Prometheus metrics (one registry per scheduler instance). */
export class SchedulerMetrics {
  readonly registry = new Registry();
  readonly offersReceived = new Counter({
    name: 'riak_mesos_offers_received_total',
    help: 'Offers received from Mesos',
    registers: [this.registry],
  });
  readonly offersDeclined = new Counter({
    name: 'riak_mesos_offers_declined_total',
    help: 'Offers declined',
    registers: [this.registry],
  });
  readonly offersAccepted = new Counter({
    name: 'riak_mesos_offers_accepted_total',
    help: 'Offers accepted with operations',
    registers: [this.registry],
  });
  readonly operations = new Counter({
    name: 'riak_mesos_offer_operations_total',
    help: 'Offer operations sent',
    labelNames: ['type'],
    registers: [this.registry],
  });
  readonly unknownReservations = new Counter({
    name: 'riak_mesos_unknown_reservations_offered_total',
    help: 'Offered reservations of our role that no node record owns (kept, never released)',
    registers: [this.registry],
  });
  readonly launches = new Counter({
    name: 'riak_mesos_task_launches_total',
    help: 'Riak node tasks launched',
    registers: [this.registry],
  });
  readonly taskUpdates = new Counter({
    name: 'riak_mesos_task_updates_total',
    help: 'Task status updates received',
    labelNames: ['state'],
    registers: [this.registry],
  });
  readonly failures = new Counter({
    name: 'riak_mesos_task_failures_total',
    help: 'Unintended task failures',
    labelNames: ['state'],
    registers: [this.registry],
  });
  readonly reconciliations = new Counter({
    name: 'riak_mesos_reconciliations_total',
    help: 'Reconciliation requests sent',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly executorRepliesRejected = new Counter({
    name: 'riak_mesos_executor_replies_rejected_total',
    help: 'Executor messages rejected for breaking the contract (json: not JSON; schema: invalid; type: not the type asked)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'riak_mesos_scheduler_leader',
    help: '1 when this instance leads',
    registers: [this.registry],
  });
  readonly registered = new Gauge({
    name: 'riak_mesos_scheduler_registered',
    help: '1 when subscribed to a Mesos master',
    registers: [this.registry],
  });

  constructor(store: SchedulerStore) {
    collectDefaultMetrics({ register: this.registry, prefix: 'riak_mesos_scheduler_' });
    new Gauge({
      name: 'riak_mesos_nodes',
      help: 'Riak nodes by state',
      labelNames: ['cluster', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        // One pass over the nodes (a scrape must not cost clusters × states × nodes).
        const counts = new Map<string, Map<string, number>>();
        for (const n of await store.listNodes()) {
          const byState = counts.get(n.cluster) ?? new Map<string, number>();
          byState.set(n.state, (byState.get(n.state) ?? 0) + 1);
          counts.set(n.cluster, byState);
        }
        for (const [cluster, byState] of counts)
          for (const state of NODE_STATES) this.set({ cluster, state }, byState.get(state) ?? 0);
      },
    });
    new Counter({
      name: 'riak_mesos_zookeeper_requests_total',
      help: "Requests sent to ZooKeeper by this scheduler's store (reads, writes, watches), by operation",
      labelNames: ['op'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [op, n] of store.zookeeperRequestsByOperation()) this.inc({ op }, n);
      },
    });
    new Gauge({
      name: 'riak_mesos_clusters',
      help: 'Clusters by state',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const c of await store.listClusters()) this.inc({ state: c.state });
      },
    });
  }
}
