import { formatIssues } from './issues';
import { taskDataSchema } from './task-data';
import {
  frameworkZkCredentialsSchema,
  nodeZkAuthSchema,
  splitZkCredential,
  zkCredentialSchema,
} from './zk-auth';

const id = (user: string) => `${user}:${'A'.repeat(27)}=`;
const issues = (
  schema: { safeParse(v: unknown): { success: boolean; error?: unknown } },
  v: unknown,
) => {
  const r = schema.safeParse(v);
  return r.success ? '' : formatIssues(r.error as Parameters<typeof formatIssues>[0]);
};

describe('ZooKeeper credentials', () => {
  it('splits user:password at the first colon', () => {
    expect(splitZkCredential('u:p:q')).toEqual({ user: 'u', password: 'p:q' });
    expect(zkCredentialSchema.parse('node:pass:word')).toBe('node:pass:word');
  });

  it.each([
    ['nocolon', /user:password, the user/],
    [':password-1', /user:password, the user/],
    ['u:short', /the password 8 to 256 characters/],
    ['u:with space', /the password 8 to 256 characters/],
  ])('refuses %j', (text, message) => {
    expect(issues(zkCredentialSchema, text)).toMatch(message);
  });

  it('takes three different users, and nothing else, in the scheduler file', () => {
    const ok = { scheduler: 's:password-s', node: 'n:password-n', director: 'd:password-d' };
    expect(frameworkZkCredentialsSchema.parse(ok)).toEqual(ok);
    expect(issues(frameworkZkCredentialsSchema, { ...ok, director: 's:password-x' })).toMatch(
      /three different users/,
    );
    expect(issues(frameworkZkCredentialsSchema, { ...ok, extra: 1 })).toMatch(/extra/);
    expect(issues(frameworkZkCredentialsSchema, { scheduler: ok.scheduler })).toMatch(/node/);
  });

  it('carries the node identity in the task data, with digest ids only for the others', () => {
    const zkAuth = { node: 'n:password-n', schedulerId: id('s'), directorId: id('d') };
    expect(nodeZkAuthSchema.parse(zkAuth)).toEqual(zkAuth);
    expect(issues(nodeZkAuthSchema, { ...zkAuth, schedulerId: 's:password-s' })).toMatch(
      /schedulerId: must be a digest id/,
    );
    const data = {
      FullyQualifiedNodeName: 'riak-default-1@10.0.0.5',
      Host: '10.0.0.5',
      Zookeepers: ['zk1:2181'],
      FrameworkName: 'riak',
      URI: 'http://scheduler:9090/',
      ClusterName: 'default',
      HTTPPort: 31000,
      PBPort: 31001,
      DisterlPort: 31002,
      HandoffPort: 31003,
      ZkAuth: zkAuth,
    };
    expect(taskDataSchema.parse(JSON.parse(JSON.stringify(data))).ZkAuth).toEqual(zkAuth);
    expect(taskDataSchema.parse({ ...data, ZkAuth: undefined }).ZkAuth).toBeUndefined();
  });
});
