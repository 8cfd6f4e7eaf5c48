// ZooKeeper ACLs with a real ZooKeeper (docs/security.md, "ZooKeeper"): what the scheduler
// makes at start, what executors and EPMD replacements publish, and who may touch which.
import { PassThrough } from 'node:stream';
import { EpmdServer, ZkStore } from '@riak-mesos/epmd';
import { directorsNodeSchema, splitZkCredential } from '@riak-mesos/framework-contract';
import type { FrameworkZkCredentials } from '@riak-mesos/framework-contract';
import type { Logger } from '@riak-mesos/logging';
import { createLogger } from '@riak-mesos/logging';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { freePort, startZooKeeper, uniqueChroot } from '@riak-mesos/testing';
import type { FrameworkLayout } from '@riak-mesos/zk';
import {
  LeaderElection,
  NoAuthError,
  ZkClient,
  digestId,
  directorRegistrationAcl,
  frameworkLayout,
  frameworkZkOptions,
  joinPath,
} from '@riak-mesos/zk';
import { transports } from 'winston';
import { schedulerSecrets } from './api/auth';
import { SchedulerStore } from './store';
import { connectSchedulerZk, nodeZkAuth } from './zk-access';

const credentials: FrameworkZkCredentials = {
  scheduler: 'sched:scheduler-secret-1',
  node: 'node:node-secret-123',
  director: 'director:director-secret-1',
};
const quiet = createLogger('zk-acl-test', { level: 'error' });

let server: ZooKeeperServer;
const clients: ZkClient[] = [];
const closers: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  server = await startZooKeeper();
});

afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await server.close();
});

async function connect(connectString: string, as?: 'node' | 'director'): Promise<ZkClient> {
  const framework = 'secured';
  let options = {};
  if (as === 'node') {
    const auth = nodeZkAuth(credentials);
    const node = splitZkCredential(auth.node);
    options = frameworkZkOptions(frameworkLayout(framework), node, {
      scheduler: auth.schedulerId,
      node: digestId(node.user, node.password),
      director: auth.directorId,
    });
  } else if (as === 'director')
    options = { auth: [splitZkCredential(credentials.director)], defaultAcl: 'creator-all' };
  const c = await ZkClient.connect({ connect: connectString, sessionTimeoutMs: 4000, ...options });
  clients.push(c);
  return c;
}

/**
 * What a scheduler makes at its start, as main.ts does it: its session (securing in place), its
 * paths, secrets, leader election; then a cluster with nodes and a plan.
 */
async function runScheduler(
  connectString: string,
  withCredentials: boolean,
  logger: Logger = quiet,
): Promise<{ zk: ZkClient; layout: FrameworkLayout }> {
  const zk = await connectSchedulerZk({
    connect: connectString,
    framework: 'secured',
    ...(withCredentials ? { credentials } : {}),
    sessionTimeoutMs: 4000,
    logger,
  });
  clients.push(zk);
  const store = new SchedulerStore(zk, 'secured', quiet);
  await store.init();
  closers.push(() => store.close());
  await schedulerSecrets(zk, store.layout, true);
  const election = new LeaderElection(zk, store.layout.schedulerLeader, '{}', quiet);
  await election.start();
  closers.push(() => election.stop());
  if (!(await store.getCluster('default'))) {
    await store.createCluster('default', 'riak-kv-3.2');
    await store.addNodes('default', 1);
    await zk.create(store.layout.plan('default', 'p1'), '{}', { parents: true });
  }
  return { zk, layout: store.layout };
}

/** What a node publishes: its EPMD registration (through the EPMD replacement) and its endpoints. */
async function runNode(zk: ZkClient, layout: FrameworkLayout): Promise<void> {
  const store = new ZkStore(zk, 'secured', '127.0.0.1', quiet);
  const epmd = new EpmdServer({ port: await freePort(), addresses: ['127.0.0.1'], store });
  await epmd.start();
  closers.push(() => epmd.stop());
  await store.register({
    name: 'riak-default-1',
    port: 40000,
    nodeType: 77,
    protocol: 0,
    highestVersion: 6,
    lowestVersion: 5,
    extra: Buffer.alloc(0),
    creation: 1,
  });
  await zk.createEphemeral(layout.coordinatedNode('riak-default-1-task'), '{}', { parents: true });
}

/** Every path under `from`, as the scheduler sees them. */
async function tree(zk: ZkClient, from: string): Promise<string[]> {
  const out = [from];
  for (const c of await zk.children(from)) out.push(...(await tree(zk, joinPath(from, c))));
  return out;
}

async function refused(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return false;
  } catch (err) {
    if (err instanceof NoAuthError) return true;
    throw err;
  }
}

describe('ZooKeeper ACLs, with a real ZooKeeper', () => {
  it('an anonymous client can neither read nor write anything under the framework root', async () => {
    const at = server.connectString + uniqueChroot('acl-anon');
    const { zk, layout } = await runScheduler(at, true);
    await runNode(await connect(at, 'node'), layout);
    const paths = await tree(zk, layout.root);
    for (const p of [
      layout.cluster('default'),
      layout.apiToken,
      layout.executorKey,
      layout.plan('default', 'p1'),
      layout.erlpmdNode('riak-default-1'),
      layout.coordinatedNode('riak-default-1-task'),
    ])
      expect(paths).toContain(p);
    expect(paths.some((p) => p.startsWith(`${layout.schedulerLeader}/`))).toBe(true);
    expect(paths.some((p) => p.startsWith(`${layout.nodes}/`))).toBe(true);

    const anonymous = await connect(at);
    const allowed: string[] = [];
    for (const p of paths) {
      if (!(await refused(anonymous.get(p)))) allowed.push(`get ${p}`);
      if (!(await refused(anonymous.children(p)))) allowed.push(`children ${p}`);
      if (!(await refused(anonymous.set(p, 'x')))) allowed.push(`set ${p}`);
      if (!(await refused(anonymous.create(`${p}/intruder`, 'x')))) allowed.push(`create in ${p}`);
      if (p !== layout.root && !(await refused(anonymous.delete(p)))) allowed.push(`delete ${p}`);
    }
    expect(allowed).toEqual([]);
  });

  it('the director reads the published nodes, not the clusters (cookies) nor the secrets', async () => {
    const at = server.connectString + uniqueChroot('acl-director');
    const { layout } = await runScheduler(at, true);
    await runNode(await connect(at, 'node'), layout);
    const director = await connect(at, 'director');
    expect(await director.children(layout.coordinatedNodes)).toEqual(['riak-default-1-task']);
    expect(
      (await director.get(layout.coordinatedNode('riak-default-1-task'))).data.toString(),
    ).toBe('{}');
    expect(await director.children('/riak/frameworks')).toEqual(['secured']);
    for (const read of [
      () => director.get(layout.cluster('default')),
      () => director.children(layout.clusters),
      () => director.get(layout.apiToken),
      () => director.get(layout.executorKey),
      () => director.children(layout.secrets),
      () => director.get(layout.erlpmdNode('riak-default-1')),
      () => director.set(layout.coordinatedNode('riak-default-1-task'), 'x'),
      () => director.delete(layout.coordinatedNode('riak-default-1-task')),
      () => director.create(layout.coordinatedNode('fake'), '{}'),
    ])
      expect(await refused(read())).toBe(true);
  });

  it('the director registers under its cluster, the scheduler reads it, the node identity cannot', async () => {
    const at = server.connectString + uniqueChroot('acl-directors');
    const { zk, layout } = await runScheduler(at, true);
    const director = await connect(at, 'director');
    const node = await connect(at, 'node');
    // The scheduler made the cluster's directors node, its own id in the data.
    const { schedulerId } = directorsNodeSchema.parse(
      JSON.parse((await director.get(layout.directors('default'))).data.toString()),
    );
    expect(schedulerId).toBe(digestId('sched', 'scheduler-secret-1'));
    const self = digestId('director', 'director-secret-1');
    const path = layout.director('default', 'proxy-8087');
    await director.createEphemeral(path, '{"r":1}', {
      acl: directorRegistrationAcl({ scheduler: schedulerId!, director: self }),
    });
    expect((await zk.get(path)).data.toString()).toBe('{"r":1}');
    expect(await zk.children(layout.directors('default'))).toEqual(['proxy-8087']);
    for (const attempt of [
      () => node.get(path),
      () => node.create(layout.director('default', 'fake'), '{}'),
      () => node.delete(path),
      () => director.create(`${layout.cluster('default')}/other`, '{}'),
      () => director.get(layout.cluster('default')),
    ])
      expect(await refused(attempt())).toBe(true);
    await director.delete(path);
    expect(await zk.children(layout.directors('default'))).toEqual([]);
  });

  it('the node identity cannot read the secrets or the clusters', async () => {
    const at = server.connectString + uniqueChroot('acl-node');
    const { layout } = await runScheduler(at, true);
    const node = await connect(at, 'node');
    await runNode(node, layout);
    expect(await node.children(layout.erlpmdNodes)).toEqual(['riak-default-1']);
    for (const read of [
      () => node.get(layout.cluster('default')),
      () => node.children(layout.clusters),
      () => node.get(layout.apiToken),
      () => node.get(layout.executorKey),
      () => node.children(layout.secrets),
      () => node.children(layout.nodes),
      () => node.set(layout.root, '{}'),
      () => node.create(layout.cluster('mine'), '{}'),
    ])
      expect(await refused(read())).toBe(true);
  });

  it('secures an open layout in place, logging what it changed; without credentials it warns', async () => {
    const at = server.connectString + uniqueChroot('acl-in-place');
    const lines: Record<string, unknown>[] = [];
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => {
      for (const l of chunk.toString('utf8').split('\n'))
        if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
    });
    const logger = createLogger('zk-acl-test', {
      level: 'info',
      format: 'json',
      transports: [new transports.Stream({ stream })],
    });
    // An older scheduler, and a node, without credentials.
    const open = await runScheduler(at, false, logger);
    await runNode(await connect(at), open.layout);
    expect(
      lines.some((l) => l.level === 'warn' && /ZooKeeper is OPEN/.test(String(l.message))),
    ).toBe(true);
    const anonymous = await connect(at);
    expect((await anonymous.get(open.layout.apiToken)).data.length).toBeGreaterThan(0);
    for (const c of closers.splice(0).reverse()) await c();
    await open.zk.close();

    // The same layout, with credentials.
    const { zk, layout } = await runScheduler(at, true, logger);
    const set = lines.filter((l) => l.message === 'ZooKeeper ACL set').map((l) => l.path);
    expect(set).toEqual(
      expect.arrayContaining([
        layout.root,
        layout.cluster('default'),
        layout.apiToken,
        layout.executorKey,
        layout.erlpmdNode('riak-default-1'),
      ]),
    );
    for (const p of await tree(zk, layout.root)) {
      expect(await refused(anonymous.get(p))).toBe(true);
      expect(await refused(anonymous.children(p))).toBe(true);
    }
    // Idempotent: a second start changes nothing.
    for (const c of closers.splice(0).reverse()) await c();
    const before = lines.length;
    await runScheduler(at, true, logger);
    expect(lines.slice(before).filter((l) => l.message === 'ZooKeeper ACL set')).toEqual([]);
  });
});
