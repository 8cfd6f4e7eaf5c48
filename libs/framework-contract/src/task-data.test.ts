import { formatIssues } from './issues';
import type { TaskData } from './task-data';
import { taskDataSchema } from './task-data';

const full: TaskData = {
  FullyQualifiedNodeName: 'riak-default-1@10.0.0.5',
  Host: '10.0.0.5',
  Zookeepers: ['zk1:2181', 'zk2:2181'],
  ZookeeperChroot: '/chroot',
  FrameworkName: 'riak',
  URI: 'http://scheduler:9090/',
  ClusterName: 'default',
  HTTPPort: 31000,
  PBPort: 31001,
  DisterlPort: 31002,
  HandoffPort: 31003,
  RiakRootPath: 'root',
  PersistentPath: 'data',
  Cookie: 'riak-default',
};

const issues = (value: unknown) => {
  const r = taskDataSchema.safeParse(value);
  return r.success ? '' : formatIssues(r.error);
};

describe('task data', () => {
  it('round-trips what the scheduler builds through JSON', () => {
    expect(taskDataSchema.parse(JSON.parse(JSON.stringify(full)))).toEqual(full);
  });

  it("fills in the defaults of the keys the original's scheduler did not send", () => {
    const { ZookeeperChroot, RiakRootPath, PersistentPath, Cookie, ...original } = full;
    expect([ZookeeperChroot, RiakRootPath, PersistentPath, Cookie]).toHaveLength(4);
    expect(taskDataSchema.parse(original)).toMatchObject({
      ZookeeperChroot: '',
      RiakRootPath: 'root',
      PersistentPath: 'data',
      Cookie: 'riak',
    });
  });

  it('ignores keys it does not know', () => {
    expect(taskDataSchema.parse({ ...full, Extra: 1 })).toEqual(full);
  });

  it('says what is wrong, key by key', () => {
    expect(issues({ ...full, HTTPPort: 'x', Zookeepers: [] })).toMatch(
      /^Zookeepers: .*; HTTPPort: must be a port number$/,
    );
    expect(issues({ ...full, PBPort: 70000 })).toBe('PBPort: must be a port from 1 to 65535');
    expect(issues({ ...full, Zookeepers: ['zk1'] })).toBe('Zookeepers.0: must be host:port');
    expect(issues({ ...full, RiakRootPath: '../../etc' })).toMatch(
      /relative path inside the sandbox/,
    );
    expect(issues({ ...full, PersistentPath: '/abs' })).toMatch(/relative path inside the sandbox/);
    expect(issues({ ...full, ClusterName: 'a/b' })).toBe(
      'ClusterName: ClusterName is not a valid name',
    );
    expect(issues({ ...full, FullyQualifiedNodeName: 'riak' })).toBe(
      'FullyQualifiedNodeName: must be <name>@<host>',
    );
    expect(issues({ ...full, URI: 'ftp://x' })).toMatch(/^URI: must be the http\(s\) URL/);
    expect(issues({ ...full, ZookeeperChroot: 'rel' })).toMatch(/must be empty or \/a\/path/);
    expect(issues({ ...full, Cookie: 'a b' })).toMatch(/^Cookie: /);
    expect(issues({ ...full, Host: 'a b' })).toMatch(/^Host: must be a host name/);
    expect(issues({ ...full, PBPort: 31000 })).toBe(
      '(root): HTTP, PB, distribution and handoff ports must differ',
    );
    expect(issues('data')).toMatch(/^\(root\): /);
  });
});
