import type { NodeDoc } from '../model';
import { newPlan } from '../plans';
import { testCluster, testNode } from '../test-support/docs';
import { decidePermanentFailures, permanentFailureTimeout } from './permanent-failure';

const NOW = Date.parse('2026-11-30T12:00:00.000Z');
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();
const lost = (n: number, seconds: number, patch: Partial<NodeDoc> = {}) =>
  testNode(n, { agentLostSince: ago(seconds), ...patch });

function decide(nodes: NodeDoc[], opts: { own?: number; nVal?: number; plans?: boolean } = {}) {
  const cluster = testCluster({
    ...(opts.own !== undefined ? { permanentFailureTimeoutSeconds: opts.own } : {}),
    ...(opts.nVal !== undefined ? { riakConf: `buckets.default.n_val = ${opts.nVal}\n` } : {}),
  });
  return decidePermanentFailures({
    cluster,
    nodes,
    plans: opts.plans
      ? [newPlan({ kind: 'restart', cluster: 'default', nodes: [nodes[0].key], now: NOW })]
      : [],
    defaultTimeoutSeconds: 1200,
    now: NOW,
  });
}

describe('permanent failures: which node to replace now, and why not the others', () => {
  it("takes the cluster's own timeout, else the scheduler's", () => {
    expect(permanentFailureTimeout(testCluster(), 1200)).toBe(1200);
    expect(permanentFailureTimeout(testCluster({ permanentFailureTimeoutSeconds: 30 }), 1200)).toBe(
      30,
    );
    expect(permanentFailureTimeout(testCluster({ permanentFailureTimeoutSeconds: 0 }), 1200)).toBe(
      0,
    );
  });

  it('waits for a node unreachable for less than the timeout (a transient failure)', () => {
    const d = decide([testNode(1), testNode(2), lost(3, 1199), testNode(4)]);
    expect(d).toEqual({ held: [] });
  });

  it('replaces a node unreachable past the timeout', () => {
    const d = decide([testNode(1), testNode(2), lost(3, 1200), testNode(4)]);
    expect(d.replace?.node).toBe('riak-default-3');
    expect(d.replace?.reason).toMatch(/agent a3 unreachable since .* \(timeout 1200 s\)/);
    expect(d.held).toEqual([]);
  });

  it("uses the cluster's own timeout, and never replaces with 0", () => {
    expect(decide([testNode(1), lost(2, 31), testNode(3)], { own: 30 }).replace?.node).toBe(
      'riak-default-2',
    );
    expect(decide([testNode(1), lost(2, 99999), testNode(3)], { own: 0 })).toEqual({ held: [] });
  });

  it('replaces one node per cluster at a time: the one unreachable longest, the other waits', () => {
    const d = decide([testNode(1), lost(2, 2000), lost(3, 3000), testNode(4), testNode(5)], {
      nVal: 5,
    });
    expect(d.replace?.node).toBe('riak-default-3');
    expect(d.held).toEqual([
      {
        node: 'riak-default-2',
        why: expect.stringMatching(/waits for the replacement of riak-default-3/),
      },
    ]);
  });

  it('holds every replacement while a majority of n_val members are down', () => {
    const d = decide([testNode(1), lost(2, 2000), lost(3, 1300), testNode(4)]);
    expect(d.replace).toBeUndefined();
    expect(d.held.map((h) => h.node)).toEqual(['riak-default-2', 'riak-default-3']);
    for (const h of d.held)
      expect(h.why).toMatch(/2 members .* are down or unreachable .* a majority of n_val 3/);
    // With n_val 5, two down members are not a majority: the longest lost is replaced.
    expect(
      decide([testNode(1), lost(2, 2000), lost(3, 1300), testNode(4)], { nVal: 5 }).replace?.node,
    ).toBe('riak-default-2');
  });

  it('holds while the cluster runs another plan (its own replacement among them)', () => {
    const d = decide([testNode(1), testNode(2), lost(3, 5000)], { plans: true });
    expect(d.replace).toBeUndefined();
    expect(d.held[0].why).toMatch(/already running plan restart-.* \(restart\)/);
  });

  it('leaves alone nodes not wanted, and nodes in no state to be waited for', () => {
    expect(decide([testNode(1), testNode(2), lost(3, 5000, { wanted: false })])).toEqual({
      held: [],
    });
    expect(decide([testNode(1), testNode(2), lost(3, 5000, { state: 'leaving' })])).toEqual({
      held: [],
    });
  });

  it('replaces a lost node that never joined the ring (it holds no ring data)', () => {
    const d = decide([
      testNode(1),
      testNode(2),
      lost(3, 5000, { member: false, state: 'starting' }),
    ]);
    expect(d.replace?.node).toBe('riak-default-3');
  });

  it('holds the last member: no live member to force-remove it through', () => {
    const d = decide([lost(1, 5000)]);
    expect(d.held[0].why).toMatch(/no other member runs to force-remove it through/);
  });
});
