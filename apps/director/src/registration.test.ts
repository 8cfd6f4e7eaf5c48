/**
 * The director's registration in a real ZooKeeper whose framework runs with ACLs: the director
 * registers under its cluster as its own identity, the scheduler reads the registration, the node
 * identity cannot; it moves when the director is re-pointed and goes when it stops.
 */
import { directorRegistrationSchema } from '@riak-mesos/framework-contract';
import { createLogger } from '@riak-mesos/logging';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { startZooKeeper, uniqueChroot, waitFor } from '@riak-mesos/testing';
import type { ZkClient as ZkClientType } from '@riak-mesos/zk';
import {
  NoAuthError,
  ZkClient,
  aclText,
  frameworkAcl,
  frameworkLayout,
  frameworkZkOptions,
} from '@riak-mesos/zk';
import { DEFAULTS } from './config';
import { Director } from './director';
import { creds, ids } from './test-support/zk-identities';
import { Backend } from './backends';
import { Registrar, backendHealth, defaultAdvertiseHost, registrationId } from './registration';

const logger = createLogger('director-registration-test', { level: 'error' });
const layout = frameworkLayout('reg');

let server: ZooKeeperServer;
let connect: string;
let scheduler: ZkClientType;
let node: ZkClientType;

/** As the scheduler makes each cluster's directors node (with the cluster), its id in the data. */
async function directorsNode(cluster: string): Promise<void> {
  await scheduler.ensurePath(layout.cluster(cluster));
  await scheduler.create(layout.directors(cluster), JSON.stringify({ schedulerId: ids.scheduler }));
}

beforeAll(async () => {
  server = await startZooKeeper();
  connect = server.connectString + uniqueChroot('director-reg');
  scheduler = await ZkClient.connect({
    connect,
    ...frameworkZkOptions(layout, creds.scheduler, ids),
  });
  node = await ZkClient.connect({ connect, ...frameworkZkOptions(layout, creds.node, ids) });
  await scheduler.ensurePath(layout.coordinatedNodes);
  await directorsNode('a');
  await directorsNode('b');
}, 60000);

afterAll(async () => {
  await node?.close();
  await scheduler?.close();
  await server?.close();
});

describe('registrationId', () => {
  it('names a registration by host and PB port, as a valid path segment', () => {
    expect(registrationId('agent-1.example', 8087)).toBe('agent-1.example-8087');
    expect(registrationId('fe80::1', 31000)).toBe('fe80--1-31000');
    expect(registrationId('[::1]', 1)).toBe('1--1');
  });
});

describe('backendHealth', () => {
  it("says each listener's backends' state, why one is down, and leaves retired ones out", () => {
    const up = new Backend('t1', 'riak-a-1@h1', 'h1', 8087);
    const down = new Backend('t2', 'riak-a-2@h2', 'fe80::2', 8087);
    down.healthy = false;
    down.lastError = 'connect ECONNREFUSED';
    down.lastCheck = { ok: false, at: new Date(), detail: `PB ping: ${'x'.repeat(400)}` };
    const draining = new Backend('t3', 'riak-a-3@h3', 'h3', 8098);
    draining.draining = true;
    draining.lastError = 'old error, not said: it is not down';
    const retired = new Backend('t4', 'riak-a-4@h4', 'h4', 8098);
    retired.retired = true;
    const http = new Backend('t5', 'riak-a-5@h5', 'h5', 8098);
    http.healthy = false;
    http.lastError = 'HTTP ping answered 503';
    expect(
      backendHealth([
        { name: 'protobuf', backends: [up, down] },
        { name: 'http', backends: [draining, retired, http] },
      ]),
    ).toEqual([
      { node: 'riak-a-1@h1', listener: 'protobuf', address: 'h1:8087', state: 'up' },
      {
        node: 'riak-a-2@h2',
        listener: 'protobuf',
        address: '[fe80::2]:8087',
        state: 'down',
        error: `PB ping: ${'x'.repeat(291)}`,
      },
      { node: 'riak-a-3@h3', listener: 'http', address: 'h3:8098', state: 'draining' },
      {
        node: 'riak-a-5@h5',
        listener: 'http',
        address: 'h5:8098',
        state: 'down',
        error: 'HTTP ping answered 503',
      },
    ]);
  });
});

describe('the host a registration names', () => {
  it('is the listen address when it is a specific one, else the machine’s name', () => {
    expect(defaultAdvertiseHost('127.0.0.1', 'vm-1')).toBe('127.0.0.1');
    expect(defaultAdvertiseHost('10.0.0.5', 'vm-1')).toBe('10.0.0.5');
    for (const wildcard of ['0.0.0.0', '::', ''])
      expect(defaultAdvertiseHost(wildcard, 'vm-1')).toBe('vm-1');
  });
});

describe('the director registers itself in ZooKeeper, with ACLs', () => {
  it('registers under its cluster, readable by the scheduler only; moves and goes away', async () => {
    const d = new Director(
      {
        ...DEFAULTS,
        zk: connect,
        zkAuth: 'director:director-secret',
        framework: 'reg',
        cluster: 'a',
        host: '127.0.0.1',
        advertiseHost: 'proxy.example',
        pbPort: 0,
        httpPort: 0,
        api: { ...DEFAULTS.api, enabled: false },
      },
      { logger },
    );
    await d.start();
    let stopped = false;
    try {
      const id = registrationId('proxy.example', d.ports.pb);
      const path = layout.director('a', id);
      await waitFor(async () => (await scheduler.exists(path)) !== null, {
        timeoutMs: 15000,
        what: 'the registration',
      });
      const reg = directorRegistrationSchema.parse(
        JSON.parse((await scheduler.get(path)).data.toString('utf8')),
      );
      expect(reg).toMatchObject({
        framework: 'reg',
        cluster: 'a',
        host: 'proxy.example',
        pbPort: d.ports.pb,
        httpPort: d.ports.http,
      });
      expect((await scheduler.exists(path))!.ephemeralOwner).not.toBe('0');
      // The rule's ACL: the director and the scheduler, nobody else.
      expect(aclText(await scheduler.getAcl(path))).toBe(aclText(frameworkAcl(layout, path, ids)));
      await expect(node.get(path)).rejects.toBeInstanceOf(NoAuthError);
      await expect(node.create(layout.director('a', 'fake-1'), '{}')).rejects.toBeInstanceOf(
        NoAuthError,
      );

      // Re-pointed: the registration moves to the other cluster.
      d.configure('reg', 'b');
      const moved = layout.director('b', id);
      await waitFor(
        async () => (await scheduler.exists(moved)) !== null && !(await scheduler.exists(path)),
        { timeoutMs: 15000, what: 'the registration to move' },
      );
      await d.stop(0);
      stopped = true;
      expect(await scheduler.children(layout.directors('b'))).toEqual([]);
    } finally {
      if (!stopped) await d.stop(0);
    }
  }, 60000);

  it('waits for its cluster: registers once the scheduler has made the directors node', async () => {
    const director = await ZkClient.connect({
      connect,
      auth: [creds.director],
      defaultAcl: 'creator-all',
    });
    const r = new Registrar(director, {
      host: '127.0.0.1',
      pbPort: 8087,
      httpPort: 8098,
      selfId: ids.director,
      retryMs: 100,
      logger,
    });
    try {
      await r.moveTo({ framework: 'reg', cluster: 'later' });
      expect(r.registered).toBeUndefined();
      await directorsNode('later');
      await waitFor(() => r.registered !== undefined, { timeoutMs: 10000, what: 'registered' });
      expect(await scheduler.children(layout.directors('later'))).toEqual(['127.0.0.1-8087']);
      await r.stop();
      expect(await scheduler.children(layout.directors('later'))).toEqual([]);
    } finally {
      await r.stop();
      await director.close();
    }
  }, 30000);
});
