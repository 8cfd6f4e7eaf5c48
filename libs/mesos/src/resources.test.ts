import {
  addResources,
  containsResources,
  findVolume,
  normalizeRanges,
  persistentVolume,
  portsOf,
  rangesOf,
  reserve,
  reservedWithLabel,
  scalar,
  ranges,
  scalarSum,
  subtractRanges,
  subtractResources,
  unreservedOf,
} from './resources';
import type { Offer } from './types';

describe('ranges', () => {
  it('normalises, subtracts and lists ports', () => {
    expect(
      normalizeRanges([
        { begin: 5, end: 7 },
        { begin: 1, end: 3 },
        { begin: 4, end: 4 },
      ]),
    ).toEqual([{ begin: 1, end: 7 }]);
    expect(
      subtractRanges(
        [{ begin: 1, end: 10 }],
        [
          { begin: 3, end: 4 },
          { begin: 10, end: 12 },
        ],
      ),
    ).toEqual([
      { begin: 1, end: 2 },
      { begin: 5, end: 9 },
    ]);
    expect(portsOf([{ begin: 8, end: 10 }])).toEqual([8, 9, 10]);
  });
});

describe('resource arithmetic', () => {
  it('adds and subtracts scalars, ranges and sets by identity', () => {
    const a = [scalar('cpus', 1.5), ranges('ports', [[100, 109]])];
    const b = [scalar('cpus', 0.25), ranges('ports', [[110, 119]])];
    const sum = addResources(a, b);
    expect(scalarSum(sum, 'cpus')).toBe(1.75);
    expect(rangesOf(sum, 'ports')).toEqual([{ begin: 100, end: 119 }]);
    const left = subtractResources(sum, [scalar('cpus', 1.75), ranges('ports', [[100, 104]])]);
    expect(scalarSum(left, 'cpus')).toBe(0);
    expect(rangesOf(left, 'ports')).toEqual([{ begin: 105, end: 119 }]);
    expect(() => subtractResources(a, [scalar('mem', 1)])).toThrow(/not available/);
    expect(() => subtractResources(a, [scalar('cpus', 2)])).toThrow(/only 1.5 available/);
    expect(containsResources(a, [ranges('ports', [[100, 100]])])).toBe(true);
    expect(containsResources(a, [ranges('ports', [[99, 100]])])).toBe(false);
    // Reserved and unreserved cpus are different resources.
    const reserved = reserve([scalar('cpus', 1)], { role: 'riak', principal: 'p' });
    expect(containsResources(a, reserved)).toBe(false);
  });
});

describe('reservations and volumes', () => {
  const reservedDisk = reserve([scalar('disk', 1024)], {
    role: 'riak',
    principal: 'riak',
    labels: { node: 'riak-default-1' },
  })[0];
  const offer: Offer = {
    id: { value: 'o' },
    framework_id: { value: 'f' },
    agent_id: { value: 'a' },
    hostname: 'h',
    resources: [
      scalar('cpus', 4),
      ...reserve([scalar('cpus', 1), ranges('ports', [[31000, 31009]])], {
        role: 'riak',
        principal: 'riak',
        labels: { node: 'riak-default-1' },
      }),
      ...reserve([scalar('cpus', 1)], {
        role: 'riak',
        principal: 'riak',
        labels: { node: 'riak-default-2' },
      }),
      persistentVolume(reservedDisk, 'riak-default-1-uuid', 'data', 'riak'),
    ],
  };

  it('builds reservations with role, principal and labels, in both formats', () => {
    expect(reservedDisk).toMatchObject({
      role: 'riak',
      reservation: {
        principal: 'riak',
        labels: { labels: [{ key: 'node', value: 'riak-default-1' }] },
      },
    });
    const refined = reserve([scalar('mem', 1)], { role: 'riak', refined: true })[0];
    expect(refined.reservations).toEqual([{ type: 'DYNAMIC', role: 'riak' }]);
    expect(refined.role).toBeUndefined();
  });

  it('finds a node’s reserved resources and its volume in an offer', () => {
    const mine = reservedWithLabel(offer, 'riak', 'node', 'riak-default-1');
    expect(scalarSum(mine, 'cpus')).toBe(1);
    expect(rangesOf(mine, 'ports')).toEqual([{ begin: 31000, end: 31009 }]);
    expect(scalarSum(mine, 'disk')).toBe(1024);
    expect(findVolume(offer, 'riak-default-1-uuid')?.disk?.volume).toEqual({
      mode: 'RW',
      container_path: 'data',
    });
    expect(findVolume(offer, 'other')).toBeUndefined();
    expect(scalarSum(unreservedOf(offer), 'cpus')).toBe(4);
  });
});
