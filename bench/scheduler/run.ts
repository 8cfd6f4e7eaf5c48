/**
 * Offer matching benchmark: 1,000 pending Riak nodes (100 clusters of 10) against one offer from
 * each of 5,000 simulated agents in 50 racks, with `hostname UNIQUE` and `rack_id GROUP_BY`.
 * Prints CPU time per full matching round. Run: npx tsx bench/scheduler/run.ts [rounds]
 */
import { parseConstraints } from '@riak-mesos/placement';
import type { OfferedAgent, PendingNode } from '@riak-mesos/placement';
import { planPlacements } from '@riak-mesos/placement';

const AGENTS = 5000;
const CLUSTERS = 100;
const NODES_PER_CLUSTER = 10;
const rounds = Number(process.argv[2] ?? 20);

const offers: OfferedAgent[] = Array.from({ length: AGENTS }, (_, i) => ({
  offerId: `offer-${i}`,
  agentId: `agent-${i}`,
  hostname: `agent-${i}.example`,
  attributes: { rack_id: `rack-${i % 50}`, zone: `zone-${i % 3}` },
  // Agents vary: some are too small for a node, which the matcher must skip.
  cpus: i % 7 === 0 ? 0.5 : 8,
  mem: 32768,
  disk: 500000,
  ports: [[31000, 32000]],
}));
const pending: PendingNode[] = [];
for (let c = 0; c < CLUSTERS; c++) {
  for (let n = 1; n <= NODES_PER_CLUSTER; n++) {
    pending.push({
      key: `riak-c${c}-${n}`,
      cluster: `c${c}`,
      needs: { cpus: 2.1, mem: 8224, disk: 20000, ports: 10 },
    });
  }
}
const constraints = parseConstraints([
  ['hostname', 'UNIQUE'],
  ['rack_id', 'GROUP_BY', '5'],
]);

function round(): number {
  return planPlacements(pending, offers, constraints, new Map()).length;
}

round(); // warm up
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
let placed = 0;
for (let r = 0; r < rounds; r++) placed = round();
const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;

console.log(
  `offer matching: ${pending.length} pending nodes x ${offers.length} offers, constraints ${JSON.stringify(constraints.map((c) => [c.field, c.operator, c.value].filter(Boolean)))}`,
);
console.log(`placed per round: ${placed}`);
console.log(`rounds: ${rounds}`);
console.log(`CPU time per round: ${(cpuMs / rounds).toFixed(2)} ms (user+system)`);
console.log(`wall time per round: ${(wallMs / rounds).toFixed(2)} ms`);
