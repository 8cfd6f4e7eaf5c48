import { formatIssues } from './issues';
import type { PublishedNode } from './published-node';
import { encodePublishedNode, publishedNodeSchema } from './published-node';

const node: PublishedNode = {
  FrameworkName: 'riak',
  ClusterName: 'c1',
  NodeName: 'riak-c1-1@host1',
  DisterlPort: 33001,
  PBPort: 31001,
  HTTPPort: 32001,
  Hostname: 'host1',
};

const issues = (value: unknown) => {
  const r = publishedNodeSchema.safeParse(value);
  return r.success ? '' : formatIssues(r.error);
};

describe('the published node record', () => {
  it("is written in the original's key order and read back", () => {
    const json = encodePublishedNode(node);
    expect(json).toBe(
      '{"FrameworkName":"riak","ClusterName":"c1","NodeName":"riak-c1-1@host1","DisterlPort":33001,"PBPort":31001,"HTTPPort":32001,"Hostname":"host1"}',
    );
    expect(publishedNodeSchema.parse(JSON.parse(json))).toEqual(node);
  });

  it('is read in any key order, with extra keys and ports as numeric strings', () => {
    const json = JSON.stringify({
      Hostname: 'host1',
      HTTPPort: '32001',
      Extra: { anything: true },
      PBPort: 31001,
      NodeName: 'riak-c1-1@host1',
      DisterlPort: 33001,
      ClusterName: 'c1',
      FrameworkName: 'riak',
    });
    expect(publishedNodeSchema.parse(JSON.parse(json))).toEqual(node);
  });

  it('says what is wrong', () => {
    const { Hostname, ...noHost } = node;
    expect(Hostname).toBe('host1');
    expect(issues({ ...noHost, PBPort: 70000 })).toBe(
      'PBPort: must be a port from 1 to 65535; Hostname: must be a string',
    );
    expect(issues({ ...node, HTTPPort: 'http' })).toBe('HTTPPort: must be a port number');
    expect(issues({ ...node, NodeName: 'nohost' })).toBe('NodeName: must be <name>@<host>');
    expect(issues({ ...node, ClusterName: '' })).toMatch(/^ClusterName: must not be empty/);
    expect(issues({ ...node, FrameworkName: '../x' })).toMatch(/^FrameworkName: must be a name/);
    expect(issues({ ...node, Hostname: 'a/b' })).toBe('Hostname: must be a host name or address');
    expect(() => encodePublishedNode({ ...node, DisterlPort: 0 })).toThrow(/DisterlPort/);
  });
});
