/** The ZooKeeper store's registrations with a real ZooKeeper: whose registration is whose. */
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { startZooKeeper, uniqueChroot } from '@riak-mesos/testing';
import { ZkClient, frameworkLayout } from '@riak-mesos/zk';
import type { Registration } from './protocol';
import { ZkStore } from './store';

let server: ZooKeeperServer;
const clients: ZkClient[] = [];

async function client(chroot: string): Promise<ZkClient> {
  const c = await ZkClient.connect({ connect: server.connectString + chroot });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  server = await startZooKeeper();
}, 60000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await server?.close();
});

const reg = (port: number): Registration => ({
  name: 'riak-default-3',
  port,
  nodeType: 77,
  protocol: 0,
  highestVersion: 6,
  lowestVersion: 5,
  extra: Buffer.alloc(0),
  creation: 1,
});

describe('ZkStore registrations', () => {
  it('a node stopping on its old host leaves the registration its replacement made under the same name', async () => {
    const chroot = uniqueChroot('epmd-store');
    const root = await ZkClient.connect({ connect: server.connectString });
    await root.ensurePath(chroot);
    await root.close();
    const oldHost = new ZkStore(await client(chroot), 'fw', '127.0.0.4');
    const newHostZk = await client(chroot);
    const newHost = new ZkStore(newHostZk, 'fw', '127.0.0.5');
    expect(await oldHost.register(reg(1111))).toBe(true);
    // The replacement's executor removes the old registration once it is stale, then registers.
    await newHostZk.delete(frameworkLayout('fw').erlpmdNode('riak-default-3'));
    expect(await newHost.register(reg(2222))).toBe(true);
    // The old node stops later: its EPMD unregisters the name.
    await oldHost.unregister('riak-default-3');
    expect((await newHost.lookup('riak-default-3'))?.port).toBe(2222);
    expect((await oldHost.lookup('riak-default-3'))?.port).toBe(2222);
    // Its own registration a store does remove.
    await newHost.unregister('riak-default-3');
    expect(await newHostZk.exists(frameworkLayout('fw').erlpmdNode('riak-default-3'))).toBeNull();
    await oldHost.close();
    await newHost.close();
  });
});
