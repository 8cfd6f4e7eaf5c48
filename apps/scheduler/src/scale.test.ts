import type { NodeDoc } from './model';
import { testCluster, testNode } from './test-support/docs';
import { clusterNVal, scaleDownChoice } from './scale';

const cluster = testCluster();
const node = testNode;

const keys = (ns: NodeDoc[]) => ns.map((n) => n.key);

describe('scale-down choice', () => {
  it('takes the newest running nodes, after those not running yet, and never unwanted ones', () => {
    const nodes = [
      node(1),
      node(2),
      node(3, { state: 'requested', member: false }),
      node(4),
      node(5, { wanted: false, state: 'leaving' }),
    ];
    expect(keys(scaleDownChoice(cluster, nodes, 1))).toEqual(['riak-default-3']);
    expect(keys(scaleDownChoice(cluster, nodes, 2))).toEqual(['riak-default-3', 'riak-default-4']);
    expect(keys(scaleDownChoice(cluster, nodes, 9))).toEqual([
      'riak-default-3',
      'riak-default-4',
      'riak-default-2',
      'riak-default-1',
    ]);
  });

  it('keeps the nodes spread over the values of the cluster’s GROUP_BY fields', () => {
    const racks = { ...cluster, constraints: [{ field: 'rack', operator: 'GROUP_BY' as const }] };
    const nodes = [
      node(1, { agentAttributes: { rack: 'a' } }),
      node(2, { agentAttributes: { rack: 'a' } }),
      node(3, { agentAttributes: { rack: 'b' } }),
      node(4, { agentAttributes: { rack: 'b' } }),
      node(5, { agentAttributes: { rack: 'a' } }),
      node(6, { agentAttributes: { rack: 'c' } }),
    ];
    // Rack a holds three: its newest goes first; then a and b hold two each: the newest of them.
    expect(keys(scaleDownChoice(racks, nodes, 2))).toEqual(['riak-default-5', 'riak-default-4']);
    // Without the constraint, simply the newest.
    expect(keys(scaleDownChoice(cluster, nodes, 2))).toEqual(['riak-default-6', 'riak-default-5']);
  });

  it('reads n_val from the cluster’s riak.conf template, else 3', () => {
    expect(clusterNVal(cluster)).toBe(3);
    expect(
      clusterNVal({ ...cluster, riakConf: 'ring_size = 64\nbuckets.default.n_val = 5\n' }),
    ).toBe(5);
  });
});
