/**
 * The director with its ZooKeeper credential (docs/security.md, "ZooKeeper"), against a real
 * ZooKeeper whose framework runs with ACLs: it finds the published nodes as the director
 * identity; without the credential it finds none.
 */
import { createLogger } from '@riak-mesos/logging';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { startZooKeeper, uniqueChroot, waitFor } from '@riak-mesos/testing';
import type { ZkClient as ZkClientType } from '@riak-mesos/zk';
import { ZkClient, frameworkLayout, frameworkZkOptions } from '@riak-mesos/zk';
import { DEFAULTS } from './config';
import { Director } from './director';
import { creds, ids } from './test-support/zk-identities';
import { encodeCoordinatedNode } from './discovery';

const logger = createLogger('director-zk-auth-test', { level: 'error' });
const layout = frameworkLayout('guarded');

let server: ZooKeeperServer;
let connect: string;
const clients: ZkClientType[] = [];

beforeAll(async () => {
  server = await startZooKeeper();
  connect = server.connectString + uniqueChroot('director-acl');
  // The scheduler makes the framework's paths; a node publishes itself as the executor does.
  const scheduler = await ZkClient.connect({
    connect,
    ...frameworkZkOptions(layout, creds.scheduler, ids),
  });
  clients.push(scheduler);
  await scheduler.ensurePath(layout.coordinatedNodes);
  const node = await ZkClient.connect({ connect, ...frameworkZkOptions(layout, creds.node, ids) });
  clients.push(node);
  await node.createEphemeral(
    layout.coordinatedNode('task-1'),
    encodeCoordinatedNode({
      framework: 'guarded',
      cluster: 'default',
      nodeName: 'riak-default-1@127.0.0.1',
      hostname: '127.0.0.1',
      pbPort: 1,
      httpPort: 2,
      disterlPort: 3,
    }),
  );
}, 60000);

afterAll(async () => {
  for (const c of clients) await c.close();
  await server?.close();
});

function director(zkAuth?: string): Director {
  return new Director(
    {
      ...DEFAULTS,
      zk: connect,
      framework: 'guarded',
      cluster: 'default',
      host: '127.0.0.1',
      pbPort: 0,
      httpPort: 0,
      api: { ...DEFAULTS.api, enabled: false },
      ...(zkAuth ? { zkAuth } : {}),
    },
    { logger },
  );
}

describe('the director and ZooKeeper ACLs', () => {
  it('finds the published nodes with its credential', async () => {
    const d = director('director:director-secret');
    await d.start();
    try {
      await waitFor(() => d.pool('protobuf').list().length === 1, {
        timeoutMs: 15000,
        what: 'the published node',
      });
      expect(d.pool('protobuf').list()[0].id).toBe('task-1');
    } finally {
      await d.stop(0);
    }
  }, 30000);

  it('finds none without it', async () => {
    const d = director();
    await d.start();
    try {
      await new Promise((r) => setTimeout(r, 2000));
      expect(d.pool('protobuf').list()).toEqual([]);
    } finally {
      await d.stop(0);
    }
  }, 30000);
});
