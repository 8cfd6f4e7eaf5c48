/**
 * The real executor package with the real Riak KV 3.2 package, on local Mesos, with a real ZooKeeper:
 * launch to TASK_RUNNING and the published node, failures with reasons and nothing left running,
 * kill (the node unpublished while Riak still answers, then stopped), a crashed Riak, relaunch on
 * the same volume, join and a repeated leave through framework messages, finish answered before
 * the task ends, and an answer that outlives the agent being unreachable for 10 s. Security: the
 * cookie only in files of mode 0600 (never in Mesos state or the log), distribution and EPMD on
 * the node's own address, a guessed cookie refused by the real node, an EPMD name held by
 * another host's live node never taken over, and ZooKeeper ACLs on (the node identity from the
 * task data; nothing for anonymous clients).
 *
 * Over 400 lines: every test shares one local Mesos, ZooKeeper and real Riak package (slow to
 * start on two cores) and several follow one node through its life, so they live in one file.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { ZkStore } from '@riak-mesos/epmd';
import { resources as R } from '@riak-mesos/mesos';
import { processesUnder } from '@riak-mesos/process';
import { RiakPbClient } from '@riak-mesos/riak-pb';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { freePort, startZooKeeper, tempDir, uniqueChroot, waitFor } from '@riak-mesos/testing';
import {
  NoAuthError,
  ZkClient,
  aclText,
  digestId,
  frameworkAcl,
  frameworkLayout,
  frameworkZkOptions,
} from '@riak-mesos/zk';
import type { LocalMesos } from './test-support/harness';
import {
  TestScheduler,
  buildArtifacts,
  startLocalMesos,
  startTemplateServer,
} from './test-support/harness';

let work: string;
let zkServer: ZooKeeperServer;
let zk: ZkClient;
let chroot: string;
let mesos: LocalMesos;
let templates: Awaited<ReturnType<typeof startTemplateServer>>;
let sched: TestScheduler;
const FW = 'exectest';
/** The cluster's cookie, as the scheduler makes it: 128 random bits. */
const COOKIE = randomBytes(16).toString('hex');
const FAST_HANDOFF = `[{riak_core, [{vnode_inactivity_timeout, 2000}, {vnode_management_timer, 1000},
  {handoff_concurrency, 4}]}].`;

/**
 * ZooKeeper ACLs on, as the scheduler runs them (docs/security.md, "ZooKeeper"): the test reads
 * as the scheduler identity, another host's node as the node identity, and executors get the node
 * identity in their task data.
 */
const ZK_CREDS = {
  scheduler: { user: 'sched', password: 'scheduler-secret' },
  node: { user: 'node', password: 'node-secret-1' },
  director: { user: 'director', password: 'director-secret' },
};
const ZK_IDS = {
  scheduler: digestId(ZK_CREDS.scheduler.user, ZK_CREDS.scheduler.password),
  node: digestId(ZK_CREDS.node.user, ZK_CREDS.node.password),
  director: digestId(ZK_CREDS.director.user, ZK_CREDS.director.password),
};
const zkAs = (role: 'scheduler' | 'node') =>
  ZkClient.connect({
    connect: zkServer.connectString + chroot,
    ...frameworkZkOptions(frameworkLayout(FW), ZK_CREDS[role], ZK_IDS),
  });

function taskData(key: string, host: string, ports: number[], extra: Record<string, unknown> = {}) {
  return {
    FullyQualifiedNodeName: `${key}@${host}`,
    Host: host,
    Zookeepers: [zkServer.connectString],
    ZookeeperChroot: chroot,
    FrameworkName: FW,
    URI: templates.url,
    ClusterName: 'c1',
    HTTPPort: ports[0],
    PBPort: ports[1],
    DisterlPort: ports[2],
    HandoffPort: ports[3],
    Cookie: COOKIE,
    ZkAuth: {
      node: `${ZK_CREDS.node.user}:${ZK_CREDS.node.password}`,
      schedulerId: ZK_IDS.scheduler,
      directorId: ZK_IDS.director,
    },
    ...extra,
  };
}

/** Files named `name` below `dir`. */
function findFiles(dir: string, name: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => basename(f) === name)
    .map((f) => join(dir, f));
}

const agents = async () => (await mesos.state()).agents;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The JSON log lines an executor wrote to its sandbox's stderr. */
function executorLog(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

/** Whether Riak answers a PB ping on `port` right now ('pong', or why not). */
async function pbPing(host: string, port: number): Promise<string> {
  try {
    const pb = await RiakPbClient.connect(port, host, 1000);
    try {
      await pb.ping();
      return 'pong';
    } finally {
      pb.close();
    }
  } catch (err) {
    return (err as Error).message;
  }
}

/** The addresses listening on TCP `port` (IPv4 and IPv6 tables of the kernel). */
function listeners(port: number): string[] {
  const out: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6'])
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const [local, , st] = line.trim().split(/\s+/).slice(1, 4);
      if (st !== '0A' || !local) continue;
      const [ip, p] = local.split(':');
      if (parseInt(p, 16) !== port) continue;
      out.push(
        ip.length === 8
          ? [3, 2, 1, 0].map((i) => parseInt(ip.slice(i * 2, i * 2 + 2), 16)).join('.')
          : `[${ip}]`,
      );
    }
  return out.sort();
}

/** `net_adm:ping` of `node` from a real Erlang node holding `cookie`, through the node's EPMD. */
async function erlPing(node: string, epmdPort: number, cookie: string): Promise<string> {
  const beamDir = await tempDir('ping-beam');
  execFileSync('erlc', [
    '-o',
    beamDir,
    join(__dirname, '..', '..', '..', 'libs', 'epmd', 'erlang', 'riak_mesos_epmd.erl'),
  ]);
  const { stdout } = await promisify(execFile)(
    'erl',
    [
      '-noshell',
      '-noinput',
      '-name',
      `probe${randomBytes(3).toString('hex')}@127.0.0.1`,
      '-setcookie',
      cookie,
      '-start_epmd',
      'false',
      '-epmd_module',
      'riak_mesos_epmd',
      '-epmd_port',
      String(epmdPort),
      '-pa',
      beamDir,
      '-eval',
      `io:format("~p~n", [net_adm:ping('${node}')]), halt().`,
    ],
    { env: { ...process.env, ERL_EPMD_PORT: String(epmdPort) }, timeout: 60000 },
  );
  return stdout.trim();
}

/** Processes still running in the sandboxes of `key`'s executors. */
const leftovers = () => processesUnder(join(work, 'mesos'));

beforeAll(async () => {
  await buildArtifacts();
  work = await tempDir('executor-test');
  zkServer = await startZooKeeper();
  chroot = uniqueChroot('executor');
  zk = await ZkClient.connect({ connect: zkServer.connectString });
  await zk.ensurePath(chroot);
  await zk.close();
  zk = await zkAs('scheduler');
  // The scheduler makes the paths executors write under (SchedulerStore.init).
  await zk.ensurePath(frameworkLayout(FW).coordinatedNodes);
  await zk.ensurePath(frameworkLayout(FW).erlpmdNodes);
  templates = await startTemplateServer();
  mesos = await startLocalMesos(join(work, 'mesos'));
  sched = await new TestScheduler(mesos.url).start();
}, 120000);

afterAll(async () => {
  await sched?.client.stop();
  await mesos?.close();
  await templates?.close();
  await zk?.close();
  await zkServer?.close();
  if (work && !process.env.KEEP_TEST_DIRS) await rm(work, { recursive: true, force: true });
}, 60000);

describe('real Riak: the executor on local Mesos', () => {
  it('fails bad task data with the reason, leaving nothing running', async () => {
    const [a] = await agents();
    const { offer, ports } = await sched.reserve('bad-1', a.id);
    const before = sched.updates.length;
    await sched.launch(offer, 'bad-1', {
      ...taskData('bad-1', a.hostname, ports),
      HTTPPort: 'eighty',
    });
    const failed = await sched.update('bad-1', ['TASK_FAILED'], before);
    expect(failed.message).toMatch(/invalid task data: HTTPPort/);
    expect(sched.updates.slice(before).map((u) => u.state)).toContain('TASK_STARTING');
    await waitFor(() => leftovers().length === 0, {
      timeoutMs: 20000,
      what: 'the executor to exit',
    });
  });

  it('fails when the scheduler cannot be reached, with the reason, leaving nothing running', async () => {
    const [, b] = await agents();
    const { offer, ports } = await sched.reserve('bad-2', b.id);
    const before = sched.updates.length;
    const closed = await freePort(); // nothing listens there
    await sched.launch(
      offer,
      'bad-2',
      taskData('bad-2', b.hostname, ports, { URI: `http://127.0.0.1:${closed}/` }),
    );
    const failed = await sched.update('bad-2', ['TASK_FAILED'], before);
    expect(failed.message).toMatch(
      /cannot fetch config template from the scheduler at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/clusters\/c1\/config: ECONNREFUSED/,
    );
    await waitFor(() => leftovers().length === 0, {
      timeoutMs: 20000,
      what: 'the executor to exit',
    });
  });

  it("fails a configuration Riak rejects with cuttlefish's message, before starting anything", async () => {
    const [, , c] = await agents();
    templates.templates.set('/api/v1/clusters/bad-conf/config', 'search = on\nring_size = 16\n');
    const { offer, ports } = await sched.reserve('bad-3', c.id);
    const before = sched.updates.length;
    await sched.launch(
      offer,
      'bad-3',
      taskData('bad-3', c.hostname, ports, { ClusterName: 'bad-conf' }),
    );
    const failed = await sched.update('bad-3', ['TASK_FAILED', 'TASK_RUNNING'], before);
    expect(failed.state).toBe('TASK_FAILED');
    expect(failed.message).toMatch(
      /Riak rejected the rendered configuration \(cuttlefish\): .*unknown variable: search/,
    );
    await waitFor(() => leftovers().length === 0, {
      timeoutMs: 20000,
      what: 'the executor to exit',
    });
  });

  it("fails rather than take over the EPMD name another host's live node holds, which stays", async () => {
    const [, , c] = await agents();
    // Another host's node holds the name (a live ZooKeeper session: its registration is ephemeral).
    const other = await zkAs('node');
    const store = new ZkStore(other, FW, '127.0.0.9');
    try {
      expect(
        await store.register({
          name: 'bad-4',
          port: 45999,
          nodeType: 77,
          protocol: 0,
          highestVersion: 6,
          lowestVersion: 5,
          extra: Buffer.alloc(0),
          creation: 7,
        }),
      ).toBe(true);
      const { offer, ports } = await sched.reserve('bad-4', c.id);
      const before = sched.updates.length;
      await sched.launch(offer, 'bad-4', taskData('bad-4', c.hostname, ports));
      const failed = await sched.update('bad-4', ['TASK_FAILED', 'TASK_RUNNING'], before, 90000);
      expect([failed.state, failed.message]).toEqual([
        'TASK_FAILED',
        `the Erlang name bad-4 is held in the EPMD registrations by a live node on 127.0.0.9 (ZooKeeper session ${other.sessionId}); it is not taken over`,
      ]);
      expect(await store.owner('bad-4')).toEqual({ host: '127.0.0.9', session: other.sessionId });
      await waitFor(() => leftovers().length === 0, {
        timeoutMs: 20000,
        what: 'the executor to exit',
      });
    } finally {
      await store.close();
      await other.close();
    }
  }, 120000);

  let nodeA: { key: string; agent: string; host: string; ports: number[]; executorId: string };

  it('launches Riak to TASK_RUNNING, publishes the node, and applies templates', async () => {
    const [a] = await agents();
    templates.templates.set(
      '/api/v1/clusters/c1/config',
      'ring_size = 16\nanti_entropy = passive\nnodename = overridden@nowhere\ndistributed_cookie = cluster-secret\n',
    );
    // Riak hands a vnode off once it has been idle for vnode_inactivity_timeout (60 s by
    // default): a test cluster hands off within seconds.
    templates.templates.set('/api/v1/clusters/c1/advancedConfig', FAST_HANDOFF);
    const { offer, ports } = await sched.reserve('node-a', a.id);
    const before = sched.updates.length;
    const task = await sched.launch(offer, 'node-a', taskData('node-a', a.hostname, ports));
    const running = await sched.update('node-a', ['TASK_RUNNING', 'TASK_FAILED'], before);
    expect(running.message).toMatch(/is up/);
    expect(running.state).toBe('TASK_RUNNING');
    const data = JSON.parse(Buffer.from(running.data!).toString()) as Record<string, unknown>;
    expect(data).toMatchObject({
      RexPort: ports[0],
      NodeName: `node-a@${a.hostname}`,
      EpmdPort: ports[4],
    });
    const publishedPath = frameworkLayout(FW).coordinatedNode('node-a');
    const published = JSON.parse((await zk.get(publishedPath)).data.toString()) as Record<
      string,
      unknown
    >;
    // Published and registered with the framework's ACLs: nothing for anonymous clients.
    const registration = frameworkLayout(FW).erlpmdNode('node-a');
    for (const p of [publishedPath, registration])
      expect(aclText(await zk.getAcl(p))).toBe(
        aclText(frameworkAcl(frameworkLayout(FW), p, ZK_IDS)),
      );
    const anonymous = await ZkClient.connect({ connect: zkServer.connectString + chroot });
    try {
      await expect(anonymous.get(publishedPath)).rejects.toBeInstanceOf(NoAuthError);
      await expect(anonymous.get(registration)).rejects.toBeInstanceOf(NoAuthError);
    } finally {
      await anonymous.close();
    }
    expect(published).toEqual({
      FrameworkName: FW,
      ClusterName: 'c1',
      NodeName: `node-a@${a.hostname}`,
      DisterlPort: ports[2],
      PBPort: ports[1],
      HTTPPort: ports[0],
      Hostname: a.hostname,
    });
    // The template's own settings stay, the framework's controlled ones win, and a cookie the
    // cluster's template sets is kept over the framework's.
    const confs = findFiles(join(work, 'mesos'), 'riak.conf').filter((f) =>
      f.includes(task.executor!.executor_id.value),
    );
    expect(confs).toHaveLength(1);
    const conf = readFileSync(confs[0], 'utf8');
    expect(conf).toMatch(/^ring_size = 16$/m);
    expect(conf).toMatch(
      new RegExp(`^nodename = node-a@${a.hostname.replace(/\./g, '\\.')}$`, 'm'),
    );
    expect(conf).toMatch(/^distributed_cookie = cluster-secret$/m);
    expect(conf).not.toContain(COOKIE);
    expect(conf).not.toMatch(/overridden@nowhere/);
    // The replication cluster manager binds the node's own address, in both files.
    expect(conf).toMatch(
      new RegExp(`^mdc.cluster_manager = ${a.hostname.replace(/\./g, '\\.')}:${ports[5]}$`, 'm'),
    );
    const advanced = readFileSync(confs[0].replace(/riak\.conf$/, 'advanced.config'), 'utf8');
    expect(advanced).toContain(`{cluster_mgr, {"${a.hostname}", ${ports[5]}}}`);
    expect(advanced).toContain('{vnode_inactivity_timeout, 2000}');
    expect(advanced).toContain('{"-start_epmd", "false"}');
    // The double slash of the original is gone.
    expect(templates.requests).toContain('/api/v1/clusters/c1/config');
    expect(templates.requests.some((r) => r.startsWith('//'))).toBe(false);
    const pb = await RiakPbClient.connect(ports[1], a.hostname);
    try {
      expect((await pb.serverInfo()).node).toBe(`node-a@${a.hostname}`);
      await pb.put('b', 'before-relaunch', 'kept on the volume');
    } finally {
      pb.close();
    }
    // The EPMD replacement is the only EPMD: the release's scripts started no stock `epmd`.
    const epmds = leftovers().filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'epmd';
      } catch {
        return false;
      }
    });
    expect(epmds).toEqual([]);
    nodeA = {
      key: 'node-a',
      agent: a.id,
      host: a.hostname,
      ports,
      executorId: task.executor!.executor_id.value,
    };
  });

  it('kills with TASK_KILLED: unpublishes the node while Riak still answers, then stops it', async () => {
    // What a client sees at the moment the director learns the node is gone: Riak still answers
    // (the drain), and only afterwards is it stopped.
    let atUnpublish: Promise<string> | undefined;
    const published = await zk.getWatched(frameworkLayout(FW).coordinatedNode('node-a'), () => {
      atUnpublish ??= pbPing(nodeA.host, nodeA.ports[1]);
    });
    expect(published).not.toBeNull();
    const before = sched.updates.length;
    await sched.client.kill({ value: 'node-a' }, { value: nodeA.agent });
    await sched.update('node-a', ['TASK_KILLED'], before, 60000);
    expect(atUnpublish).toBeDefined();
    expect(await atUnpublish).toBe('pong');
    expect(await pbPing(nodeA.host, nodeA.ports[1])).not.toBe('pong');
    await waitFor(() => leftovers().length === 0, {
      timeoutMs: 30000,
      what: 'every process to be gone',
    });
    expect(await zk.exists(frameworkLayout(FW).coordinatedNode('node-a'))).toBeNull();
  });

  it('relaunches on the same volume in a fresh sandbox and keeps the data', async () => {
    // Once the old executor is gone its share of the reservation is offered again.
    const offer = await sched.offerMatching(
      nodeA.agent,
      (o) =>
        R.findVolume(o, 'vol-node-a') !== undefined &&
        R.scalarSum(R.reservedWithLabel(o, 'riak', 'node', 'node-a'), 'cpus') >= 0.6 - 1e-9,
    );
    // From now on the cluster's template sets no cookie: the framework's per-cluster one is used.
    templates.templates.set(
      '/api/v1/clusters/c1/config',
      'ring_size = 16\nanti_entropy = passive\nnodename = overridden@nowhere\n',
    );
    const before = sched.updates.length;
    const task = await sched.launch(offer, 'node-a', taskData('node-a', nodeA.host, nodeA.ports));
    const up = await sched.update(
      'node-a',
      ['TASK_RUNNING', 'TASK_FAILED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED'],
      before,
    );
    expect([up.state, up.message]).toEqual(['TASK_RUNNING', expect.stringMatching(/is up/)]);
    nodeA.executorId = task.executor!.executor_id.value;
    const pb = await RiakPbClient.connect(nodeA.ports[1], nodeA.host);
    try {
      expect((await pb.get('b', 'before-relaunch'))?.value.toString()).toBe('kept on the volume');
    } finally {
      pb.close();
    }
  });

  it("keeps the cluster's cookie secret and the distribution on the node's address; a guessed cookie is refused", async () => {
    const [conf] = findFiles(join(work, 'mesos'), 'riak.conf').filter((f) =>
      f.includes(`/${nodeA.executorId}/`),
    );
    const sandbox = join(conf, '..', '..', '..', '..');
    const root = join(sandbox, 'root', 'riak');
    expect(readFileSync(conf, 'utf8')).toMatch(new RegExp(`^distributed_cookie = ${COOKIE}$`, 'm'));
    // Every file holding the cookie is the task user's alone.
    const holding = readdirSync(sandbox, { recursive: true, encoding: 'utf8' })
      .map((f) => join(sandbox, f))
      .filter((f) => lstatSync(f).isFile() && readFileSync(f).includes(COOKIE));
    // riak.conf, and the vm.args cuttlefish generates from it (the executor's check, and again
    // Riak's own start).
    const names = holding.map((f) => f.slice(root.length + 1)).sort();
    expect(names[0]).toBe('etc/riak.conf');
    expect(names.slice(1)).toEqual(
      names.slice(1).map(() => expect.stringMatching(/^generated\.conf\/vm\.[\d.]+\.args$/)),
    );
    expect(names.length).toBeGreaterThanOrEqual(2);
    for (const f of holding) expect([f, statSync(f).mode & 0o777]).toEqual([f, 0o600]);
    expect(statSync(join(root, 'generated.conf')).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(root, names[1]), 'utf8')).toMatch(
      new RegExp(`^-setcookie ${COOKIE}$`, 'm'),
    );
    // Nowhere in what Mesos shows, nor in the executor's log.
    expect(JSON.stringify(await mesos.state())).not.toContain(COOKIE);
    const masterState = await (await fetch(`${mesos.url}/master/state`)).text();
    expect(masterState).not.toContain(COOKIE);
    for (const log of ['stdout', 'stderr'])
      expect(readFileSync(join(sandbox, log), 'utf8')).not.toContain(COOKIE);
    // The node's ZooKeeper password neither (docs/security.md, "ZooKeeper"), nor in any file.
    expect(masterState).not.toContain(ZK_CREDS.node.password);
    for (const log of ['stdout', 'stderr'])
      expect(readFileSync(join(sandbox, log), 'utf8')).not.toContain(ZK_CREDS.node.password);
    expect(
      readdirSync(sandbox, { recursive: true, encoding: 'utf8' })
        .map((f) => join(sandbox, f))
        .filter((f) => lstatSync(f).isFile() && readFileSync(f).includes(ZK_CREDS.node.password)),
    ).toEqual([]);
    // The distribution listens on the node's address only, its EPMD on loopback only.
    expect(listeners(nodeA.ports[2])).toEqual([nodeA.host]);
    expect(listeners(nodeA.ports[4])).toEqual(['127.0.0.1']);
    // A real Erlang node: the old guessable cookie gets pang, the cluster's own pong.
    const node = `node-a@${nodeA.host}`;
    expect(await erlPing(node, nodeA.ports[4], `${FW}-c1`)).toBe('pang');
    expect(await erlPing(node, nodeA.ports[4], COOKIE)).toBe('pong');
  }, 120000);

  it('joins and leaves through framework messages, as member-status shows', async () => {
    const [, b] = await agents();
    const { offer, ports } = await sched.reserve('node-b', b.id);
    const before = sched.updates.length;
    const task = await sched.launch(offer, 'node-b', taskData('node-b', b.hostname, ports));
    await sched.update('node-b', ['TASK_RUNNING'], before);
    await sched.send(b.id, task.executor!.executor_id.value, {
      id: 'join-1',
      type: 'join',
      target: `node-a@${nodeA.host}`,
    });
    const joined = await sched.reply('join-1');
    expect(joined.error).toBeUndefined();
    expect(joined).toMatchObject({ ok: true, type: 'join', id: 'join-1' });
    const members = (joined.result as { members: { name: string; status: string }[] }).members;
    expect(members.map((m) => [m.name, m.status]).sort()).toEqual([
      [`node-a@${nodeA.host}`, 'valid'],
      [`node-b@${b.hostname}`, 'valid'],
    ]);
    await sched.send(nodeA.agent, nodeA.executorId, { id: 'status-1', type: 'status' });
    const status = await sched.reply('status-1');
    expect(status).toMatchObject({ ok: true, result: { ringReady: true } });

    // A leave answered once committed: the node is unpublished first, and hands its data off.
    const execB = task.executor!.executor_id.value;
    await sched.send(b.id, execB, { id: 'leave-1', type: 'leave', wait: false });
    const leaving = await sched.reply('leave-1');
    expect(leaving).toMatchObject({ ok: true, type: 'leave', already: false });
    expect(['leaving', 'left']).toContain(leaving.state);
    expect(await zk.exists(frameworkLayout(FW).coordinatedNode('node-b'))).toBeNull();
    // Asked again (a scheduler that lost the answer, or took over): success, once it has left.
    await sched.send(b.id, execB, { id: 'leave-2', type: 'leave' });
    expect(await sched.reply('leave-2')).toMatchObject({
      ok: true,
      type: 'leave',
      state: 'left',
      already: true,
    });
    await sched.send(b.id, execB, { id: 'leave-3', type: 'leave' });
    expect(await sched.reply('leave-3')).toMatchObject({ ok: true, state: 'left', already: true });
    await sched.send(nodeA.agent, nodeA.executorId, { id: 'status-2', type: 'status' });
    const after = await sched.reply('status-2');
    expect((after.result as { members: { name: string }[] }).members.map((m) => m.name)).toEqual([
      `node-a@${nodeA.host}`,
    ]);
    // Leaving is not a failure: finish is answered, then ends the task cleanly.
    const finishedAt = sched.updates.length;
    await sched.send(b.id, execB, { id: 'finish-1', type: 'finish' });
    await sched.update('node-b', ['TASK_FINISHED'], finishedAt, 60000);
    expect(await sched.reply('finish-1', 1000)).toEqual({
      version: 1,
      id: 'finish-1',
      type: 'finish',
      ok: true,
    });
    const arrivals = sched.arrivals;
    expect(arrivals.indexOf('message finish-1')).toBeGreaterThanOrEqual(0);
    expect(arrivals.indexOf('message finish-1')).toBeLessThan(
      arrivals.indexOf('update node-b TASK_FINISHED'),
    );
    expect(
      sched.updates
        .slice(before)
        .some((u) => u.task_id.value === 'node-b' && u.state === 'TASK_FAILED'),
    ).toBe(false);
  });

  it('keeps running while the agent is unreachable for 10 s during an answer, which arrives when it is back', async () => {
    const [stderr] = findFiles(join(work, 'mesos'), 'stderr').filter((f) =>
      f.includes(`/${nodeA.executorId}/`),
    );
    expect(stderr).toBeDefined();
    const before = sched.updates.length;
    // Creating and activating a bucket type takes several riak-admin calls: the agent goes away
    // while the executor works on it, so the answer finds no agent.
    await sched.send(nodeA.agent, nodeA.executorId, {
      id: 'outage-1',
      type: 'bucket-type',
      bucketType: 'outage',
      props: { n_val: 1 },
    });
    await waitFor(
      () =>
        executorLog(stderr).some((l) => l.message === 'framework message' && l.id === 'outage-1'),
      { timeoutMs: 30000, what: 'the executor to take the request' },
    );
    await mesos.admin(`agents/${encodeURIComponent(nodeA.agent)}/stop`);
    const stoppedAt = Date.now();
    await waitFor(
      () =>
        executorLog(stderr).some(
          (l) =>
            l.message === 'cannot send an answer to the scheduler yet; trying again' &&
            l.id === 'outage-1',
        ),
      { timeoutMs: 60000, what: 'the executor to find no agent for its answer' },
    );
    await sleep(10000 - (Date.now() - stoppedAt));
    expect(sched.messages.some((m) => m.id === 'outage-1')).toBe(false);
    await mesos.admin(`agents/${encodeURIComponent(nodeA.agent)}/start`);
    const answer = await sched.reply('outage-1', 60000);
    expect(answer).toMatchObject({ ok: true, type: 'bucket-type', result: { view: 'types' } });
    // The same executor and Riak go on.
    await sched.send(nodeA.agent, nodeA.executorId, { id: 'status-3', type: 'status' });
    expect(await sched.reply('status-3', 60000)).toMatchObject({
      ok: true,
      result: { ringReady: true },
    });
    expect(
      sched.updates
        .slice(before)
        .filter((u) => u.task_id.value === 'node-a' && u.source === 'SOURCE_EXECUTOR')
        .map((u) => u.state),
    ).toEqual([]);
    expect(await pbPing(nodeA.host, nodeA.ports[1])).toBe('pong');
  });

  it('reports TASK_FAILED with the exit status when Riak crashes, and cleans up', async () => {
    const before = sched.updates.length;
    // The real node's VM: beam.smp, named node-a.
    const riakPid = leftovers().find((pid) => {
      try {
        const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return comm === 'beam.smp' && cmd.some((a) => a.startsWith('node-a@'));
      } catch {
        return false;
      }
    });
    expect(riakPid).toBeDefined();
    process.kill(riakPid!, 'SIGKILL');
    const failed = await sched.update('node-a', ['TASK_FAILED'], before, 60000);
    expect(failed.message).toMatch(/Riak exited unexpectedly \(signal SIGKILL\)/);
    await waitFor(() => leftovers().length === 0, {
      timeoutMs: 30000,
      what: 'every process to be gone',
    });
  });
});
