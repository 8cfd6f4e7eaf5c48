/** The ZooKeeper store's registrations with a real ZooKeeper: who owns a registration, who may remove it. */
import { PassThrough } from 'node:stream';
import type { Logger } from '@riak-mesos/logging';
import { createLogger } from '@riak-mesos/logging';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { startZooKeeper, uniqueChroot, waitFor } from '@riak-mesos/testing';
import { transports } from 'winston';
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

/** A logger whose lines (JSON) are kept in `lines`. */
function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    for (const l of chunk.toString('utf8').split('\n'))
      if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
  });
  const logger = createLogger('epmd-test', {
    level: 'info',
    format: 'json',
    transports: [new transports.Stream({ stream })],
  });
  return { logger, lines };
}

describe('ZkStore registrations', () => {
  it('a registration records its owner; a name another host holds is refused, logged, and left alone', async () => {
    const chroot = uniqueChroot('epmd-store');
    const root = await ZkClient.connect({ connect: server.connectString });
    await root.ensurePath(chroot);
    await root.close();
    const oldHostZk = await client(chroot);
    const oldHost = new ZkStore(oldHostZk, 'fw', '127.0.0.4');
    const newHostZk = await client(chroot);
    const log = capturingLogger();
    const newHost = new ZkStore(newHostZk, 'fw', '127.0.0.5', log.logger);
    expect(await oldHost.register(reg(1111))).toBe(true);
    const path = frameworkLayout('fw').erlpmdNode('riak-default-3');
    const stored = JSON.parse((await oldHostZk.get(path)).data.toString()) as Record<
      string,
      unknown
    >;
    expect(stored).toMatchObject({ host: '127.0.0.4', session: oldHostZk.sessionId });
    expect(await newHost.owner('riak-default-3')).toEqual({
      host: '127.0.0.4',
      session: oldHostZk.sessionId,
    });
    // The other host's node is refused, with who holds the name in the log.
    expect(await newHost.register(reg(2222))).toBe(false);
    await waitFor(() => log.lines.some((l) => l.message?.toString().startsWith('refusing')), {
      timeoutMs: 2000,
      what: 'the refusal to be logged',
    });
    expect(log.lines.find((l) => l.message?.toString().startsWith('refusing'))).toMatchObject({
      level: 'warn',
      name: 'riak-default-3',
      host: '127.0.0.5',
      ownerHost: '127.0.0.4',
      ownerSession: oldHostZk.sessionId,
    });
    // Unregistering it from the other host (its node stopping, `epmd -stop`) leaves it.
    await newHost.unregister('riak-default-3');
    expect((await oldHost.lookup('riak-default-3'))?.port).toBe(1111);
    expect((await newHostZk.exists(path))?.ephemeralOwner).toBe(oldHostZk.sessionId);
    await oldHost.close();
    await newHost.close();
  });

  it("takes over a registration only from the host the scheduler named as the replaced node's", async () => {
    const chroot = uniqueChroot('epmd-takeover');
    const root = await ZkClient.connect({ connect: server.connectString });
    await root.ensurePath(chroot);
    await root.close();
    const lostZk = await client(chroot);
    const lost = new ZkStore(lostZk, 'fw', '127.0.0.4');
    const replacement = new ZkStore(await client(chroot), 'fw', '127.0.0.5');
    expect(await lost.register(reg(1111))).toBe(true);
    // Not from another host than the one named.
    expect(await replacement.takeOver('riak-default-3', '127.0.0.6')).toBe(false);
    expect((await replacement.owner('riak-default-3'))?.host).toBe('127.0.0.4');
    // From the named host: removed, although its session is alive; then the new node registers.
    expect(await replacement.takeOver('riak-default-3', '127.0.0.4')).toBe(true);
    expect(await replacement.register(reg(2222))).toBe(true);
    expect((await lost.lookup('riak-default-3'))?.port).toBe(2222);
    await lost.close();
    await replacement.close();
  });

  it('a node stopping on its old host leaves the registration its replacement made once the old session ended', async () => {
    const chroot = uniqueChroot('epmd-store');
    const root = await ZkClient.connect({ connect: server.connectString });
    await root.ensurePath(chroot);
    await root.close();
    const oldHostZk = await client(chroot);
    const oldHost = new ZkStore(oldHostZk, 'fw', '127.0.0.4');
    const newHostZk = await client(chroot);
    const newHost = new ZkStore(newHostZk, 'fw', '127.0.0.5');
    expect(await oldHost.register(reg(1111))).toBe(true);
    // The old host's session ends (its registration goes with it); the replacement registers.
    const lingering = await client(chroot);
    const oldAgain = new ZkStore(lingering, 'fw', '127.0.0.4');
    await oldHostZk.close();
    await waitFor(async () => (await newHost.owner('riak-default-3')) === undefined, {
      timeoutMs: 10000,
      what: 'the old registration to go with its session',
    });
    expect(await newHost.register(reg(2222))).toBe(true);
    // The old node's EPMD, on a new session, unregisters the name later: the new one stays.
    await oldAgain.unregister('riak-default-3');
    expect((await newHost.lookup('riak-default-3'))?.port).toBe(2222);
    expect((await oldAgain.lookup('riak-default-3'))?.port).toBe(2222);
    // Its own registration a store does remove.
    await newHost.unregister('riak-default-3');
    expect(await newHostZk.exists(frameworkLayout('fw').erlpmdNode('riak-default-3'))).toBeNull();
    await oldAgain.close();
    await newHost.close();
  });
});
