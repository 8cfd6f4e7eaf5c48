import type { Constraint, PlacementAgent } from './constraints';
import { PlacementCounts, satisfiesCounts } from './constraints';

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

/**
 * Places pending nodes on offers: each node goes on the first offer with enough unreserved
 * resources that keeps every constraint of its cluster, counting nodes already placed (running
 * or reserved) and those placed earlier in the same round. Resources taken by one placement are
 * not offered to the next. Nodes that fit nowhere are left out (they wait for other offers).
 *
 * Cost: O(nodes × offers) resource checks, and constraint checks in O(distinct values) thanks to
 * PlacementCounts.
 */
export function planPlacements(
  pending: readonly PendingNode[],
  offers: readonly OfferedAgent[],
  constraints: readonly Constraint[],
  placedByCluster: ReadonlyMap<string, readonly PlacementAgent[]>,
): Placement[] {
  const remaining: Remaining[] = offers.map((o) => ({
    offer: o,
    cpus: o.cpus,
    mem: o.mem,
    disk: o.disk,
    ports: o.ports.map(([b, e]) => [b, e] as [number, number]),
    portCount: countPorts(o.ports),
  }));
  const counts = new Map<string, PlacementCounts>();
  const countsFor = (cluster: string) => {
    let c = counts.get(cluster);
    if (!c) {
      c = PlacementCounts.of(constraints, placedByCluster.get(cluster) ?? []);
      counts.set(cluster, c);
    }
    return c;
  };
  const placements: Placement[] = [];
  for (const node of pending) {
    const clusterCounts = countsFor(node.cluster);
    const { needs } = node;
    for (const r of remaining) {
      if (
        r.cpus + EPSILON < needs.cpus ||
        r.mem + EPSILON < needs.mem ||
        r.disk + EPSILON < needs.disk ||
        r.portCount < needs.ports
      )
        continue;
      if (!constraints.every((c) => satisfiesCounts(c, r.offer, clusterCounts))) continue;
      const ports = takePorts(r.ports, needs.ports)!;
      r.cpus -= needs.cpus;
      r.mem -= needs.mem;
      r.disk -= needs.disk;
      r.portCount -= needs.ports;
      clusterCounts.add(r.offer);
      placements.push({
        node: node.key,
        cluster: node.cluster,
        offerId: r.offer.offerId,
        agentId: r.offer.agentId,
        hostname: r.offer.hostname,
        ports,
      });
      break;
    }
  }
  return placements;
}
