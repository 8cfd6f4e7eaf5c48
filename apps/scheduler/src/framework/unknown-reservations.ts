import type { Offer } from '@riak-mesos/mesos';
import { resources as R } from '@riak-mesos/mesos';
import type { NodeDecision } from './offer-evaluator';

/** A reservation in our role that no record of this framework owns, as the operator sees it. */
export interface UnknownReservation {
  id: string;
  agentId: string;
  hostname: string;
  labels: Record<string, string>;
  /** e.g. `cpus:1.1 mem:2304 disk:64 ports:[31000-31009]`. */
  resources: string;
  /** Persistence ids of the volumes in it. */
  volumes: string[];
  /** Why it is not ours. */
  reason: string;
  firstSeen: string;
  lastSeen: string;
  releaseRequested: boolean;
}

/**
 * The reservations offered to the scheduler that it keeps because no record of its own says they
 * are being released (offer-evaluator.ts, `keep-unknown`). They are listed for the operator
 * (`GET /api/v1/debug/reservations`, `riak-mesos framework reservations`), who may release one
 * explicitly; the next offer holding it then carries its DESTROY and UNRESERVE. In memory: the
 * list fills again from offers after a restart, and a release request is asked again.
 */
export class UnknownReservations {
  private readonly byId = new Map<string, UnknownReservation>();

  seen(
    d: NodeDecision,
    offer: Offer | undefined,
    now = new Date(),
  ): UnknownReservation | undefined {
    const g = d.reservation;
    if (!g) return undefined;
    if (d.kind === 'release-unknown') {
      this.byId.delete(g.id);
      return undefined;
    }
    const at = now.toISOString();
    const known = this.byId.get(g.id);
    const entry: UnknownReservation = {
      id: g.id,
      agentId: d.agentId,
      hostname: offer?.hostname ?? known?.hostname ?? d.agentId,
      labels: g.labels,
      resources: g.resources
        .filter((r) => !r.disk?.persistence)
        .concat(g.resources.filter((r) => r.disk?.persistence))
        .map((r) => R.describeResource(r))
        .join(' '),
      volumes: g.resources
        .map((r) => r.disk?.persistence?.id)
        .filter((v): v is string => v !== undefined),
      reason: d.message.replace(/^kept reservation \S+: /, ''),
      firstSeen: known?.firstSeen ?? at,
      lastSeen: at,
      releaseRequested: known?.releaseRequested ?? false,
    };
    this.byId.set(g.id, entry);
    return known ? undefined : entry;
  }

  list(): UnknownReservation[] {
    return [...this.byId.values()].sort((a, b) => a.firstSeen.localeCompare(b.firstSeen));
  }

  /** Marks one for release; false when no such reservation has been offered. */
  requestRelease(id: string): boolean {
    const e = this.byId.get(id);
    if (!e) return false;
    e.releaseRequested = true;
    return true;
  }

  releaseRequested(): Set<string> {
    return new Set(
      this.list()
        .filter((e) => e.releaseRequested)
        .map((e) => e.id),
    );
  }
}
