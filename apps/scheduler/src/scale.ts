import type { ClusterDoc, NodeDoc } from './model';

/**
 * Which nodes a scale-down removes (`POST /clusters/{c}/nodes {"count": N}`), in the order their
 * removal plan takes them, one at a time (docs/operations.md#scale-down):
 * 1. wanted nodes that are not running yet (still being placed or launched): they hold no data;
 * 2. then running nodes, each time from the most crowded value of the cluster's GROUP_BY fields
 *    (its agents' attributes; `hostname` is the agent's name), so the nodes that stay remain
 *    spread as evenly as they were placed;
 * 3. among equals the newest (highest generation): the oldest nodes have held their data longest.
 * Pure: the route passes the cluster's nodes in.
 */
export function scaleDownChoice(
  cluster: ClusterDoc,
  nodes: readonly NodeDoc[],
  remove: number,
): NodeDoc[] {
  const wanted = nodes.filter((n) => n.wanted);
  const fields = (cluster.constraints ?? [])
    .filter((c) => c.operator === 'GROUP_BY')
    .map((c) => c.field);
  const newestFirst = (a: NodeDoc, b: NodeDoc) => b.generation - a.generation;
  const notRunning = wanted.filter((n) => n.state !== 'running').sort(newestFirst);
  const chosen = notRunning.slice(0, remove);
  let staying = wanted.filter((n) => n.state === 'running');
  while (chosen.length < remove && staying.length > 0) {
    const next = mostCrowded(staying, fields).sort(newestFirst)[0];
    chosen.push(next);
    staying = staying.filter((n) => n !== next);
  }
  return chosen;
}

/** The nodes whose values of `fields` are shared by the most nodes (all of them without fields). */
function mostCrowded(nodes: readonly NodeDoc[], fields: readonly string[]): NodeDoc[] {
  let pool = [...nodes];
  for (const field of fields) {
    const valueOf = (n: NodeDoc) =>
      field === 'hostname' ? (n.hostname ?? '') : (n.agentAttributes?.[field] ?? '');
    const counts = new Map<string, number>();
    for (const n of pool) counts.set(valueOf(n), (counts.get(valueOf(n)) ?? 0) + 1);
    const most = Math.max(...counts.values());
    pool = pool.filter((n) => counts.get(valueOf(n)) === most);
  }
  return pool;
}

/** A cluster's `n_val` from its riak.conf template (`buckets.default.n_val`), else Riak's 3. */
export function clusterNVal(cluster: ClusterDoc): number {
  const m = /^\s*buckets\.default\.n_val\s*=\s*(\d+)\s*$/m.exec(cluster.riakConf ?? '');
  return m ? Number(m[1]) : 3;
}
