import { EventEmitter } from 'node:events';
import type { SchedulerEvent, StampedEvent } from '@riak-mesos/framework-contract';
import type { ClusterDoc, NodeDoc } from './model';
import type { PlanDoc } from './plans';
import { isRolling, legacyOperationView, planView } from './plans';
import type { SchedulerStore } from './store';

/** One state change, as sent on `GET /api/v1/events` (the contract's event stream schema). */
export type { SchedulerEvent, StampedEvent };

/** Fans state changes out to listeners (the WebSocket stream, metrics), numbered in order. */
export class EventHub extends EventEmitter<{ event: [StampedEvent] }> {
  private seq = 0;
  private readonly recent: StampedEvent[] = [];

  constructor(private readonly keep = 200) {
    super();
    this.setMaxListeners(0);
  }

  publish(event: SchedulerEvent): StampedEvent {
    const stamped = { ...event, seq: ++this.seq, time: new Date().toISOString() };
    this.recent.push(stamped);
    if (this.recent.length > this.keep) this.recent.shift();
    this.emit('event', stamped);
    return stamped;
  }

  /** Events after `seq` still held in memory (for clients that reconnect). */
  since(seq: number): StampedEvent[] {
    return this.recent.filter((e) => e.seq > seq);
  }

  /** Publishes every change the store makes. */
  follow(store: SchedulerStore): void {
    store.on('cluster', (c: ClusterDoc, prev: ClusterDoc | null) => {
      if (prev?.state !== c.state || prev === null) {
        this.publish({
          type: 'cluster',
          cluster: c.name,
          state: c.state,
          previousState: prev?.state ?? null,
          riakVersion: c.riakVersion,
          operation: c.operation,
        });
      }
      if (c.operation && JSON.stringify(c.operation) !== JSON.stringify(prev?.operation)) {
        this.publish({ type: 'operation', cluster: c.name, operation: c.operation });
      }
    });
    store.on('cluster-deleted', (c: ClusterDoc) =>
      this.publish({ type: 'cluster-deleted', cluster: c.name }),
    );
    store.on('node', (n: NodeDoc, prev: NodeDoc | null) => {
      if (prev && prev.state === n.state && prev.member === n.member) return;
      this.publish({
        type: 'node',
        cluster: n.cluster,
        node: n.key,
        state: n.state,
        previousState: prev?.state ?? null,
        member: n.member,
        agentId: n.agentId,
        hostname: n.hostname,
      });
    });
    store.on('plan', (p: PlanDoc, prev: PlanDoc | null) => {
      this.publish({ type: 'plan', cluster: p.cluster, plan: planView(p) });
      if (!isRolling(p)) return;
      // The old event of rolling operations, for clients that follow those.
      const operation = legacyOperationView(p);
      if (!prev || JSON.stringify(legacyOperationView(prev)) !== JSON.stringify(operation))
        this.publish({ type: 'operation', cluster: p.cluster, operation });
    });
    store.on('node-deleted', (n: NodeDoc) =>
      this.publish({ type: 'node-deleted', cluster: n.cluster, node: n.key }),
    );
  }
}
