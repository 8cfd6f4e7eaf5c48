/**
 * The real executor package with the real Riak KV 3.2 package, on local Mesos, with a real ZooKeeper:
 * launch to TASK_RUNNING and the published node, failures with reasons and nothing left running,
 * kill, a crashed Riak, relaunch on the same volume, and join/leave through framework messages.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { resources as R } from '@riak-mesos/mesos';
import { processesUnder } from '@riak-mesos/process';
import { RiakPbClient } from '@riak-mesos/riak-pb';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { freePort, startZooKeeper, tempDir, uniqueChroot, waitFor } from '@riak-mesos/testing';
import { ZkClient, frameworkLayout } from '@riak-mesos/zk';
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
const FAST_HANDOFF = `[{riak_core, [{vnode_inactivity_timeout, 2000}, {vnode_management_timer, 1000},
  {handoff_concurrency, 4}]}].`;

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
    Cookie: 'test-cookie',
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
  zk = await ZkClient.connect({ connect: zkServer.connectString + chroot });
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
    const published = JSON.parse(
      (await zk.get(frameworkLayout(FW).coordinatedNode('node-a'))).data.toString(),
    ) as Record<string, unknown>;
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
    expect(conf).not.toMatch(/test-cookie|overridden@nowhere/);
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

  it('kills with TASK_KILLED and leaves no process and no published node', async () => {
    const before = sched.updates.length;
    await sched.client.kill({ value: 'node-a' }, { value: nodeA.agent });
    await sched.update('node-a', ['TASK_KILLED'], before, 60000);
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

    await sched.send(b.id, task.executor!.executor_id.value, { id: 'leave-1', type: 'leave' });
    expect(await sched.reply('leave-1')).toMatchObject({ ok: true, type: 'leave' });
    await sched.send(nodeA.agent, nodeA.executorId, { id: 'status-2', type: 'status' });
    const after = await sched.reply('status-2');
    expect((after.result as { members: { name: string }[] }).members.map((m) => m.name)).toEqual([
      `node-a@${nodeA.host}`,
    ]);
    // Leaving is not a failure: finish ends the task cleanly.
    const finishedAt = sched.updates.length;
    await sched.send(b.id, task.executor!.executor_id.value, { id: 'finish-1', type: 'finish' });
    await sched.update('node-b', ['TASK_FINISHED'], finishedAt, 60000);
    expect(
      sched.updates
        .slice(finishedAt)
        .some((u) => u.task_id.value === 'node-b' && u.state === 'TASK_FAILED'),
    ).toBe(false);
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
