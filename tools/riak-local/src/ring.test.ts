import { formatAaeStatus, formatMemberStatus, formatPlan } from './format';
import {
  RingError,
  claimant,
  clear,
  commit,
  futureOwnership,
  hasPendingChanges,
  joinDone,
  newer,
  ownership,
  partitionsOf,
  removeMember,
  replicas,
  stage,
  standalone,
} from './ring';
import type { Ring } from './ring';

const a = 'riak-1@h1';
const b = 'riak-2@h2';
const c = 'riak-3@h3';

describe('ring and claimant', () => {
  it('stages joins, shows them in the plan, and commits them', () => {
    let r = standalone(a, 64, 'cid');
    r = stage(r, { action: 'join', node: b });
    r = stage(r, { action: 'join', node: c });
    expect(r.members.map((m) => m.status)).toEqual(['valid', 'joining', 'joining']);
    expect(replicas(r)).toEqual([a]);
    expect(formatPlan(r)).toMatch(/join\s+'riak-2@h2'\njoin\s+'riak-3@h3'/);
    const committed = commit(r);
    expect(committed.epoch).toBeGreaterThan(r.epoch);
    expect(replicas(committed)).toEqual([a, b, c]);
    expect(committed.staged).toEqual([]);
    // The new members own nothing until their transfers are done; then a third each.
    expect(hasPendingChanges(committed)).toBe(true);
    expect([...ownership(committed).values()]).toEqual([64, 0, 0]);
    const own = futureOwnership(committed);
    expect([...own.values()].reduce((x, y) => x + y, 0)).toBe(64);
    expect(Math.max(...own.values()) - Math.min(...own.values())).toBeLessThanOrEqual(1);
    expect(formatMemberStatus(committed)).toContain(
      'Valid:3 / Leaving:0 / Exiting:0 / Joining:0 / Down:0',
    );
    const done = joinDone(joinDone(committed, b), c);
    expect(hasPendingChanges(done)).toBe(false);
    expect(ownership(done)).toEqual(own);
    expect(claimant(done)).toBe(a); // the first member stays the claimant
  });

  it('refuses what Riak refuses', () => {
    const r = commit(stage(standalone(a, 64, 'cid'), { action: 'join', node: b }));
    expect(() => stage(r, { action: 'join', node: b })).toThrow(RingError);
    expect(() => stage(r, { action: 'leave', node: c })).toThrow(
      "Failed: 'riak-3@h3' is not a member of the cluster.",
    );
    const leaving = stage(r, { action: 'leave', node: b });
    expect(stage(leaving, { action: 'leave', node: b })).toBe(leaving); // again: accepted
    expect(() => stage(leaving, { action: 'remove', node: b })).toThrow(
      /already has a staged leave request/,
    );
    expect(() => stage(standalone(a, 64, 'x'), { action: 'leave', node: a })).toThrow(
      "Failed: 'riak-1@h1' is the only member.",
    );
    expect(() => stage(r, { action: 'remove', node: a })).toThrow(/is the claimant/);
    expect(() => commit(standalone(a, 64, 'x'))).toThrow(/must verify the plan/);
  });

  it('leave keeps the member serving until it is removed; clear drops staged joins', () => {
    let r = commit(
      stage(stage(standalone(a, 64, 'cid'), { action: 'join', node: b }), {
        action: 'join',
        node: c,
      }),
    );
    r = commit(stage(r, { action: 'leave', node: a }));
    expect(replicas(r)).toEqual([a, b, c]);
    expect(claimant(r)).toBe(b); // a leaving member is no longer the claimant
    r = removeMember(r, a);
    expect(replicas(r)).toEqual([b, c]);
    const staged = stage(r, { action: 'join', node: 'riak-4@h4' });
    expect(clear(staged).members.map((m) => m.name)).toEqual([b, c]);
  });

  it('orders rings by epoch within one cluster only', () => {
    const r = standalone(a, 64, 'one');
    expect(newer({ ...r, epoch: 5 }, r)).toBe(true);
    expect(newer(r, { ...r, epoch: 5 })).toBe(false);
    expect(newer({ ...r, epoch: 9, clusterId: 'two' }, r)).toBe(false);
  });
});

describe('aae-status', () => {
  it('lists the partitions a node owns, at Riak indices, with no exchanges', () => {
    const ring: Ring = {
      epoch: 3,
      clusterId: 'c',
      ringSize: 8,
      members: [
        { name: 'a@h', status: 'valid' },
        { name: 'b@h', status: 'valid' },
      ],
      staged: [],
    };
    const step = 2n ** 160n / 8n;
    expect(partitionsOf(ring, 'a@h')).toEqual([0n, 2n * step, 4n * step, 6n * step]);
    expect(partitionsOf(ring, 'b@h')).toEqual([step, 3n * step, 5n * step, 7n * step]);
    expect(partitionsOf(ring, 'c@h')).toEqual([]);
    const text = formatAaeStatus(ring, 'b@h');
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^=+ Exchanges =+$/);
    expect(lines[0]).toHaveLength(79);
    expect(lines[3]).toBe(`${String(step).padEnd(49)}  --            --          `);
    expect(text).toContain('182687704666362864775460604089535377456991567872');
    expect(text.match(/^=+ (Entropy Trees|Keys Repaired) =+$/gm)).toHaveLength(2);
  });
});
