/**
 * End to end, from the built repository, through the CLI and the director only: the whole local
 * system comes up, 1,000 keys are written through the director, then a Riak node, an executor,
 * the scheduler and an agent fail one at a time while writes go on; after each, the cluster
 * converges and every acknowledged write is read back through the director. At the end the
 * cluster is destroyed (nothing stays reserved) and `local down` leaves nothing running.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { processesUnder } from '@riak-mesos/process';
import { RiakPbClient } from '@riak-mesos/riak-pb';
import { freePorts, tempDir, waitFor } from '@riak-mesos/testing';

const root = join(__dirname, '..', '..');
const cliMain = join(root, 'dist', 'apps', 'cli', 'main.js');
const BUCKET = 'e2e';
const CONVERGE_MS = 5 * 60 * 1000;

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function run(args: string[], timeoutMs = 10 * 60 * 1000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliMain, ...args], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'warn' },
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
let ports: number[];
let api: string;
let mesos: string;
const acked = new Map<string, string>();

const cli = (args: string[], timeoutMs?: number) =>
  run(['--url', api, '--timeout', '300', ...args], timeoutMs);

interface NodeRow {
  name: string;
  state: string;
  member: boolean;
  wanted: boolean;
  last_task_state: string | null;
}

async function nodes(): Promise<NodeRow[]> {
  const r = await cli(['--json', 'node', 'list', 'default'], 30000);
  if (r.code !== 0) throw new Error(`node list failed: ${r.err}`);
  return (JSON.parse(r.out) as { nodes: NodeRow[] }).nodes;
}

/** The cluster is whole again: 3 wanted nodes, all running and members. */
async function converged(what: string): Promise<void> {
  await waitFor(
    async () => {
      const n = (await nodes()).filter((x) => x.wanted);
      return (
        n.length === 3 &&
        n.every((x) => x.state === 'running' && x.member && x.last_task_state === 'TASK_RUNNING')
      );
    },
    { timeoutMs: CONVERGE_MS, intervalMs: 2000, what: `the cluster to converge after ${what}` },
  );
}

/** Writes keys through the director until stopped, recording those Riak acknowledged. */
class Writer {
  private running = true;
  private readonly done: Promise<void>[] = [];
  private n = 0;
  errors = 0;

  constructor(
    private readonly prefix: string,
    private readonly port: number,
    workers = 4,
  ) {
    for (let i = 0; i < workers; i++) this.done.push(this.work());
  }

  private async work(): Promise<void> {
    let client: RiakPbClient | undefined;
    while (this.running) {
      try {
        client ??= await RiakPbClient.connect(this.port, '127.0.0.1', 3000);
        const key = `${this.prefix}-${this.n++}`;
        const value = `value of ${key}`;
        await client.put(BUCKET, key, Buffer.from(value), { contentType: 'text/plain' });
        acked.set(key, value);
      } catch {
        this.errors++;
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

/** Reads every acknowledged key back through the director. */
async function readBack(): Promise<void> {
  const keys = [...acked.keys()];
  const missing: string[] = [];
  const workers = 8;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      let client = await RiakPbClient.connect(ports[3], '127.0.0.1', 5000);
      for (let i = w; i < keys.length; i += workers) {
        const key = keys[i];
        for (let attempt = 0; ; attempt++) {
          try {
            const got = await client.get(BUCKET, key);
            if (got?.value.toString() !== acked.get(key)) missing.push(key);
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
  expect({ missing: missing.slice(0, 20), count: missing.length }).toEqual({
    missing: [],
    count: 0,
  });
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

/** Pids of Riak dev node processes (the riak-local bundle) in the sandboxes. */
function riakPids(): number[] {
  return processesUnder(join(work, 'mesos')).filter((pid) => {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return cmd.some((a) => /\/riak\/lib\/[^/]+\.js$/.test(a)) && cmd.includes('console');
    } catch {
      return false;
    }
  });
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
  },
  15 * 60 * 1000,
);

afterAll(
  async () => {
    if (work) {
      await run(['local', 'down', '--work-dir', work]);
      rmSync(work, { recursive: true, force: true });
      rmSync(`${work}.up.log`, { force: true });
    }
  },
  5 * 60 * 1000,
);

describe('the local system, end to end', () => {
  it('is up: 3 running members, and the director answers HTTP', async () => {
    await converged('start');
    const res = await fetch(`http://127.0.0.1:${ports[4]}/ping`);
    expect(res.status).toBe(200);
  });

  it("shows each node's views as Riak prints them, and refuses bad names", async () => {
    const ok = async (...args: string[]) => {
      const r = await cli(args, 60000);
      expect({ args, code: r.code, err: r.err }).toEqual({ args, code: 0, err: '' });
      return r.out;
    };
    const status = await ok('node', 'status', 'default', 'riak-default-2');
    expect(status).toMatch(/Member +│ Status +│ Ring +│ Pending/);
    expect(status.match(/riak-default-\d@\S+ +│ valid/g)).toHaveLength(3);
    expect(status).toContain('ring ready: true');
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
    ).toMatch(/^default is active\n\nallow_mult: false\nn_val: 3/);
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
    ).toMatch(/^maps is active\n\ndatatype: map/);
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
    expect(immutable.err).toMatch(/409[\s\S]*cannot_modify_datatype/);
    const tricky = await cli(['node', 'status', 'default', '..%2Fetc'], 60000);
    expect(tricky.code).toBe(1);
    expect(tricky.err).toMatch(/40\d/);
  });

  it('takes 1,000 writes through the director and reads them back', async () => {
    const writer = new Writer('first', ports[3], 8);
    await waitFor(() => acked.size >= 1000, { timeoutMs: 120000, what: '1,000 acked writes' });
    await writer.stop();
    await readBack();
  });

  it('recovers from a Riak node killed during load', async () => {
    const writer = new Writer('riak-kill', ports[3]);
    const [victim] = riakPids();
    expect(victim).toBeGreaterThan(0);
    process.kill(victim, 'SIGKILL');
    await waitFor(async () => (await nodes()).some((n) => n.state !== 'running'), {
      timeoutMs: 60000,
      what: 'the scheduler to notice the dead node',
    });
    await converged('a Riak node was killed');
    await writer.stop();
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
    await readBack();
  });

  it('recovers from the scheduler killed during load', async () => {
    const writer = new Writer('scheduler-kill', ports[3]);
    const state = JSON.parse(readFileSync(join(work, 'local.json'), 'utf8')) as {
      components: Record<string, number>;
    };
    const pid = state.components.scheduler;
    process.kill(-pid, 'SIGKILL');
    // local up restarts it as Marathon would; it re-subscribes with the stored framework id.
    await waitFor(
      async () => {
        const h = (await (await fetch(`${api}/healthcheck`)).json()) as { registered: boolean };
        return h.registered;
      },
      { timeoutMs: 120000, intervalMs: 1000, what: 'the scheduler to be back and registered' },
    );
    const after = JSON.parse(readFileSync(join(work, 'local.json'), 'utf8')) as {
      components: Record<string, number>;
    };
    expect(after.components.scheduler).not.toBe(pid);
    await converged('the scheduler was killed');
    const fw = (await masterState()).frameworks;
    expect(fw).toHaveLength(1); // the same framework, not a second registration
    await writer.stop();
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
