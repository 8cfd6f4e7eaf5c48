import type { PlanView } from '@riak-mesos/framework-contract';
import { HEALTH_HTTP_STATUS, HEALTH_STATES } from '@riak-mesos/framework-contract';
import type { ClusterHealthInput } from './health';
import { clusterHealth, frameworkHealth, singleClusterHealth, worstState } from './health';
import type { NodeDoc } from './model';
import { testCluster, testNode } from './test-support/docs';
import { newPlan, planView } from './plans';

const NOW = Date.parse('2026-11-30T12:00:00.000Z');
const cluster = testCluster();
const node = testNode;

const healthy = () => [node(1), node(2), node(3)];

function input(nodes: NodeDoc[], plans: PlanView[] = []): ClusterHealthInput {
  return { cluster, nodes, plans, now: NOW };
}

function restartPlan(update: (p: ReturnType<typeof newPlan>) => ReturnType<typeof newPlan>) {
  const p = newPlan({
    kind: 'restart',
    cluster: 'default',
    nodes: ['riak-default-1', 'riak-default-2', 'riak-default-3'],
    strategy: 'canary',
    now: NOW,
  });
  return planView(update(p));
}

const stateOf = (i: ClusterHealthInput) => worstState(clusterHealth(i));

describe('health', () => {
  it('every state has its own HTTP status', () => {
    const codes = HEALTH_STATES.map((s) => HEALTH_HTTP_STATUS[s]);
    expect(new Set(codes).size).toBe(HEALTH_STATES.length);
  });

  it('is running with every wanted node a running member and no plan under way', () => {
    expect(clusterHealth(input(healthy()))).toEqual([]);
    expect(singleClusterHealth(input(healthy()), true)).toEqual({
      state: 'running',
      code: 200,
      reasons: [],
    });
  });

  it('is deploying while new nodes are placed or join, and while a plan runs', () => {
    const placing = [
      ...healthy(),
      node(4, {
        state: 'requested',
        member: false,
        lastTaskState: undefined,
        pendingReason: { text: 'no offer fits: host-1: hostname UNIQUE', at: '' },
      }),
    ];
    const reasons = clusterHealth(input(placing));
    expect(reasons).toEqual([
      expect.objectContaining({
        state: 'deploying',
        node: 'riak-default-4',
        text: 'riak-default-4 is requested: no offer fits: host-1: hostname UNIQUE',
      }),
    ]);
    expect(stateOf(input([...healthy(), node(4, { member: false })]))).toBe('deploying');
    const running = restartPlan((p) => p);
    expect(stateOf(input(healthy(), [running]))).toBe('deploying');
  });

  it('is recovering when a node that ran is relaunching outside any plan', () => {
    const nodes = [
      node(1),
      node(2),
      node(3, { state: 'restarting', lastTaskState: 'TASK_FAILED' }),
    ];
    expect(clusterHealth(input(nodes))).toEqual([
      expect.objectContaining({ state: 'recovering', node: 'riak-default-3' }),
    ]);
  });

  it('stays recovering, with the handoff watch’s words, until handoff after a recovery ends', () => {
    const text = 'handoff after a recovery: riak-default-1 says 2 partitions waiting';
    expect(clusterHealth({ ...input(healthy()), handoff: { text } })).toEqual([
      { state: 'recovering', cluster: 'default', text },
    ]);
    // A plan or a failure still says more than the handoff.
    const failing = [node(1), node(2), node(3, { state: 'failed', lastTaskMessage: 'x' })];
    expect(stateOf({ ...input(failing), handoff: { text } })).toBe('error');
  });

  it('is delayed while a node waits out its relaunch backoff', () => {
    const later = new Date(NOW + 60_000).toISOString();
    const nodes = [
      node(1),
      node(2),
      node(3, {
        state: 'restarting',
        lastTaskState: 'TASK_FAILED',
        failures: 3,
        relaunchAfter: later,
      }),
    ];
    expect(clusterHealth(input(nodes))[0]).toMatchObject({
      state: 'delayed',
      text: `riak-default-3: relaunch after 3 failure(s) waits until ${later}`,
    });
    const past = new Date(NOW - 1).toISOString();
    expect(
      stateOf(
        input([
          node(1),
          node(3, { state: 'restarting', lastTaskState: 'TASK_FAILED', relaunchAfter: past }),
        ]),
      ),
    ).toBe('recovering');
  });

  it('is degraded while a node’s agent is unreachable', () => {
    const nodes = [node(1), node(2), node(3, { lastTaskState: 'TASK_UNREACHABLE' })];
    expect(stateOf(input(nodes))).toBe('degraded');
    const lost = [node(1), node(2, { agentLostSince: '2026-11-30T11:50:00.000Z' })];
    expect(clusterHealth(input(lost))[0].text).toBe(
      'riak-default-2: its agent host-2 is unreachable since 2026-11-30T11:50:00.000Z',
    );
    // Past the permanent-failure timeout and held back: the operator decides.
    const held = node(2, {
      agentLostSince: '2026-11-30T11:00:00.000Z',
      replaceHeld: { text: 'not replaced: 2 members are down', at: '2026-11-30T11:30:00.000Z' },
    });
    expect(clusterHealth(input([node(1), held]))[0]).toMatchObject({
      state: 'waiting_for_operator',
      text: 'riak-default-2: not replaced: 2 members are down',
    });
  });

  it('waits for the operator on an interrupted plan or a canary that is done', () => {
    const interrupted = restartPlan((p) => ({ ...p, interrupted: true }));
    expect(clusterHealth(input(healthy(), [interrupted]))[0]).toMatchObject({
      state: 'waiting_for_operator',
      plan: interrupted.id,
    });
    const canary = restartPlan((p) => ({
      ...p,
      phases: p.phases.map((ph) => ({
        ...ph,
        steps: ph.steps.map((s, i) => (i === 0 ? { ...s, status: 'COMPLETE' as const } : s)),
      })),
    }));
    expect(canary.phases[0].awaitingContinue).toBe(true);
    expect(stateOf(input(healthy(), [canary]))).toBe('waiting_for_operator');
  });

  it('is error on a plan in ERROR or a failed node, and the worst reason wins', () => {
    const failedStep = restartPlan((p) => ({
      ...p,
      phases: p.phases.map((ph) => ({
        ...ph,
        steps: ph.steps.map((s, i) =>
          i === 0 ? { ...s, status: 'ERROR' as const, message: 'not back within 60 s' } : s,
        ),
      })),
    }));
    const reasons = clusterHealth(
      input([node(1), node(2, { lastTaskState: 'TASK_UNREACHABLE' }), node(3)], [failedStep]),
    );
    expect(reasons.map((r) => r.state)).toEqual(['error', 'degraded']);
    expect(reasons[0].text).toBe(
      `restart plan ${failedStep.id} stopped at riak-default-1: not back within 60 s`,
    );
    expect(stateOf(input([node(1, { state: 'failed', lastTaskMessage: 'volume gone' })]))).toBe(
      'error',
    );
  });

  it('frameworks: the worst cluster, each cluster’s own state, initializing until registered', () => {
    const ok = input(healthy());
    const slow = input([node(1), node(2, { state: 'restarting', lastTaskState: 'TASK_KILLED' })]);
    const answer = frameworkHealth({
      leader: true,
      registered: true,
      clusters: [ok, { ...slow, cluster: { ...cluster, name: 'other' } }],
      verbose: false,
    });
    expect(answer).toEqual({
      state: 'recovering',
      code: 203,
      clusters: { default: 'running', other: 'recovering' },
    });
    const starting = frameworkHealth({
      leader: true,
      registered: false,
      clusters: [ok],
      verbose: true,
    });
    expect(starting).toMatchObject({ state: 'initializing', code: 503 });
    expect(starting.reasons![0].text).toBe('not registered with the Mesos master yet');
  });
});
