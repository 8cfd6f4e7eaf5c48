import type { ZooKeeperServer } from '@riak-mesos/testing';
import { startZooKeeper, uniqueChroot } from '@riak-mesos/testing';
import { createLogger } from '@riak-mesos/logging';
import {
  NoAuthError,
  ZkClient,
  aclText,
  frameworkAcl,
  frameworkLayout,
  frameworkZkIds,
  frameworkZkOptions,
  secureFrameworkTree,
} from './index';

const creds = {
  scheduler: { user: 'sched', password: 'scheduler-secret' },
  node: { user: 'node', password: 'node-secret-1' },
  director: { user: 'director', password: 'director-secret' },
};
const ids = frameworkZkIds(creds);
const layout = frameworkLayout('acl');
const logger = createLogger('zk-acl-test');

let server: ZooKeeperServer;
const clients: ZkClient[] = [];

async function client(connect: string, as?: keyof typeof creds): Promise<ZkClient> {
  const c = await ZkClient.connect({
    connect,
    sessionTimeoutMs: 4000,
    ...(as ? frameworkZkOptions(layout, creds[as], ids) : {}),
  });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  server = await startZooKeeper();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await server.close();
});

describe('ZkClient with the framework ACL rule', () => {
  it('creates every node, parents included, with the ACL of its path', async () => {
    const connect = server.connectString + uniqueChroot('acl-create');
    const scheduler = await client(connect, 'scheduler');
    await scheduler.create(layout.cluster('c1'), '{}', { parents: true });
    await scheduler.ensurePath(layout.coordinatedNodes);
    await scheduler.ensurePath(layout.nodes);
    await scheduler.transaction([{ op: 'create', path: layout.node('n1'), data: '{}' }]);
    for (const p of [
      '/riak',
      '/riak/frameworks',
      layout.root,
      layout.clusters,
      layout.cluster('c1'),
      layout.nodes,
      layout.node('n1'),
      `${layout.root}/coordinator`,
      layout.coordinatedNodes,
    ])
      expect(aclText(await scheduler.getAcl(p))).toBe(aclText(frameworkAcl(layout, p, ids)));
    // The chroot's own node is above the framework: scheduler ALL, director READ.
    const chroot = connect.slice(connect.indexOf('/'));
    const outside = await client(server.connectString, 'scheduler');
    expect(aclText(await outside.getAcl(chroot))).toBe(aclText(frameworkAcl(layout, '/', ids)));
  });

  it('lets a node make its parents-exist path and publish under a scheduler-made parent', async () => {
    const connect = server.connectString + uniqueChroot('acl-node');
    const scheduler = await client(connect, 'scheduler');
    await scheduler.ensurePath(layout.coordinatedNodes);
    const node = await client(connect, 'node');
    // ensurePath over nodes it may not create in: they exist, so that is fine.
    await node.ensurePath(layout.coordinatedNodes);
    await node.createEphemeral(layout.coordinatedNode('t1'), 'x', { parents: true });
    expect(aclText(await scheduler.getAcl(layout.coordinatedNode('t1')))).toBe(
      aclText(frameworkAcl(layout, layout.coordinatedNode('t1'), ids)),
    );
    // Anything the scheduler keeps stays closed to it.
    await expect(node.create(`${layout.root}/mine`, 'x')).rejects.toBeInstanceOf(NoAuthError);
  });
});

describe('secureFrameworkTree', () => {
  it('gives an open layout the rule ACLs, once, and logs what it changed', async () => {
    const connect = server.connectString + uniqueChroot('acl-secure');
    const open = await client(connect);
    await open.create(layout.cluster('c1'), '{"cookie":"x"}', { parents: true });
    await open.create(layout.apiToken, 'token', { parents: true });
    await open.create(layout.coordinatedNode('t1'), 'x', { parents: true, mode: 'ephemeral' });
    await open.create(layout.erlpmdNode('riak-c1-1'), 'x', { parents: true, mode: 'ephemeral' });
    const scheduler = await client(connect, 'scheduler');
    const first = await secureFrameworkTree(scheduler, layout, ids, logger);
    expect(first.refused).toEqual([]);
    expect(first.changed).toEqual(
      expect.arrayContaining([
        layout.root,
        layout.cluster('c1'),
        layout.apiToken,
        layout.coordinatedNode('t1'),
        layout.erlpmdNode('riak-c1-1'),
      ]),
    );
    for (const p of first.changed)
      expect(aclText(await scheduler.getAcl(p))).toBe(aclText(frameworkAcl(layout, p, ids)));
    await expect(open.get(layout.cluster('c1'))).rejects.toBeInstanceOf(NoAuthError);
    await expect(open.get(layout.apiToken)).rejects.toBeInstanceOf(NoAuthError);
    const again = await secureFrameworkTree(scheduler, layout, ids, logger);
    expect(again.changed).toEqual([]);
    expect(again.checked).toBe(first.checked);
  });
});
