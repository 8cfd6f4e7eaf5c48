import type { Offer } from '@riak-mesos/mesos';
import { resources as R } from '@riak-mesos/mesos';
import { mergeByAgent } from './driver';

const offer = (id: string, agent: string, cpus: number): Offer => ({
  id: { value: id },
  framework_id: { value: 'fw' },
  agent_id: { value: agent },
  hostname: `${agent}.example`,
  resources: [R.scalar('cpus', cpus)],
});

describe('mergeByAgent', () => {
  it('puts the offers of one agent together under the first id, keeping every id', () => {
    const { offers, idsOf } = mergeByAgent([
      offer('o1', 'a', 1),
      offer('o2', 'b', 2),
      offer('o3', 'a', 0.5),
    ]);
    expect(offers.map((o) => o.id.value)).toEqual(['o1', 'o2']);
    expect(R.scalarSum(offers[0].resources ?? [], 'cpus')).toBe(1.5);
    expect(R.scalarSum(offers[1].resources ?? [], 'cpus')).toBe(2);
    expect(idsOf.get('o1')!.map((i) => i.value)).toEqual(['o1', 'o3']);
    expect(idsOf.get('o2')!.map((i) => i.value)).toEqual(['o2']);
  });

  it('leaves the offers it was given unchanged', () => {
    const given = [offer('o1', 'a', 1), offer('o2', 'a', 1)];
    mergeByAgent(given);
    expect(given[0].resources).toHaveLength(1);
  });
});
