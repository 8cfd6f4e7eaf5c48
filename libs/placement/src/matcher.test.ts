import { parseConstraints } from './constraints';
import type { OfferedAgent, PendingNode } from './matcher';
import { placeNodes, planPlacements, takePorts } from './matcher';

const needs = { cpus: 1, mem: 1024, disk: 2048, ports: 10 };
const offer = (i: number, extra: Partial<OfferedAgent> = {}): OfferedAgent => ({
  offerId: `o${i}`,
  agentId: `agent-${i}`,
  hostname: `host-${i}`,
  attributes: { rack_id: `r${i % 2}` },
  cpus: 4,
  mem: 8192,
  disk: 20000,
  ports: [[31000 + i * 100, 31099 + i * 100]],
  ...extra,
});
const node = (n: number, cluster = 'c'): PendingNode => ({
  key: `riak-${cluster}-${n}`,
  cluster,
  needs,
});

describe('takePorts', () => {
  it('takes the lowest ports across ranges and refuses when short', () => {
    const ranges: [number, number][] = [
      [10, 11],
      [20, 25],
    ];
    expect(takePorts(ranges, 3)).toEqual([10, 11, 20]);
    expect(ranges).toEqual([[21, 25]]);
    expect(takePorts(ranges, 6)).toBeUndefined();
  });
});

describe('planPlacements', () => {
  it('puts three nodes with hostname UNIQUE on three agents', () => {
    const plan = planPlacements(
      [node(1), node(2), node(3)],
      [offer(1), offer(2), offer(3)],
      parseConstraints([['hostname', 'UNIQUE']]),
      new Map(),
    );
    expect(plan.map((p) => p.agentId)).toEqual(['agent-1', 'agent-2', 'agent-3']);
    expect(plan[0].ports).toEqual([
      31100, 31101, 31102, 31103, 31104, 31105, 31106, 31107, 31108, 31109,
    ]);
  });

  it('without constraints, packs nodes on an agent while resources last', () => {
    const plan = planPlacements(
      [node(1), node(2), node(3), node(4), node(5)],
      [offer(1)],
      [],
      new Map(),
    );
    expect(plan).toHaveLength(4); // 4 cpus
    expect(new Set(plan.flatMap((p) => p.ports)).size).toBe(40);
  });

  it('counts nodes already placed and leaves nodes that fit nowhere', () => {
    const placed = new Map([['c', [{ hostname: 'host-1', attributes: {} }]]]);
    const plan = planPlacements(
      [node(2), node(3)],
      [offer(1), offer(2)],
      parseConstraints([['hostname', 'UNIQUE']]),
      placed,
    );
    expect(plan.map((p) => [p.node, p.agentId])).toEqual([['riak-c-2', 'agent-2']]);
  });

  it('keeps constraints per cluster', () => {
    const plan = planPlacements(
      [node(1, 'a'), node(1, 'b')],
      [offer(1)],
      parseConstraints([['hostname', 'UNIQUE']]),
      new Map(),
    );
    expect(plan).toHaveLength(2);
  });

  it('respects every resource', () => {
    expect(planPlacements([node(1)], [offer(1, { mem: 1000 })], [], new Map())).toEqual([]);
    expect(planPlacements([node(1)], [offer(1, { disk: 10 })], [], new Map())).toEqual([]);
    expect(planPlacements([node(1)], [offer(1, { ports: [[1, 9]] })], [], new Map())).toEqual([]);
    expect(planPlacements([node(1)], [offer(1, { cpus: 0.5 })], [], new Map())).toEqual([]);
  });

  it('spreads over racks with GROUP_BY', () => {
    const plan = planPlacements(
      [node(1), node(2), node(3), node(4)],
      [offer(1), offer(2), offer(3), offer(4)],
      parseConstraints([
        ['rack_id', 'GROUP_BY', '2'],
        ['hostname', 'UNIQUE'],
      ]),
      new Map(),
    );
    const racks = plan.map((p) => `r${Number(p.agentId.split('-')[1]) % 2}`);
    expect(racks.filter((r) => r === 'r0')).toHaveLength(2);
    expect(racks.filter((r) => r === 'r1')).toHaveLength(2);
  });
});

describe('placeNodes: reasons for a node that fits nowhere', () => {
  it('names the node that holds a host under hostname UNIQUE, per offer', () => {
    const placed = new Map([['c', [{ hostname: 'host-1', attributes: {}, holder: 'riak-c-1' }]]]);
    const round = placeNodes(
      [node(2)],
      [offer(1)],
      parseConstraints([['hostname', 'UNIQUE']]),
      placed,
    );
    expect(round.placements).toEqual([]);
    expect(round.unplaced.get('riak-c-2')).toEqual([
      {
        offerId: 'o1',
        agentId: 'agent-1',
        hostname: 'host-1',
        reasons: ['hostname UNIQUE: host-1 already holds riak-c-1'],
      },
    ]);
  });

  it('lists every resource that is short, with the numbers', () => {
    const round = placeNodes(
      [node(1)],
      [offer(1, { cpus: 0.5, mem: 100, ports: [[31000, 31001]] })],
      [],
      new Map(),
    );
    expect(round.unplaced.get('riak-c-1')![0].reasons).toEqual([
      'cpus 0.5 < 1',
      'mem 100 MB < 1024 MB',
      'ports: needs 10, 2 free',
    ]);
  });

  it('counts what an earlier node of the same round took', () => {
    const round = placeNodes([node(1), node(2)], [offer(1, { cpus: 1.5 })], [], new Map());
    expect(round.placements.map((p) => p.node)).toEqual(['riak-c-1']);
    expect(round.unplaced.get('riak-c-2')![0].reasons).toEqual(['cpus 0.5 < 1']);
  });

  it("applies a cluster's own constraints on top of the framework's", () => {
    const strict: PendingNode = {
      ...node(1, 'strict'),
      constraints: parseConstraints([['rack_id', 'IS', 'r0']]),
    };
    const round = placeNodes([strict, node(1, 'free')], [offer(1)], [], new Map());
    expect(round.placements.map((p) => p.node)).toEqual(['riak-free-1']);
    expect(round.unplaced.get('riak-strict-1')![0].reasons).toEqual([
      "rack_id IS r0: the agent's rack_id is r1",
    ]);
  });

  it('places the nodes that fit and explains only the others', () => {
    const round = placeNodes(
      [node(1), node(2), node(3)],
      [offer(1), offer(2)],
      parseConstraints([['hostname', 'UNIQUE']]),
      new Map(),
    );
    expect(round.placements.map((p) => p.node)).toEqual(['riak-c-1', 'riak-c-2']);
    expect([...round.unplaced.keys()]).toEqual(['riak-c-3']);
    expect(round.unplaced.get('riak-c-3')!.map((r) => r.reasons[0])).toEqual([
      'hostname UNIQUE: host-1 already holds riak-c-1',
      'hostname UNIQUE: host-2 already holds riak-c-2',
    ]);
  });
});
