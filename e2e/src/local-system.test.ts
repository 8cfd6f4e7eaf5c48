/**
 * End to end on real Riak KV 3.2, from the built repository, through the CLI and the director
 * only: the whole local system comes up with three real nodes, 1,000 keys are written through the
 * director; then, while writes go on, a fourth node is added and its handoff finishes, a node is
 * removed with leave and handoff, the cluster is upgraded through a canary plan (the scheduler
 * killed mid-plan), and a real `beam.smp`, an executor, the scheduler and an agent fail one at a
 * time, and a node is replaced through the CLI on the free agent. After each, the cluster
 * converges and every acknowledged write is read back through the director. At the end the
 * cluster is destroyed (nothing stays reserved) and `local down` leaves nothing running. While
 * the canary waits, the operator's console is opened in Chromium (./console.ts): its charts, ring
 * and data browser show the real cluster, and the plan is continued from it.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeView, PlanView } from '@riak-mesos/framework-contract';
import {
  endpointsAnswerSchema,
  healthAnswerSchema,
  nodeListAnswerSchema,
  planAnswerSchema,
  planListAnswerSchema,
} from '@riak-mesos/framework-contract';
import { processesUnder } from '@riak-mesos/process';
import { RiakError, RiakPbClient } from '@riak-mesos/riak-pb';
import { freePorts, tempDir, waitFor } from '@riak-mesos/testing';
import { NoAuthError, ZkClient, frameworkLayout } from '@riak-mesos/zk';
import { openConsole } from './console';

const root = join(__dirname, '..', '..');
const cliMain = join(root, 'dist', 'apps', 'cli', 'main.js');
const BUCKET = 'e2e';
const CONVERGE_MS = 5 * 60 * 1000;
/** The same real release under a second catalogue name (`local up --riak-alias`): an upgrade drill. */
const UPGRADE_TO = 'riak-kv-3.2-b';

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function run(args: string[], timeoutMs = 10 * 60 * 1000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliMain, ...args], {
      cwd: root,
      // The scheduler's API token: `local up` keeps it in the state file of its work directory.
      env: {
        ...process.env,
        LOG_LEVEL: 'warn',
        ...(work ? { RIAK_MESOS_LOCAL_DIR: work } : {}),
        ...(apiToken ? { RIAK_MESOS_API_TOKEN: apiToken } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

let work: string;
/** The scheduler's API token, from the local system's state file once it is up. */
let apiToken: string | undefined;
let ports: number[];
let api: string;
let mesos: string;
const acked = new Map<string, string>();

const cli = (args: string[], timeoutMs?: number) =>
  run(['--url', api, '--timeout', '300', ...args], timeoutMs);

async function nodes(): Promise<NodeView[]> {
  const r = await cli(['--json', 'node', 'list', 'default'], 30000);
  if (r.code !== 0) throw new Error(`node list failed: ${r.err}`);
  return nodeListAnswerSchema.parse(JSON.parse(r.out)).nodes;
}

/** `riak-mesos plan show default [id] --json`, read with the API's own schema. */
async function planShow(id?: string): Promise<PlanView> {
  const r = await cli(['--json', 'plan', 'show', 'default', ...(id ? [id] : [])], 30000);
  if (r.code !== 0) throw new Error(`plan show failed (${r.code}): ${r.err}`);
  return planAnswerSchema.parse(JSON.parse(r.out)).plan;
}

/** The cluster is whole again: `count` wanted nodes, all running and members. */
async function converged(what: string, count = 3): Promise<void> {
  await waitFor(
    async () => {
      const n = (await nodes()).filter((x) => x.wanted);
      return (
        n.length === count &&
        n.every((x) => x.state === 'running' && x.member && x.last_task_state === 'TASK_RUNNING')
      );
    },
    { timeoutMs: CONVERGE_MS, intervalMs: 2000, what: `the cluster to converge after ${what}` },
  );
}

/**
 * Writes keys through the director until stopped, recording those Riak acknowledged. A failed
 * write is either Riak's own error answer (`riakErrors`: a timeout during handoff, say) or the
 * connection failing under it (`dropped`: reset or closed with the write sent, or no connection to
 * be had), which a drain that drains must never cause.
 */
class Writer {
  private running = true;
  private readonly done: Promise<void>[] = [];
  private n = 0;
  riakErrors = 0;
  dropped: string[] = [];

  /**
   * `paceMs` between one worker's writes: load goes on through a step, but the keys to read back
   * after every step stay in the thousands (each step reads back every key written so far).
   */
  constructor(
    private readonly prefix: string,
    private readonly port: number,
    workers = 2,
    private readonly paceMs = 100,
  ) {
    for (let i = 0; i < workers; i++) this.done.push(this.work());
  }

  private async work(): Promise<void> {
    let client: RiakPbClient | undefined;
    while (this.running) {
      if (this.paceMs > 0) await new Promise((r) => setTimeout(r, this.paceMs));
      try {
        client ??= await RiakPbClient.connect(this.port, '127.0.0.1', 3000);
        const key = `${this.prefix}-${this.n++}`;
        const value = `value of ${key}`;
        await client.put(BUCKET, key, Buffer.from(value), { contentType: 'text/plain' });
        acked.set(key, value);
      } catch (err) {
        if (err instanceof RiakError) this.riakErrors++;
        else this.dropped.push(`${new Date().toISOString()} ${(err as Error).message}`);
        client?.close();
        client = undefined;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    client?.close();
  }

  async stop(): Promise<number> {
    this.running = false;
    await Promise.all(this.done);
    return this.n;
  }
}

/**
 * Reads every acknowledged key back through the director with Riak's default read quorum. After a
 * node crashed, call it once Riak has settled (`settled`): a node back before hinted handoff has
 * filled it answers notfound for the writes it missed, and with Riak's default `notfound_ok` two
 * such answers make the read notfound although another replica holds the object (measured on real
 * Riak 3.2, docs/operations.md#reads-right-after-a-node-returns). A key that does not read back is
 * asked again of every replica (r=1, notfound_ok=false, basic_quorum=false), so that a failure
 * tells a lost write (`lost`: no replica has it) from one not yet readable at quorum (`stale`).
 */
async function readBack(): Promise<void> {
  const keys = [...acked.keys()];
  const lost: string[] = [];
  const stale: string[] = [];
  const workers = 16;
  const anyReplica = { r: 1, notfoundOk: false, basicQuorum: false };
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      let client = await RiakPbClient.connect(ports[3], '127.0.0.1', 5000);
      for (let i = w; i < keys.length; i += workers) {
        const key = keys[i];
        for (let attempt = 0; ; attempt++) {
          try {
            const got = await client.get(BUCKET, key);
            if (got?.value.toString() !== acked.get(key)) {
              const again = await client.get(BUCKET, key, anyReplica);
              (again?.value.toString() === acked.get(key) ? stale : lost).push(key);
            }
            break;
          } catch (err) {
            if (attempt >= 5) throw err;
            client.close();
            await new Promise((r) => setTimeout(r, 500));
            client = await RiakPbClient.connect(ports[3], '127.0.0.1', 5000);
          }
        }
      }
      client.close();
    }),
  );
  expect({
    lost: lost.slice(0, 20),
    stale: stale.slice(0, 20),
    count: lost.length + stale.length,
  }).toEqual({
    lost: [],
    stale: [],
    count: 0,
  });
}

interface LocalJson {
  components: Record<string, number>;
}

interface MasterState {
  frameworks: {
    id: string;
    tasks: { id: string; executor_id: string; agent_id: string; state: string }[];
  }[];
  agents: { id: string; reserved_resources_full: Record<string, unknown[]> }[];
}

async function masterState(): Promise<MasterState> {
  const res = await fetch(`${mesos}/master/state`);
  return (await res.json()) as MasterState;
}

async function admin(path: string): Promise<void> {
  const res = await fetch(`${mesos}/admin/${path}`, { method: 'POST' });
  if (!res.ok) throw new Error(`mesos-local admin ${path}: ${res.status} ${await res.text()}`);
}

/** The real Riak nodes' VMs (`beam.smp` named `riak-default-N@…`) in the sandboxes, by node. */
function riakPids(): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of processesUnder(join(work, 'mesos'))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'beam.smp') continue;
      // The VM's own `-name`: a nodetool (`riak admin …`, `riak ping`) names its target after
      // `-extra`, and itself `maint…`.
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const own = cmd.includes('-extra') ? cmd.slice(0, cmd.indexOf('-extra')) : cmd;
      const name = own[own.indexOf('-name') + 1] ?? '';
      if (own.includes('-name') && /^riak-default-\d+@/.test(name))
        out.set(name.split('@')[0], pid);
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/**
 * Kills the scheduler's process group with SIGKILL; `local up` restarts it as Marathon would and
 * it re-subscribes with the stored framework id. Returns once it is back and registered.
 */
async function killScheduler(): Promise<void> {
  const pidOf = () =>
    (JSON.parse(readFileSync(join(work, 'local.json'), 'utf8')) as LocalJson).components.scheduler;
  const pid = pidOf();
  process.kill(-pid, 'SIGKILL');
  await waitFor(
    async () => {
      const h = (await (await fetch(`${api}/healthcheck`)).json()) as { registered: boolean };
      return h.registered;
    },
    { timeoutMs: 120000, intervalMs: 1000, what: 'the scheduler to be back and registered' },
  );
  expect(pidOf()).not.toBe(pid);
}

/** Riak's own view from `node`: every member valid, no ownership change pending, no transfers. */
async function settled(node: string, members: number, what: string): Promise<void> {
  await waitFor(
    async () => {
      const status = await cli(['node', 'status', 'default', node], 60000);
      const transfers = await cli(['node', 'transfers', 'default', node], 60000);
      const rows = status.out.match(/riak-default-\d+@\S+ +│ valid +│ [\d.]+% +│ -- /g) ?? [];
      return (
        status.code === 0 &&
        rows.length === members &&
        transfers.code === 0 &&
        /No transfers active/.test(transfers.out)
      );
    },
    { timeoutMs: CONVERGE_MS, intervalMs: 3000, what: `Riak to settle after ${what}` },
  );
}

beforeAll(
  async () => {
    work = await tempDir('e2e-local');
    ports = await freePorts(6);
    api = `http://127.0.0.1:${ports[2]}`;
    mesos = `http://127.0.0.1:${ports[1]}`;
    const up = await run([
      '--timeout',
      '300',
      'local',
      'up',
      '--detach',
      // A fourth agent for the node added under load (one node per agent).
      '--agents',
      '4',
      '--riak-alias',
      UPGRADE_TO,
      '--work-dir',
      work,
      '--zk-port',
      String(ports[0]),
      '--mesos-port',
      String(ports[1]),
      '--api-port',
      String(ports[2]),
      '--pb-port',
      String(ports[3]),
      '--http-port',
      String(ports[4]),
      '--director-api-port',
      String(ports[5]),
    ]);
    if (up.code !== 0) throw new Error(`local up failed (${up.code}): ${up.err}\n${up.out}`);
    const state = JSON.parse(readFileSync(join(work, 'local.json'), 'utf8')) as {
      tokens?: { scheduler?: string };
    };
    apiToken = state.tokens?.scheduler;
    if (!apiToken) throw new Error("the local system's state file has no scheduler API token");
  },
  15 * 60 * 1000,
);

afterAll(
  async () => {
    if (work) {
      await run(['local', 'down', '--work-dir', work]);
      if (process.env.KEEP_TEST_DIRS) return; // logs and sandboxes, to see what happened
      rmSync(work, { recursive: true, force: true });
      rmSync(`${work}.up.log`, { force: true });
    }
  },
  5 * 60 * 1000,
);

describe('real Riak: the local system, end to end', () => {
  it('is up: 3 running members, and the director answers HTTP', async () => {
    await converged('start');
    const res = await fetch(`http://127.0.0.1:${ports[4]}/ping`);
    expect(res.status).toBe(200);
    // The nodes were deployed by a plan, which is complete.
    const listed = await cli(['--json', 'plan', 'list', 'default'], 30000);
    expect(listed.code).toBe(0);
    const deploys = planListAnswerSchema
      .parse(JSON.parse(listed.out))
      .plans.filter((p) => p.kind === 'deploy');
    expect(deploys.map((p) => p.status)).toEqual(['COMPLETE']);
    const health = await cli(['--json', 'framework', 'health'], 30000);
    expect({ code: health.code, err: health.err }).toEqual({ code: 0, err: '' });
    expect(healthAnswerSchema.parse(JSON.parse(health.out))).toMatchObject({
      state: 'running',
      code: 200,
      clusters: { default: 'running' },
    });
    // The director publishes its backends' health in its registration, which the scheduler
    // passes on: every node up on both listeners.
    await waitFor(
      async () => {
        const r = await cli(['--json', 'cluster', 'endpoints', 'default'], 30000);
        const [d] = endpointsAnswerSchema.parse(JSON.parse(r.out)).directors;
        return d?.backends?.filter((b) => b.state === 'up').length === 6;
      },
      { timeoutMs: 30000, intervalMs: 1000, what: "the director's backends up in the endpoints" },
    );
    // The packaged scheduler serves the explorer and its code, built into its own bundle.
    expect((await fetch(`${api}/explorer`)).status).toBe(200);
    const script = await fetch(`${api}/explorer.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^application\/javascript/);
    expect(await script.text()).toContain('riak-mesos-token');
  });

  it('runs with ZooKeeper ACLs: an anonymous client reads nothing of the framework', async () => {
    const state = JSON.parse(readFileSync(join(work, 'local.json'), 'utf8')) as {
      zkAuth?: { scheduler: string };
    };
    expect(state.zkAuth?.scheduler).toMatch(/^riak-mesos-scheduler:/);
    const layout = frameworkLayout('riak');
    const anonymous = await ZkClient.connect({ connect: `127.0.0.1:${ports[0]}` });
    try {
      for (const read of [
        () => anonymous.children(layout.root),
        () => anonymous.get(layout.cluster('default')),
        () => anonymous.get(layout.apiToken),
        () => anonymous.children(layout.coordinatedNodes),
        () => anonymous.children(layout.erlpmdNodes),
      ])
        await expect(read()).rejects.toBeInstanceOf(NoAuthError);
    } finally {
      await anonymous.close();
    }
  });

  it("shows each node's views as Riak prints them, and refuses bad names", async () => {
    const ok = async (...args: string[]) => {
      const r = await cli(args, 60000);
      expect({ args, code: r.code, err: r.err }).toEqual({ args, code: 0, err: '' });
      return r.out;
    };
    // Right after the joins the ring may not have converged yet (`ring ready: false`, ownership
    // pending): Riak's views are read once it has.
    await settled('riak-default-2', 3, 'the start');
    const status = await waitFor(
      async () => {
        const out = await ok('node', 'status', 'default', 'riak-default-2');
        return out.includes('ring ready: true') ? out : undefined;
      },
      { timeoutMs: CONVERGE_MS, intervalMs: 2000, what: 'the ring to be ready' },
    );
    expect(status).toMatch(/Member +│ Status +│ Ring +│ Pending/);
    expect(status.match(/riak-default-\d@\S+ +│ valid/g)).toHaveLength(3);
    expect(await ok('node', 'ringready', 'default', 'riak-default-2')).toMatch(
      /^TRUE All nodes agree on the ring/,
    );
    expect(await ok('node', 'transfers', 'default', 'riak-default-2')).toMatch(
      /No transfers active/,
    );
    expect(await ok('node', 'aae', 'default', 'riak-default-2')).toMatch(/=+ Exchanges =+/);
    expect(await ok('node', 'bucket-type', 'list', 'default', 'riak-default-2')).toBe(
      'default (active)\n',
    );
    expect(
      await ok('node', 'bucket-type', 'status', 'default', 'riak-default-2', 'default'),
    ).toMatch(/^default is active\n\n(.+\n)*allow_mult: false\n(.+\n)*n_val: 3\n/);
    const json = JSON.parse(await ok('--json', 'node', 'stats', 'default', 'riak-default-2')) as {
      ring_members: number;
    };
    expect(json.ring_members).toBe(3);
    const unknown = await cli(
      ['node', 'bucket-type', 'status', 'default', 'riak-default-2', 'maps'],
      60000,
    );
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/502.*maps is not an existing bucket type/);
    // Bucket types: created through one node, active on the others, usable through the director.
    expect(
      await ok(
        'node',
        'bucket-type',
        'create',
        'default',
        'riak-default-1',
        'maps',
        '{"datatype":"map"}',
      ),
    ).toMatch(/^maps is active\n\n(.+\n)*datatype: map\n/);
    await waitFor(
      async () =>
        (await cli(['node', 'bucket-type', 'list', 'default', 'riak-default-3'], 60000)).out ===
        'default (active)\nmaps (active)\n',
      { timeoutMs: 30000, what: 'the new type on another node' },
    );
    const put = await fetch(`http://127.0.0.1:${ports[4]}/types/maps/buckets/b/keys/k`, {
      method: 'PUT',
      body: 'typed',
      headers: { 'content-type': 'text/plain' },
    });
    expect(put.status).toBeLessThan(300);
    expect(
      await (await fetch(`http://127.0.0.1:${ports[4]}/types/maps/buckets/b/keys/k`)).text(),
    ).toBe('typed');
    const immutable = await cli(
      ['node', 'bucket-type', 'update', 'default', 'riak-default-2', 'maps', '{"datatype":"set"}'],
      60000,
    );
    expect(immutable.code).toBe(1);
    // Riak 3.2's words: "Error updating bucket type maps: set not supported for bucket datatype
    // property".
    expect(immutable.err).toMatch(/409[\s\S]*Error updating bucket type maps/);
    const tricky = await cli(['node', 'status', 'default', '..%2Fetc'], 60000);
    expect(tricky.code).toBe(1);
    expect(tricky.err).toMatch(/40\d/);
  });

  it('takes 1,000 writes through the director and reads them back', async () => {
    const writer = new Writer('first', ports[3], 8, 0);
    await waitFor(() => acked.size >= 1000, { timeoutMs: 120000, what: '1,000 acked writes' });
    await writer.stop();
    await readBack();
  });

  it('adds a fourth node under load; its handoff finishes and every write reads back', async () => {
    const writer = new Writer('grow', ports[3]);
    const added = await cli(['cluster', 'add-node', 'default', '--nodes', '1']);
    expect(added.code).toBe(0);
    await converged('a node was added', 4);
    await settled('riak-default-1', 4, 'the fourth node joined');
    const status = await cli(['node', 'status', 'default', 'riak-default-4'], 60000);
    expect(status.out).toMatch(/riak-default-4@\S+ +│ valid +│ (?!0\.0%)[\d.]+%/);
    await writer.stop();
    await readBack();
  });

  it('a node no agent can hold waits, and says why in the API and the CLI', async () => {
    // Four agents, four nodes, hostname UNIQUE: a fifth fits nowhere.
    const added = await cli(['cluster', 'add-node', 'default', '--nodes', '1']);
    expect(added.code).toBe(0);
    const reason = await waitFor(
      async () => (await nodes()).find((n) => n.name === 'riak-default-5')?.pending_reason?.text,
      { timeoutMs: 60000, intervalMs: 1000, what: 'the fifth node to say why it waits' },
    );
    expect(reason).toMatch(/hostname UNIQUE: 127\.0\.0\.\d+ already holds riak-default-\d/);
    const table = await cli(['node', 'list', 'default'], 30000);
    expect(table.out).toContain('Waiting because');
    expect(table.out).toMatch(/no offer fits: .*hostname UNIQUE/);
    const removed = await cli(['cluster', 'remove-node', 'default', 'riak-default-5']);
    expect(removed.code).toBe(0);
    await waitFor(async () => !(await nodes()).some((n) => n.name === 'riak-default-5'), {
      timeoutMs: 60000,
      intervalMs: 1000,
      what: 'the fifth node to be forgotten',
    });
  });

  it('scales down from 4 to 3 under load with the scheduler killed mid-handoff: the newest node leaves, no client connection drops, every write reads back', async () => {
    const writer = new Writer('shrink', ports[3]);
    const scaled = await cli(['cluster', 'scale', 'default', '--count', '3']);
    expect({ code: scaled.code, err: scaled.err }).toEqual({ code: 0, err: '' });
    expect(scaled.out).toMatch(/^removing riak-default-4, one at a time/);
    // Handing off: the scheduler is killed (SIGKILL); the one `local up` starts again takes over
    // the removal from its record in ZooKeeper, as the same framework.
    await waitFor(
      async () => (await nodes()).find((n) => n.name === 'riak-default-4')?.state === 'leaving',
      { timeoutMs: 120000, intervalMs: 500, what: 'the node to be leaving' },
    );
    await killScheduler();
    expect((await masterState()).frameworks).toHaveLength(1);
    await waitFor(
      async () => !(await nodes()).some((n) => n.name === 'riak-default-4' && n.wanted),
      {
        timeoutMs: CONVERGE_MS,
        intervalMs: 2000,
        what: 'the node to be removed',
      },
    );
    await converged('a node was removed');
    await settled('riak-default-1', 3, 'the fourth node left');
    // Gone from the ring as every remaining member sees it.
    for (const n of ['riak-default-1', 'riak-default-2', 'riak-default-3']) {
      const status = await cli(['node', 'status', 'default', n], 60000);
      expect({ n, code: status.code, gone: !status.out.includes('riak-default-4') }).toEqual({
        n,
        code: 0,
        gone: true,
      });
    }
    // Its VM stops once its task is killed (the next steps count three).
    await waitFor(() => !riakPids().has('riak-default-4'), {
      timeoutMs: 120000,
      intervalMs: 1000,
      what: "riak-default-4's VM to stop",
    });
    await writer.stop();
    // The director moved the leaving node's connections between two writes.
    expect(writer.dropped).toEqual([]);
    await readBack();
  });

  it('upgrades through a canary plan under load: pauses after one node, resumes after a scheduler kill', async () => {
    const before = riakPids();
    expect(before.size).toBe(3);
    let writer = new Writer('canary', ports[3]);
    const started = await cli([
      'cluster',
      'upgrade',
      'default',
      UPGRADE_TO,
      '--strategy',
      'canary',
    ]);
    expect({ code: started.code, err: started.err }).toEqual({ code: 0, err: '' });
    // The canary: the first step done, the phase WAITING for `continue`, the others held.
    const waiting = await waitFor(
      async () => {
        const p = await planShow();
        const ph = p.phases[0];
        return ph.steps[0].status === 'COMPLETE' && ph.status === 'WAITING' && ph.awaitingContinue
          ? p
          : undefined;
      },
      { timeoutMs: CONVERGE_MS, intervalMs: 2000, what: 'the canary step to complete' },
    );
    expect(waiting).toMatchObject({ kind: 'upgrade', targetRiakVersion: UPGRADE_TO });
    expect(waiting.phases.map((ph) => ph.strategy)).toEqual(['canary']);
    const steps = waiting.phases[0].steps;
    expect(steps.map((st) => st.status)).toEqual(['COMPLETE', 'WAITING', 'WAITING']);
    const canary = steps[0].node;
    const paused = riakPids();
    expect([...before.keys()].filter((n) => paused.get(n) !== before.get(n))).toEqual([canary]);
    const versions = async () =>
      Object.fromEntries(
        (await nodes()).filter((n) => n.wanted).map((n) => [n.name, n.riak_version]),
      );
    expect(await versions()).toEqual(
      Object.fromEntries(
        steps.map((st) => [st.node, st.node === canary ? UPGRADE_TO : 'riak-kv-3.2']),
      ),
    );
    await writer.stop();
    // Restarted under load: the director moved the node's connections between two writes.
    expect(writer.dropped).toEqual([]);
    await readBack();
    // Held all the while: the same plan still waits and no other node was touched.
    expect((await planShow(waiting.id)).phases[0].awaitingContinue).toBe(true);
    expect(riakPids()).toEqual(paused);

    writer = new Writer('canary-rest', ports[3]);
    // The operator's console, on the real system: the charts drawn from real Riak's counters after
    // the writes, the ring one colour per member, and the plan continued from the console, its
    // next step changing live on the page.
    const ui = await openConsole(api, apiToken ?? '');
    try {
      const { page } = ui;
      const card = page.locator('article[data-cluster="default"]');
      await card.locator('svg[data-metric="puts_per_second"] path[data-node]').first().waitFor();
      const maxima = await card
        .locator('svg.chart path[data-node]')
        .evaluateAll((ls) => ls.map((l) => Number(l.getAttribute('data-max'))));
      expect(Math.max(...maxima)).toBeGreaterThan(0);
      // The director in front of the cluster, its backends' health as it published it.
      await card
        .locator('tr[data-endpoint^="director/"] [data-listener="protobuf"] >> text=PB 3/3 up')
        .waitFor({ timeout: 30000 });
      await ui.shot('e2e-overview');
      await page.click('article[data-cluster="default"] h2 a');
      const arcs = page.locator('#ring svg.ring path.arc');
      await arcs.first().waitFor({ timeout: 60000 });
      const fills = await arcs.evaluateAll((ps) => ps.map((p) => p.getAttribute('fill')));
      expect(fills).toHaveLength(3);
      expect(new Set(fills).size).toBe(3);
      const box = page.locator(`#plans [data-plan="${waiting.id}"]`);
      await box.locator('[data-action^="continue-"]').waitFor();
      expect(await box.textContent()).toContain('waits for continue');
      await ui.shot('e2e-cluster');
      // The data browser: an object written through the director, read back through a node.
      await page.click('[data-action="list-buckets"]');
      await page.click(`#data li[data-bucket="${BUCKET}"] button`);
      const firstKey = page.locator('#data tr[data-key] button').first();
      await firstKey.waitFor({ timeout: 60000 });
      expect(await page.textContent('#data .keys .warning')).toMatch(/expensive/);
      const key = (await firstKey.textContent()) ?? '';
      await firstKey.click();
      await page.locator(`#data .object[data-key="${key}"]`).waitFor();
      expect(await page.textContent('#data .object pre.value')).toBe(`value of ${key}`);
      expect(await page.textContent('#data .object')).toContain('text/plain');
      await ui.shot('e2e-data');
      await box.locator('[data-action^="continue-"]').click();
      expect(await page.textContent('#confirm-text')).toContain('goes on with its next step');
      await page.click('#confirm-ok');
      const second = box.locator(`tr[data-step="${steps[1].name}"] td:nth-child(3)`);
      await second.locator('.s-STARTING, .s-STARTED, .s-COMPLETE').waitFor({ timeout: 120000 });
      await ui.shot('e2e-plan-live');
      expect(ui.errors).toEqual([]);
    } finally {
      await ui.close();
    }
    expect(
      ['STARTING', 'STARTED', 'COMPLETE'].includes(
        (await planShow(waiting.id)).phases[0].steps[1].status,
      ),
    ).toBe(true);
    await killScheduler();
    // The plan resumes where it stood; every Riak VM seen meanwhile is noted, so a node restarted
    // twice (a step redone blindly) would show a third pid.
    const seen = new Map([...before].map(([n, pid]) => [n, new Set([pid, paused.get(n)])]));
    const done = await waitFor(
      async () => {
        for (const [n, pid] of riakPids()) seen.get(n)?.add(pid);
        const p = await planShow(waiting.id);
        return p.status === 'COMPLETE' ? p : undefined;
      },
      { timeoutMs: CONVERGE_MS, intervalMs: 2000, what: 'the upgrade plan to complete' },
    );
    expect(done.phases[0].steps.every((st) => st.status === 'COMPLETE')).toBe(true);
    await converged('a canary upgrade');
    expect(await versions()).toEqual(Object.fromEntries(steps.map((st) => [st.node, UPGRADE_TO])));
    const after = riakPids();
    for (const [n, pid] of before)
      expect({ n, changed: after.get(n) !== pid }).toEqual({ n, changed: true });
    expect(after.get(canary)).toBe(paused.get(canary)); // not restarted again
    for (const [n, pids] of seen)
      expect({ n, vms: pids.add(after.get(n)).size }).toEqual({ n, vms: 2 });
    await writer.stop();
    expect(writer.dropped).toEqual([]);
    await readBack();
  });

  it('recovers from a Riak node killed during load', async () => {
    const writer = new Writer('riak-kill', ports[3]);
    const before = await nodes();
    const victim = riakPids().get('riak-default-2');
    expect(victim).toBeGreaterThan(0);
    process.kill(victim!, 'SIGKILL');
    await waitFor(async () => (await nodes()).some((n) => n.state !== 'running'), {
      timeoutMs: 60000,
      what: 'the scheduler to notice the dead node',
    });
    await converged('a Riak node was killed');
    // Relaunched where its volume is, as the same Riak node.
    const after = await nodes();
    const where = (list: NodeView[]) => list.find((n) => n.name === 'riak-default-2')?.hostname;
    expect(where(after)).toBe(where(before));
    expect(riakPids().get('riak-default-2')).not.toBe(victim);
    await writer.stop();
    await settled('riak-default-1', 3, 'a Riak node was killed');
    await readBack();
  });

  it('recovers from an executor killed during load', async () => {
    const writer = new Writer('executor-kill', ports[3]);
    const state = await masterState();
    const fw = state.frameworks[0];
    const task = fw.tasks.find((t) => t.state === 'TASK_RUNNING');
    expect(task).toBeDefined();
    await admin(
      `executors/${encodeURIComponent(fw.id)}/${encodeURIComponent(task!.executor_id)}/kill`,
    );
    await converged('an executor was killed');
    await writer.stop();
    await settled('riak-default-1', 3, 'an executor was killed');
    await readBack();
  });

  it('recovers from an agent stopped and brought back', async () => {
    const writer = new Writer('agent-stop', ports[3]);
    const state = await masterState();
    const agent = state.frameworks[0].tasks.find((t) => t.state === 'TASK_RUNNING')!.agent_id;
    await admin(`agents/${encodeURIComponent(agent)}/stop`);
    await waitFor(
      async () => (await nodes()).some((n) => n.last_task_state === 'TASK_UNREACHABLE'),
      { timeoutMs: 60000, what: 'the node on the stopped agent to be seen unreachable' },
    );
    await admin(`agents/${encodeURIComponent(agent)}/start`);
    await converged('an agent came back');
    await writer.stop();
    await settled('riak-default-1', 3, 'an agent came back');
    await readBack();
  });

  it('replaces a node through the CLI under load: the new node goes on the free agent, the old one leaves, every write reads back', async () => {
    const writer = new Writer('replace', ports[3]);
    const before = await nodes();
    const old = before.find((n) => n.name === 'riak-default-3')!;
    const started = await cli(['node', 'replace', 'default', old.name]);
    expect({ code: started.code, err: started.err }).toEqual({ code: 0, err: '' });
    const by = /^node riak-default-3 is being replaced by (\S+) /.exec(started.out)?.[1];
    expect(by).toBeDefined();
    await waitFor(async () => !(await nodes()).some((n) => n.name === old.name), {
      timeoutMs: CONVERGE_MS,
      intervalMs: 2000,
      what: 'the old node to leave and be released',
    });
    await converged('a node was replaced');
    const added = (await nodes()).find((n) => n.name === by)!;
    expect(before.map((n) => n.agent_id)).not.toContain(added.agent_id);
    expect(await planShow()).toMatchObject({ kind: 'replace', status: 'COMPLETE' });
    await settled('riak-default-1', 3, 'the replacement');
    await writer.stop();
    expect(writer.dropped).toEqual([]);
    await readBack();
  });

  it('destroys the cluster leaving nothing reserved, and stops leaving nothing running', async () => {
    const destroyed = await cli(['cluster', 'destroy', 'default', '--wait']);
    expect(destroyed.code).toBe(0);
    await waitFor(
      async () =>
        (await masterState()).agents.every(
          (a) => Object.keys(a.reserved_resources_full).length === 0,
        ),
      { timeoutMs: 120000, what: 'every reservation to be released' },
    );
    const down = await run(['local', 'down', '--work-dir', work]);
    expect(down.code).toBe(0);
    expect(processesUnder(work)).toEqual([]);
  });
});
