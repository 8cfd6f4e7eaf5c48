/**
 * Three dev nodes from the built tarball, each with its own EPMD replacement (ZooKeeper store,
 * one real ZooKeeper), joined with riak-admin: writes through one node's PB port are read through
 * another's HTTP port, a node restarts with its data, a wrong cookie is refused, and leave and
 * force-remove change what member-status says.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EpmdServer, ZkStore } from '@riak-mesos/epmd';
import { ProcessGroup, groupMembers } from '@riak-mesos/process';
import { RiakPbClient } from '@riak-mesos/riak-pb';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { freePorts, startZooKeeper, tempDir, uniqueChroot, waitFor } from '@riak-mesos/testing';
import { ZkClient } from '@riak-mesos/zk';

const repo = join(__dirname, '..', '..', '..');

function exec(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  cwd?: string,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: { ...process.env, ...env }, cwd });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

interface DevNode {
  name: string;
  host: string;
  dir: string;
  epmd: EpmdServer;
  http: number;
  pb: number;
  process?: ProcessGroup;
}

let zkServer: ZooKeeperServer;
let zk: ZkClient;
let work: string;
const nodes: DevNode[] = [];

const riakBin = (n: DevNode) => join(n.dir, 'root', 'riak', 'bin', 'riak');
const admin = (n: DevNode, ...args: string[]) =>
  exec(join(n.dir, 'root', 'riak', 'bin', 'riak-admin'), args, {
    ERL_EPMD_PORT: String(n.epmd.port),
  });

function writeConf(n: DevNode, ports: number[], cookie = 'secret-cookie'): void {
  writeFileSync(
    join(n.dir, 'root', 'riak', 'etc', 'riak.conf'),
    [
      `nodename = ${n.name}`,
      `distributed_cookie = ${cookie}`,
      `listener.http.internal = ${n.host}:${n.http}`,
      `listener.protobuf.internal = ${n.host}:${n.pb}`,
      `handoff.port = ${ports[0]}`,
      `erlang.distribution.port_range.minimum = ${ports[1]}`,
      `erlang.distribution.port_range.maximum = ${ports[1]}`,
      'platform_data_dir = ./data',
      'platform_log_dir = ./log',
      'ring_size = 16',
      '',
    ].join('\n'),
  );
}

async function startNode(n: DevNode): Promise<void> {
  n.process = new ProcessGroup(riakBin(n), ['console'], {
    env: { ...process.env, ERL_EPMD_PORT: String(n.epmd.port) },
    stdoutFile: join(n.dir, 'console.out'),
    stderrFile: join(n.dir, 'console.out'),
  });
  await waitFor(
    async () =>
      (await exec(riakBin(n), ['ping'], { ERL_EPMD_PORT: String(n.epmd.port) })).code === 0,
    { timeoutMs: 30000, intervalMs: 200, what: `${n.name} to answer ping` },
  );
  // As with Riak, pong comes before riak_kv is up: ready is when wait-for-service says so.
  const kv = await admin(n, 'wait-for-service', 'riak_kv');
  expect(kv.out).toMatch(/riak_kv is up\n$/);
}

beforeAll(async () => {
  const built = await exec(process.execPath, [join(repo, 'tools', 'riak-local', 'package.js')]);
  if (built.code !== 0) throw new Error(`packaging failed: ${built.out}`);
  const tarball = join(repo, built.out.trim().split('\n').pop()!);
  zkServer = await startZooKeeper();
  zk = await ZkClient.connect({ connect: zkServer.connectString + uniqueChroot('riak-local') });
  work = await tempDir('riak-local');
  for (let i = 1; i <= 3; i++) {
    const host = `127.0.0.${i + 1}`;
    const dir = join(work, `node${i}`);
    mkdirSync(dir, { recursive: true });
    const untar = await exec('tar', ['-xzf', tarball, '-C', dir]);
    expect(untar.code).toBe(0);
    const epmd = new EpmdServer({ port: 0, store: new ZkStore(zk, 'riak', host) });
    await epmd.start();
    const [http, pb, handoff, dist] = await freePorts(4);
    const n: DevNode = { name: `riak-${i}@${host}`, host, dir, epmd, http, pb };
    writeConf(n, [handoff, dist]);
    nodes.push(n);
  }
  await Promise.all(nodes.map((n) => startNode(n)));
}, 120000);

afterAll(async () => {
  for (const n of nodes) {
    await n.process?.stop(3000);
    await n.epmd.stop();
  }
  await zk?.close();
  await zkServer?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('riak-local, three nodes', () => {
  it('answers riak ping, version and pid like Riak', async () => {
    const env = { ERL_EPMD_PORT: String(nodes[0].epmd.port) };
    expect(await exec(riakBin(nodes[0]), ['ping'], env)).toEqual({ code: 0, out: 'pong\n' });
    expect((await exec(riakBin(nodes[0]), ['version'], env)).out).toMatch(/^\d+\.\d+\.\d+/);
    const pid = Number((await exec(riakBin(nodes[0]), ['pid'], env)).out);
    expect(groupMembers(nodes[0].process!.pid!)).toContain(pid);
    expect(
      readFileSync(join(nodes[0].dir, 'root', 'riak', 'log', 'console.log'), 'utf8'),
    ).toContain('Wait complete for service riak_kv');
    const wait = await admin(nodes[0], 'wait-for-service', 'riak_kv');
    expect(wait).toEqual({ code: 0, out: 'riak_kv is up\n' });
  });

  it('joins the cluster through riak-admin: join, plan, commit', async () => {
    for (const n of nodes.slice(1)) {
      const join = await admin(n, 'cluster', 'join', nodes[0].name);
      expect(join.out).toContain(
        `Success: staged join request for '${n.name}' to '${nodes[0].name}'`,
      );
      expect(join.code).toBe(0);
    }
    const early = await admin(nodes[1], 'cluster', 'commit');
    expect(early.code).toBe(1);
    expect(early.out).toMatch(/verify the plan/);
    const plan = await admin(nodes[1], 'cluster', 'plan');
    expect(plan.code).toBe(0);
    expect(plan.out).toMatch(/join\s+'riak-2@127.0.0.3'/);
    expect(plan.out).toMatch(/join\s+'riak-3@127.0.0.4'/);
    const commit = await admin(nodes[1], 'cluster', 'commit');
    expect(commit).toEqual({ code: 0, out: 'Cluster changes committed\nok\n' });
    for (const n of nodes)
      await waitFor(
        async () => {
          const s = await admin(n, 'member-status');
          return s.code === 0 && s.out.includes('Valid:3 / Leaving:0 / Exiting:0 / Joining:0');
        },
        { timeoutMs: 20000, intervalMs: 300, what: `${n.name} to see 3 valid members` },
      );
    const ready = await admin(nodes[2], 'ringready');
    expect(ready.code).toBe(0);
    expect(ready.out).toMatch(/^TRUE All nodes agree on the ring/);
    const again = await admin(nodes[2], 'cluster', 'join', nodes[0].name);
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/already a member/);
  });

  it('answers aae-status and bucket-type as Riak prints them', async () => {
    // Each node lists its own share of the 16 partitions; together they cover the ring once.
    const indices: string[] = [];
    for (const n of nodes) {
      const aae = await admin(n, 'aae-status');
      expect(aae.code).toBe(0);
      expect(aae.out).toMatch(/=+ Exchanges =+\nIndex +Last \(ago\) +All \(ago\)/);
      expect(aae.out).toMatch(/=+ Entropy Trees =+/);
      expect(aae.out).toMatch(/=+ Keys Repaired =+/);
      const section = aae.out.split('Entropy Trees')[0];
      indices.push(...[...section.matchAll(/^(\d+) +-- +-- *$/gm)].map((m) => m[1]));
    }
    expect(new Set(indices).size).toBe(16);
    expect(indices.length).toBe(16);
    expect(indices).toContain('0');
    expect(indices).toContain(String((2n ** 160n / 16n) * 15n));
    const list = await admin(nodes[1], 'bucket-type', 'list');
    expect(list.out).toBe('default (active)\nok\n');
    const status = await admin(nodes[1], 'bucket-type', 'status', 'default');
    expect(status.out).toMatch(/^default is active\n\nallow_mult: false\nn_val: 3\n/);
    const unknown = await admin(nodes[1], 'bucket-type', 'status', 'maps');
    expect(unknown.code).toBe(1);
    expect(unknown.out).toMatch(/maps is not an existing bucket type/);
  });

  it('creates, activates and updates bucket types cluster-wide; data under a type needs it active', async () => {
    const url = (n: DevNode, path: string) => `http://${n.host}:${n.http}${path}`;
    const putText = (n: DevNode, path: string, body: string) =>
      fetch(url(n, path), { method: 'PUT', body, headers: { 'content-type': 'text/plain' } });
    const bad = await admin(nodes[0], 'bucket-type', 'create', 'maps', '{"n_val": 3}');
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/no props field found in json/);
    const created = await admin(
      nodes[0],
      'bucket-type',
      'create',
      'maps',
      '{"props":{"datatype":"map","n_val":3}}',
    );
    expect(created.out).toBe('maps created\nok\n');
    const again = await admin(nodes[1], 'bucket-type', 'create', 'maps', '{"props":{}}');
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/already_created/);
    await waitFor(
      async () =>
        (await admin(nodes[2], 'bucket-type', 'status', 'maps')).out.startsWith(
          'maps has been created and may be activated',
        ),
      { what: 'the created type on another node' },
    );
    const early = await putText(nodes[1], '/types/maps/buckets/b/keys/k', 'v');
    expect(early.status).toBe(404);
    expect(await early.text()).toMatch(/Unknown bucket type: maps/);
    expect((await admin(nodes[2], 'bucket-type', 'activate', 'maps')).out).toBe(
      'maps has been activated\nok\n',
    );
    await waitFor(
      async () =>
        (await admin(nodes[1], 'bucket-type', 'list')).out ===
        'default (active)\nmaps (active)\nok\n',
      { what: 'the active type on every node' },
    );
    const put = await putText(nodes[1], '/types/maps/buckets/b/keys/k', 'under maps');
    expect(put.status).toBeLessThan(300);
    expect(await (await fetch(url(nodes[2], '/types/maps/buckets/b/keys/k'))).text()).toBe(
      'under maps',
    );
    expect((await fetch(url(nodes[2], '/buckets/b/keys/k'))).status).toBe(404);
    const updated = await admin(nodes[1], 'bucket-type', 'update', 'maps', '{"props":{"n_val":2}}');
    expect(updated.out).toBe('maps updated\nok\n');
    const immutable = await admin(
      nodes[1],
      'bucket-type',
      'update',
      'maps',
      '{"props":{"datatype":"set"}}',
    );
    expect(immutable.code).toBe(1);
    expect(immutable.out).toMatch(/cannot_modify_datatype/);
    await waitFor(
      async () =>
        (await admin(nodes[0], 'bucket-type', 'status', 'maps')).out ===
        'maps is active\n\ndatatype: map\nn_val: 2\nok\n',
      { what: 'the updated type on the first node' },
    );
  });

  it('reads through one node what was written through another', async () => {
    const pb = await RiakPbClient.connect(nodes[0].pb, nodes[0].host);
    try {
      expect((await pb.serverInfo()).node).toBe(nodes[0].name);
      for (let i = 0; i < 50; i++)
        await pb.put('fruit', `k${i}`, `value ${i}`, { contentType: 'text/plain' });
    } finally {
      pb.close();
    }
    for (const n of nodes) {
      const res = await fetch(`http://${n.host}:${n.http}/buckets/fruit/keys/k7`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(res.headers.get('x-riak-vclock')).toBeTruthy();
      expect(await res.text()).toBe('value 7');
    }
    const keys = (await (
      await fetch(
        `http://${nodes[2].host}:${nodes[2].http}/types/default/buckets/fruit/keys?keys=true`,
      )
    ).json()) as { keys: string[] };
    expect(keys.keys).toHaveLength(50);
    const buckets = (await (
      await fetch(`http://${nodes[1].host}:${nodes[1].http}/buckets?buckets=true`)
    ).json()) as { buckets: string[] };
    expect(buckets.buckets).toContain('fruit');
    // HTTP writes with the vclock read, deletes, and PB reads elsewhere.
    const url = `http://${nodes[1].host}:${nodes[1].http}/buckets/fruit/keys/k7`;
    const read = await fetch(url);
    const put = await fetch(url, {
      method: 'PUT',
      headers: {
        'content-type': 'application/json',
        'x-riak-vclock': read.headers.get('x-riak-vclock')!,
      },
      body: '{"v":8}',
    });
    expect(put.status).toBe(204);
    const pb3 = await RiakPbClient.connect(nodes[2].pb, nodes[2].host);
    try {
      const got = await pb3.get('fruit', 'k7');
      expect(got?.value.toString()).toBe('{"v":8}');
      expect(got?.contentType).toBe('application/json');
      expect((await fetch(url, { method: 'DELETE' })).status).toBe(204);
      expect(await pb3.get('fruit', 'k7')).toBeUndefined();
      expect((await fetch(url)).status).toBe(404);
      expect(await pb3.listKeys('fruit')).toHaveLength(49);
    } finally {
      pb3.close();
    }
  });

  it('keeps data across a restart, and catches up on writes it missed', async () => {
    const n = nodes[2];
    await n.process!.stop(5000);
    const pb = await RiakPbClient.connect(nodes[0].pb, nodes[0].host);
    try {
      await pb.put('fruit', 'while-down', 'written while riak-3 was down');
    } finally {
      pb.close();
    }
    await startNode(n);
    const res = await fetch(`http://${n.host}:${n.http}/buckets/fruit/keys/k3`);
    expect(await res.text()).toBe('value 3');
    const missed = await fetch(`http://${n.host}:${n.http}/buckets/fruit/keys/while-down`);
    expect(await missed.text()).toBe('written while riak-3 was down');
    const status = await admin(n, 'member-status');
    expect(status.out).toContain('Valid:3');
  });

  it('refuses a node with another cookie', async () => {
    const n = nodes[1];
    const conf = join(n.dir, 'root', 'riak', 'etc', 'riak.conf');
    const original = readFileSync(conf, 'utf8');
    writeFileSync(
      conf,
      original.replace('distributed_cookie = secret-cookie', 'distributed_cookie = wrong'),
    );
    try {
      const ping = await exec(riakBin(n), ['ping'], { ERL_EPMD_PORT: String(n.epmd.port) });
      expect(ping.code).toBe(1);
      expect(ping.out).toMatch(/not responding to pings/);
    } finally {
      writeFileSync(conf, original);
    }
  });

  it('leave hands off and stops the node; force-remove drops a member', async () => {
    const leaving = nodes[2];
    expect((await admin(leaving, 'cluster', 'leave')).code).toBe(0);
    expect((await admin(leaving, 'cluster', 'plan')).out).toMatch(/leave\s+'riak-3@127.0.0.4'/);
    expect((await admin(leaving, 'cluster', 'commit')).code).toBe(0);
    // As Riak: once its data is handed off the node leaves the ring and shuts down.
    const exit = await leaving.process!.exited;
    expect(exit.code).toBe(0);
    await waitFor(
      async () => (await admin(nodes[0], 'member-status')).out.includes('Valid:2 / Leaving:0'),
      { timeoutMs: 20000, intervalMs: 300, what: 'two valid members' },
    );
    const transfers = await admin(nodes[0], 'transfers');
    expect(transfers.out).toMatch(/^No transfers active/);
    // Its data is still readable from the others.
    const res = await fetch(`http://${nodes[1].host}:${nodes[1].http}/buckets/fruit/keys/k9`);
    expect(await res.text()).toBe('value 9');

    expect((await admin(nodes[0], 'cluster', 'force-remove', nodes[1].name)).code).toBe(0);
    await admin(nodes[0], 'cluster', 'plan');
    expect((await admin(nodes[0], 'cluster', 'commit')).code).toBe(0);
    await waitFor(
      async () => (await admin(nodes[0], 'member-status')).out.includes('Valid:1 / Leaving:0'),
      { timeoutMs: 20000, intervalMs: 300, what: 'one valid member' },
    );
    expect((await admin(nodes[0], 'ringready')).code).toBe(0);
  });

  it('answers bad requests with errors, not crashes', async () => {
    const n = nodes[0];
    expect((await fetch(`http://${n.host}:${n.http}/buckets/x/keys`)).status).toBe(400);
    // As Riak: an unknown cluster subcommand prints the usage, and exits 0.
    const frob = await admin(n, 'cluster', 'frobnicate');
    expect(frob).toEqual({ code: 0, out: expect.stringMatching(/^Usage: riak-admin cluster/) });
    expect((await admin(n, 'frobnicate')).code).toBe(1);
    const pb = await RiakPbClient.connect(n.pb, n.host);
    try {
      await expect(pb.get('', 'k')).resolves.toBeUndefined();
      await pb.ping();
    } finally {
      pb.close();
    }
    expect((await exec(riakBin(n), ['ping'], { ERL_EPMD_PORT: String(n.epmd.port) })).code).toBe(0);
  });
});
