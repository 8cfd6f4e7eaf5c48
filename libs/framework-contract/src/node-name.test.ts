import {
  InvalidNodeNameError,
  isRiakNodeName,
  parseRiakNodeName,
  riakNodeName,
  riakNodeNameSchema,
} from './node-name';

describe('Erlang node names', () => {
  it('builds <key>@<host> and parses it back', () => {
    const name = riakNodeName('riak-default-1', '10.0.0.5');
    expect(name).toBe('riak-default-1@10.0.0.5');
    expect(parseRiakNodeName(name)).toEqual({ name: 'riak-default-1', host: '10.0.0.5' });
    expect(riakNodeName('riak_x', 'agent1.example.com')).toBe('riak_x@agent1.example.com');
    expect(isRiakNodeName(name)).toBe(true);
    expect(riakNodeNameSchema.parse(name)).toBe(name);
  });

  it('says which part cannot be in a node name', () => {
    expect(() => riakNodeName('riak-my.cluster-1', 'h')).toThrow(
      /node key "riak-my.cluster-1" cannot be the name of an Erlang node/,
    );
    expect(() => riakNodeName('n', 'fe80::1')).toThrow(/host "fe80::1" cannot be the host/);
    expect(() => riakNodeName('', 'h')).toThrow(InvalidNodeNameError);
    expect(() => riakNodeName('n', '')).toThrow(InvalidNodeNameError);
    expect(() => riakNodeName('n'.repeat(200), 'h'.repeat(60))).toThrow(/at most 255/);
  });

  it('rejects what is not a node name', () => {
    for (const bad of ['riak', '@host', 'riak@', 'a@b@c', 'a b@h', 'a@h/x', 7, null, undefined]) {
      expect(isRiakNodeName(bad)).toBe(false);
      expect(() => parseRiakNodeName(bad)).toThrow(/is not an Erlang node name/);
    }
    expect(riakNodeNameSchema.safeParse('riak').error?.issues[0]?.message).toBe(
      'must be <name>@<host>',
    );
    expect(riakNodeNameSchema.safeParse(3).error?.issues[0]?.message).toMatch(/node name/);
  });
});
