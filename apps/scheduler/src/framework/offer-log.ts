import type { OfferEvaluationView } from '@riak-mesos/framework-contract';
import type { Offer } from '@riak-mesos/mesos';
import { resources as R } from '@riak-mesos/mesos';
import type { NodeDecision, PendingReason } from './offer-evaluator';

/** How many ports the ranges hold. */
function portCount(offer: Offer): number {
  let n = 0;
  for (const r of R.rangesOf(R.unreservedOf(offer), 'ports'))
    n += Number(r.end) - Number(r.begin) + 1;
  return n;
}

/**
 * The latest offer evaluations in memory (for `GET /api/v1/debug/offers`, like the debug
 * endpoint of the DC/OS SDK's schedulers): what each offer held, what was decided on it, and why
 * the nodes that wait got nothing. Batches in which nothing was decided and nobody waits are not
 * kept, so an idle cluster does not push the interesting ones out.
 */
export class OfferLog {
  private readonly entries: OfferEvaluationView[] = [];

  constructor(private readonly size: number) {}

  record(
    offers: readonly Offer[],
    decisions: readonly NodeDecision[],
    pending: ReadonlyMap<string, PendingReason>,
    at = new Date(),
  ): void {
    if (!decisions.length && !pending.size) return;
    const role = (o: Offer) =>
      [
        ...new Set(
          (o.resources ?? [])
            .map((r) => R.reservationOf(r))
            .filter((res) => res?.type === 'DYNAMIC')
            .map((res) => R.labelValue(res!.labels, 'node'))
            .filter((k): k is string => k !== undefined),
        ),
      ].sort();
    this.entries.unshift({
      at: at.toISOString(),
      offers: offers.map((o) => {
        const free = R.unreservedOf(o);
        return {
          offer_id: o.id.value,
          agent_id: o.agent_id.value,
          hostname: o.hostname,
          unreserved: {
            cpus: R.round(R.scalarSum(free, 'cpus')),
            mem: R.round(R.scalarSum(free, 'mem')),
            disk: R.round(R.scalarSum(free, 'disk')),
            ports: portCount(o),
          },
          reserved_for: role(o),
        };
      }),
      decisions: decisions.map((d) => ({
        node: d.node,
        kind: d.kind,
        agent_id: d.agentId,
        message: d.message,
        operations: d.operations.map((op) => op.type),
      })),
      waiting: [...pending].map(([node, p]) => ({
        node,
        reason: p.text,
        offers: p.offers.map((r) => ({
          agent_id: r.agentId,
          hostname: r.hostname,
          reasons: r.reasons,
        })),
      })),
    });
    this.entries.length = Math.min(this.entries.length, this.size);
  }

  /** Newest first; at most `limit`. */
  latest(limit = this.size): OfferEvaluationView[] {
    return this.entries.slice(0, limit);
  }
}
