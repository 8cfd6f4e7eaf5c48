import type { Constraint, PlacedAgent, PlacementAgent } from './constraints';
import { PlacementCounts, explainCounts } from './constraints';

/** What one Riak node needs from an agent (node resources plus the executor's overhead). */
export interface ResourceNeeds {
  cpus: number;
  mem: number;
  disk: number;
  /** Number of ports (HTTP, PB, handoff, distribution, EPMD and spares). */
  ports: number;
}

/** The unreserved resources of one offer, as the matcher sees them. */
export interface OfferedAgent extends PlacementAgent {
  offerId: string;
  agentId: string;
  cpus: number;
  mem: number;
  disk: number;
  /** Inclusive port ranges. */
  ports: [number, number][];
}

export interface PendingNode {
  key: string;
  cluster: string;
  needs: ResourceNeeds;
  /** Constraints of its cluster on top of the framework-wide ones. */
  constraints?: readonly Constraint[];
  /** Agents it must not go on (a replacement avoids the agent of the node it replaces). */
  avoidAgents?: readonly string[];
}

/** Why a node did not go on one offer. */
export interface OfferRejection {
  offerId: string;
  agentId: string;
  hostname: string;
  /** Every check that failed, e.g. `cpus 0.5 < 1.1`, `hostname UNIQUE: h2 already holds x`. */
  reasons: string[];
}

export interface PlacementRound {
  placements: Placement[];
  /** For each node placed nowhere, why not, per offer (in offer order). */
  unplaced: Map<string, OfferRejection[]>;
}

export interface Placement {
  node: string;
  cluster: string;
  offerId: string;
  agentId: string;
  hostname: string;
  ports: number[];
}

const EPSILON = 1e-9;

interface Remaining {
  offer: OfferedAgent;
  cpus: number;
  mem: number;
  disk: number;
  ports: [number, number][];
  portCount: number;
}

function countPorts(ranges: [number, number][]): number {
  let n = 0;
  for (const [b, e] of ranges) n += e - b + 1;
  return n;
}

/** Takes the `n` lowest ports from `ranges` (mutating it); undefined if there are not enough. */
export function takePorts(ranges: [number, number][], n: number): number[] | undefined {
  if (countPorts(ranges) < n) return undefined;
  const taken: number[] = [];
  while (taken.length < n) {
    const first = ranges[0];
    taken.push(first[0]);
    if (first[0] === first[1]) ranges.shift();
    else first[0] += 1;
  }
  return taken;
}

/** `12.5`, `0.1`: scalars as an operator reads them (no float noise). */
function num(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

/** What `r` lacks for `needs`, one entry per resource short. */
function shortfalls(r: Remaining, needs: ResourceNeeds): string[] {
  const out: string[] = [];
  if (r.cpus + EPSILON < needs.cpus) out.push(`cpus ${num(r.cpus)} < ${num(needs.cpus)}`);
  if (r.mem + EPSILON < needs.mem) out.push(`mem ${num(r.mem)} MB < ${num(needs.mem)} MB`);
  if (r.disk + EPSILON < needs.disk) out.push(`disk ${num(r.disk)} MB < ${num(needs.disk)} MB`);
  if (r.portCount < needs.ports) out.push(`ports: needs ${needs.ports}, ${r.portCount} free`);
  return out;
}

/**
 * Places pending nodes on offers: each node goes on the first offer with enough unreserved
 * resources that keeps every constraint (framework-wide and its cluster's), counting nodes already
 * placed (running or reserved) and those placed earlier in the same round. Resources taken by one
 * placement are not offered to the next. A node that fits nowhere gets the reasons, per offer.
 *
 * Cost: O(nodes × offers) resource checks, and constraint checks in O(distinct values) thanks to
 * PlacementCounts.
 */
export function placeNodes(
  pending: readonly PendingNode[],
  offers: readonly OfferedAgent[],
  constraints: readonly Constraint[],
  placedByCluster: ReadonlyMap<string, readonly PlacedAgent[]>,
): PlacementRound {
  const remaining: Remaining[] = offers.map((o) => ({
    offer: o,
    cpus: o.cpus,
    mem: o.mem,
    disk: o.disk,
    ports: o.ports.map(([b, e]) => [b, e] as [number, number]),
    portCount: countPorts(o.ports),
  }));
  const counts = new Map<string, PlacementCounts>();
  const countsFor = (node: PendingNode, all: readonly Constraint[]) => {
    let c = counts.get(node.cluster);
    if (!c) {
      c = PlacementCounts.of(all, placedByCluster.get(node.cluster) ?? []);
      counts.set(node.cluster, c);
    }
    return c;
  };
  const placements: Placement[] = [];
  const unplaced = new Map<string, OfferRejection[]>();
  for (const node of pending) {
    const all = node.constraints?.length ? [...constraints, ...node.constraints] : constraints;
    const clusterCounts = countsFor(node, all);
    const { needs } = node;
    const rejections: OfferRejection[] = [];
    let placed = false;
    for (const r of remaining) {
      const reasons = shortfalls(r, needs);
      if (node.avoidAgents?.includes(r.offer.agentId))
        reasons.push('the node it replaces is on this agent');
      for (const c of all) {
        const why = explainCounts(c, r.offer, clusterCounts);
        if (why) reasons.push(why);
      }
      if (reasons.length) {
        rejections.push({
          offerId: r.offer.offerId,
          agentId: r.offer.agentId,
          hostname: r.offer.hostname,
          reasons,
        });
        continue;
      }
      const ports = takePorts(r.ports, needs.ports)!;
      r.cpus -= needs.cpus;
      r.mem -= needs.mem;
      r.disk -= needs.disk;
      r.portCount -= needs.ports;
      clusterCounts.add(r.offer, node.key);
      placements.push({
        node: node.key,
        cluster: node.cluster,
        offerId: r.offer.offerId,
        agentId: r.offer.agentId,
        hostname: r.offer.hostname,
        ports,
      });
      placed = true;
      break;
    }
    if (!placed) unplaced.set(node.key, rejections);
  }
  return { placements, unplaced };
}

/** placeNodes without the reasons. */
export function planPlacements(
  pending: readonly PendingNode[],
  offers: readonly OfferedAgent[],
  constraints: readonly Constraint[],
  placedByCluster: ReadonlyMap<string, readonly PlacedAgent[]>,
): Placement[] {
  return placeNodes(pending, offers, constraints, placedByCluster).placements;
}
