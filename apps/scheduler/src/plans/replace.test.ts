import type { NodeDoc } from '../model';
import { testNode } from '../test-support/docs';
import type { PlanDoc, RingFact } from './index';
import { mayPlace, newReplacePlan, planDocSchema, planStatus, progressPlan } from './index';

const T0 = Date.parse('2026-11-30T12:00:00.000Z');
const OLD = 'riak-default-2';
const NEW = 'riak-default-9';
const fresh = (patch: Partial<NodeDoc> = {}) =>
  testNode(9, {
    state: 'requested',
    member: false,
    agentId: undefined,
    hostname: undefined,
    ...patch,
  });

function run(plan: PlanDoc, nodes: NodeDoc[], ring?: Map<string, RingFact>) {
  return progressPlan(
    plan,
    { nodes: new Map(nodes.map((n) => [n.key, n])), ...(ring ? { ring } : {}) },
    T0,
  );
}
const view = (plan: PlanDoc) => plan.phases.map((p) => `${p.name}:${p.steps[0].status}`);
const valid: RingFact = { validMember: true, ringReady: true };

describe('replace plan', () => {
  it('a running member: the new node is placed and joins first, then the old one is asked to leave', () => {
    const old = testNode(2);
    const plan = newReplacePlan({
      cluster: 'default',
      node: old,
      by: NEW,
      reason: 'asked',
      now: T0,
    });
    expect(planDocSchema.parse(plan)).toEqual(plan);
    expect(plan.phases.map((p) => p.name)).toEqual(['add', 'remove']);
    let r = run(plan, [old, fresh()]);
    expect(view(r.plan)).toEqual(['add:PREPARED', 'remove:PENDING']);
    expect(mayPlace([r.plan], NEW)).toBe(true);
    // Running and joined: the step checks its ring membership, and the old node is untouched.
    r = run(r.plan, [old, fresh({ state: 'running', member: true })]);
    expect(view(r.plan)).toEqual(['add:STARTED', 'remove:PENDING']);
    expect(r.actions).toEqual([{ type: 'check-ring', plan: plan.id, node: NEW }]);
    r = run(
      r.plan,
      [old, fresh({ state: 'running', member: true })],
      new Map([[NEW, { validMember: false, ringReady: true }]]),
    );
    expect(view(r.plan)).toEqual(['add:STARTED', 'remove:PENDING']);
    expect(r.plan.phases[0].steps[0].message).toBe('joined; not yet a valid member');
    // A valid member of a ready ring: the old node is asked to leave in the same pass.
    r = run(r.plan, [old, fresh({ state: 'running', member: true })], new Map([[NEW, valid]]));
    expect(view(r.plan)).toEqual(['add:COMPLETE', 'remove:STARTING']);
    expect(r.actions).toEqual([{ type: 'remove-node', plan: plan.id, node: OLD }]);
    // Decided but not carried out (a failover in between): asked again.
    expect(run(r.plan, [old, fresh({ state: 'running', member: true })]).actions).toEqual([
      { type: 'remove-node', plan: plan.id, node: OLD },
    ]);
    const leaving = { ...old, wanted: false, state: 'leaving' as const };
    r = run(r.plan, [leaving, fresh({ state: 'running', member: true })]);
    expect(view(r.plan)).toEqual(['add:COMPLETE', 'remove:STARTING']);
    expect(r.actions).toEqual([]);
    r = run(r.plan, [fresh({ state: 'running', member: true })]);
    expect(view(r.plan)).toEqual(['add:COMPLETE', 'remove:COMPLETE']);
    expect(planStatus(r.plan)).toBe('COMPLETE');
    expect(r.plan.finishedAt).toBeDefined();
  });

  it('an unreachable member: force-removed first, then the new node added', () => {
    const old = testNode(2, { agentLostSince: new Date(T0 - 60000).toISOString() });
    const plan = newReplacePlan({
      cluster: 'default',
      node: old,
      by: NEW,
      reason: 'lost',
      now: T0,
    });
    expect(plan.phases.map((p) => p.name)).toEqual(['remove', 'add']);
    let r = run(plan, [old, fresh()]);
    expect(view(r.plan)).toEqual(['remove:STARTING', 'add:PENDING']);
    expect(r.plan.phases[0].steps[0].message).toMatch(/force-removed/);
    expect(r.actions).toEqual([{ type: 'remove-node', plan: plan.id, node: OLD }]);
    expect(mayPlace([r.plan], NEW)).toBe(false);
    r = run(r.plan, [{ ...old, wanted: false }, fresh()]);
    expect(view(r.plan)).toEqual(['remove:STARTING', 'add:PENDING']);
    // Out of the ring, its task being killed on the unreachable agent: the new node goes on.
    r = run(r.plan, [{ ...old, wanted: false, member: false, state: 'shutting_down' }, fresh()]);
    expect(view(r.plan)).toEqual(['remove:COMPLETE', 'add:PREPARED']);
    expect(r.plan.phases[0].steps[0].message).toMatch(/released when its agent returns/);
    expect(mayPlace([r.plan], NEW)).toBe(true);
  });

  it('a replacement that is gone stops the plan in ERROR before the old node is touched', () => {
    const old = testNode(2);
    const plan = newReplacePlan({
      cluster: 'default',
      node: old,
      by: NEW,
      reason: 'asked',
      now: T0,
    });
    const r = run(plan, [old]);
    expect(view(r.plan)).toEqual(['add:ERROR', 'remove:PENDING']);
    expect(planStatus(r.plan)).toBe('ERROR');
    expect(run(r.plan, [old]).actions).toEqual([]);
  });
});
