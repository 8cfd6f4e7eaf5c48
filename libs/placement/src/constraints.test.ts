import type { PlacedAgent, PlacementAgent } from './constraints';
import {
  ConstraintError,
  PlacementCounts,
  explainCounts,
  parseConstraints,
  renderAttributeValue,
  satisfies,
  satisfiesAll,
} from './constraints';

const agent = (hostname: string, attributes: Record<string, string> = {}): PlacementAgent => ({
  hostname,
  attributes,
});
const a1 = agent('a1', { rack_id: 'r1', zone: 'eu-1', cores: '8' });
const a2 = agent('a2', { rack_id: 'r1', zone: 'eu-2', cores: '16' });
const a3 = agent('a3', { rack_id: 'r2', zone: 'us-1', cores: '8' });
const bare = agent('a4');

describe('parseConstraints', () => {
  it('accepts plain JSON, a JSON string, an HTML-escaped string and double encoding', () => {
    const expected = [{ field: 'hostname', operator: 'UNIQUE' }];
    expect(parseConstraints([['hostname', 'UNIQUE']])).toEqual(expected);
    expect(parseConstraints('[["hostname","UNIQUE"]]')).toEqual(expected);
    expect(parseConstraints('[[&quot;hostname&quot;,&quot;UNIQUE&quot;]]')).toEqual(expected);
    expect(parseConstraints(JSON.stringify(JSON.stringify([['hostname', 'UNIQUE']])))).toEqual(
      expected,
    );
    expect(parseConstraints('')).toEqual([]);
    expect(parseConstraints(undefined)).toEqual([]);
    expect(parseConstraints([['rack_id', 'group_by', 3]])).toEqual([
      { field: 'rack_id', operator: 'GROUP_BY', value: '3' },
    ]);
  });

  it.each([
    ['{"a":1}', /JSON array/],
    ['[["hostname"]]', /\[field, operator\]/],
    ['[["hostname","SOMETIMES"]]', /unknown operator 'SOMETIMES'/],
    ['[["hostname","UNIQUE","x"]]', /UNIQUE takes no value/],
    ['[["hostname","MAX_PER"]]', /MAX_PER needs a positive whole number/],
    ['[["hostname","MAX_PER","0"]]', /MAX_PER needs/],
    ['[["hostname","LIKE","("]]', /invalid regular expression/],
    ['[["hostname","IS"]]', /IS needs a value/],
    ['[["rack","GROUP_BY","two"]]', /GROUP_BY takes/],
    ['[[1,"UNIQUE"]]', /field must be a non-empty string/],
    ['[[', /not valid JSON/],
  ])('rejects %s', (input, message) => {
    expect(() => parseConstraints(input)).toThrow(ConstraintError);
    expect(() => parseConstraints(input)).toThrow(message);
  });
});

describe('operators', () => {
  it('UNIQUE: one task per distinct value', () => {
    const c = { field: 'hostname', operator: 'UNIQUE' as const };
    expect(satisfies(c, a1, [])).toBe(true);
    expect(satisfies(c, a1, [a2])).toBe(true);
    expect(satisfies(c, a1, [a1])).toBe(false);
    const rack = { field: 'rack_id', operator: 'UNIQUE' as const };
    expect(satisfies(rack, a2, [a1])).toBe(false);
    expect(satisfies(rack, a3, [a1])).toBe(true);
    expect(satisfies(rack, bare, [])).toBe(false);
  });

  it('CLUSTER: all on the given value, or all together with the first', () => {
    expect(satisfies({ field: 'rack_id', operator: 'CLUSTER', value: 'r2' }, a3, [])).toBe(true);
    expect(satisfies({ field: 'rack_id', operator: 'CLUSTER', value: 'r2' }, a1, [])).toBe(false);
    const together = { field: 'rack_id', operator: 'CLUSTER' as const };
    expect(satisfies(together, a1, [])).toBe(true);
    expect(satisfies(together, a2, [a1])).toBe(true);
    expect(satisfies(together, a3, [a1])).toBe(false);
  });

  it('GROUP_BY: spreads evenly, and fills every expected group first', () => {
    const c = { field: 'rack_id', operator: 'GROUP_BY' as const };
    expect(satisfies(c, a1, [])).toBe(true);
    // Without a group count only the values of placed tasks are known (as in Marathon).
    expect(satisfies(c, a2, [a1])).toBe(true);
    expect(satisfies(c, a3, [a1])).toBe(true);
    expect(satisfies(c, a2, [a1, a2, a3])).toBe(false); // r1 has 2, r2 has 1: r2 first
    expect(satisfies(c, a3, [a1, a2, a3])).toBe(true);
    expect(satisfies(c, a2, [a1, a3])).toBe(true); // 1 and 1: either
    const three = { field: 'zone', operator: 'GROUP_BY' as const, value: '3' };
    expect(satisfies(three, a1, [a1])).toBe(false);
    expect(satisfies(three, a2, [a1])).toBe(true);
    expect(satisfies(three, a3, [a1, a2])).toBe(true);
    expect(satisfies(three, a1, [a1, a2])).toBe(false);
    expect(satisfies(c, bare, [])).toBe(false);
  });

  it('LIKE and UNLIKE: whole-value regular expressions', () => {
    expect(satisfies({ field: 'zone', operator: 'LIKE', value: 'eu-.*' }, a1, [])).toBe(true);
    expect(satisfies({ field: 'zone', operator: 'LIKE', value: 'eu' }, a1, [])).toBe(false);
    expect(satisfies({ field: 'zone', operator: 'LIKE', value: 'eu-.*' }, bare, [])).toBe(false);
    expect(satisfies({ field: 'zone', operator: 'UNLIKE', value: 'us-.*' }, a1, [])).toBe(true);
    expect(satisfies({ field: 'zone', operator: 'UNLIKE', value: 'us-.*' }, a3, [])).toBe(false);
    expect(satisfies({ field: 'zone', operator: 'UNLIKE', value: 'us-.*' }, bare, [])).toBe(true);
    expect(satisfies({ field: 'hostname', operator: 'LIKE', value: 'a[12]' }, a3, [])).toBe(false);
  });

  it('MAX_PER: at most N per value', () => {
    const c = { field: 'rack_id', operator: 'MAX_PER' as const, value: '2' };
    expect(satisfies(c, a1, [])).toBe(true);
    expect(satisfies(c, a1, [a2])).toBe(true);
    expect(satisfies(c, a1, [a1, a2])).toBe(false);
    expect(satisfies(c, a3, [a1, a2])).toBe(true);
  });

  it('IS: exact value', () => {
    expect(satisfies({ field: 'cores', operator: 'IS', value: '8' }, a1, [])).toBe(true);
    expect(satisfies({ field: 'cores', operator: 'IS', value: '8' }, a2, [])).toBe(false);
    expect(satisfies({ field: 'hostname', operator: 'IS', value: 'a2' }, a2, [])).toBe(true);
  });

  it('satisfiesAll combines constraints', () => {
    const cs = parseConstraints([
      ['hostname', 'UNIQUE'],
      ['zone', 'LIKE', 'eu-.*'],
    ]);
    expect(satisfiesAll(cs, a1, [])).toBe(true);
    expect(satisfiesAll(cs, a3, [])).toBe(false);
    expect(satisfiesAll(cs, a1, [a1])).toBe(false);
  });
});

describe('renderAttributeValue', () => {
  it('renders Mesos attribute values', () => {
    expect(renderAttributeValue({ text: { value: 'r1' } })).toBe('r1');
    expect(renderAttributeValue({ scalar: { value: 8 } })).toBe('8');
    expect(renderAttributeValue({ ranges: { range: [{ begin: 1, end: 3 }] } })).toBe('[1-3]');
    expect(renderAttributeValue({ set: { item: ['a', 'b'] } })).toBe('{a,b}');
  });
});

describe('explainCounts', () => {
  const agent = (hostname: string, rack?: string): PlacementAgent => ({
    hostname,
    attributes: rack ? { rack_id: rack } : {},
  });
  const explain = (spec: unknown[], candidate: PlacementAgent, placed: PlacedAgent[]) => {
    const [c] = parseConstraints([spec]);
    return explainCounts(c, candidate, PlacementCounts.of([c], placed));
  };

  it('is undefined when the constraint holds', () => {
    expect(explain(['hostname', 'UNIQUE'], agent('a'), [agent('b')])).toBeUndefined();
  });

  it('says which nodes hold a value for UNIQUE and MAX_PER', () => {
    const placed = [
      { ...agent('a', 'r1'), holder: 'n1' },
      { ...agent('b', 'r1'), holder: 'n2' },
    ];
    expect(explain(['rack_id', 'MAX_PER', '2'], agent('c', 'r1'), placed)).toBe(
      'rack_id MAX_PER 2: r1 already holds n1, n2',
    );
    expect(explain(['rack_id', 'UNIQUE'], agent('c', 'r1'), [agent('a', 'r1')])).toBe(
      'rack_id UNIQUE: r1 already holds 1 node',
    );
  });

  it('says when the agent lacks the attribute, or has another value', () => {
    expect(explain(['rack_id', 'GROUP_BY'], agent('a'), [])).toBe(
      'rack_id GROUP_BY: the agent has no rack_id',
    );
    expect(explain(['rack_id', 'LIKE', 'r[12]'], agent('a', 'r3'), [])).toBe(
      "rack_id LIKE r[12]: the agent's rack_id is r3",
    );
    expect(explain(['rack_id', 'CLUSTER'], agent('b', 'r2'), [agent('a', 'r1')])).toBe(
      "rack_id CLUSTER: the cluster is on r1, the agent's rack_id is r2",
    );
  });

  it('explains GROUP_BY spreading', () => {
    expect(
      explain(['rack_id', 'GROUP_BY', '2'], agent('b', 'r1'), [
        { ...agent('a', 'r1'), holder: 'n1' },
      ]),
    ).toBe('rack_id GROUP_BY 2: r1 already holds n1; other rack_id values hold fewer');
  });
});
