/**
 * The self-contained packages (dist/packages/, `nx run-many -t package`) in a clean environment:
 * each tarball unpacked in a fresh directory and run with an empty HOME and a PATH that has the
 * system's tools but no `node`, so a missing file or a dependency on the build machine fails here.
 * Every program starts for real: the scheduler registers with local Mesos (whose agents give
 * their tasks the same PATH), its executor launches a real Riak node, the director proxies to
 * that node, and erlpmd answers Erlang's own `epmd -names`; the single-file CLI talks to the
 * scheduler.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ProcessGroup } from '@riak-mesos/process';
import type { LocalMesos, ZooKeeperServer } from '@riak-mesos/testing';
import {
  REPO_ROOT,
  VERSION,
  freePorts,
  requireRiakPackage,
  startLocalMesos,
  startZooKeeper,
  tempDir,
  uniqueChroot,
  waitFor,
} from '@riak-mesos/testing';

const run = promisify(execFile);
const RUNTIME = (
  JSON.parse(readFileSync(join(REPO_ROOT, 'scripts', 'runtime.json'), 'utf8')) as { node: string }
).node;
const PACKAGES = join(REPO_ROOT, 'dist', 'packages');
/** Programs a machine without Node.js has none of. */
const NODE_PROGRAMS = /^(node|nodejs|npm|npx|corepack)$/;
const RIAK = 'riak-kv-3.2';
const TOKEN = randomBytes(24).toString('base64url');

let work: string;
/** The clean environment: the system's tools without Node.js, an empty HOME. */
let env: NodeJS.ProcessEnv;
let zk: ZooKeeperServer;
let mesos: LocalMesos;
let chroot: string;
const started: ProcessGroup[] = [];

/** A directory of links to every program in the system's bin directories but Node.js's. */
function pathWithoutNode(dir: string): string {
  mkdirSync(dir);
  for (const bin of ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin']) {
    if (!existsSync(bin)) continue;
    for (const name of readdirSync(bin)) {
      if (NODE_PROGRAMS.test(name) || existsSync(join(dir, name))) continue;
      symlinkSync(join(bin, name), join(dir, name));
    }
  }
  return dir;
}

/** Unpacks `dist/packages/<name>-<version>.tar.gz` in a fresh directory; its top directory. */
async function unpack(name: string, top: string): Promise<string> {
  const tarball = join(PACKAGES, `${name}-${VERSION}.tar.gz`);
  if (!existsSync(tarball))
    throw new Error(`no ${tarball}: build the packages first (npx nx run-many -t package)`);
  const dir = join(work, name);
  mkdirSync(dir);
  await run('tar', ['-xzf', tarball, '-C', dir], { env });
  return join(dir, top);
}

/** Starts a program in the clean environment, in a fresh working directory; output to a log. */
function start(name: string, program: string, args: string[], extra: NodeJS.ProcessEnv = {}) {
  const cwd = join(work, `${name}-cwd`);
  mkdirSync(cwd);
  const log = join(work, `${name}.log`);
  const p = new ProcessGroup(program, args, {
    cwd,
    env: { ...env, ...extra },
    stdoutFile: log,
    stderrFile: log,
  });
  started.push(p);
  return { process: p, log };
}

/** `<program> --version` in the clean environment: the release and the pinned runtime. */
async function expectVersion(program: string, name: string): Promise<void> {
  const { stdout } = await run(program, ['--version'], { env, cwd: work });
  expect(stdout.trim()).toBe(`${name} ${VERSION} (Node.js v${RUNTIME}, linux-x64)`);
}

async function api<T>(port: number, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

beforeAll(async () => {
  work = await tempDir('packages-clean');
  const home = join(work, 'home');
  mkdirSync(home);
  env = { PATH: pathWithoutNode(join(work, 'path')), HOME: home, LANG: 'C.UTF-8' };
  zk = await startZooKeeper();
  chroot = uniqueChroot('packages');
  // The agents (and so the executor, and Riak under it) get the clean environment too.
  mesos = await startLocalMesos(join(work, 'mesos'), 1, env);
}, 120000);

afterAll(async () => {
  for (const p of started.reverse()) await p.stop(10000);
  await mesos?.close();
  await zk?.close();
  if (work && !process.env.KEEP_TEST_DIRS) await rm(work, { recursive: true, force: true });
}, 120000);

describe('the self-contained packages, on a machine without Node.js', () => {
  it('has no node on its PATH', async () => {
    await expect(run('sh', ['-c', 'command -v node'], { env })).rejects.toThrow();
  });

  it('erlpmd answers Erlang’s epmd -names', async () => {
    const top = await unpack('riak-mesos-erlpmd', 'riak-mesos-erlpmd');
    const erlpmd = join(top, 'bin', 'riak-mesos-erlpmd');
    await expectVersion(erlpmd, 'erlpmd');
    const [port] = await freePorts(1);
    const { log } = start('erlpmd', erlpmd, ['--port', String(port), '--address', '127.0.0.1']);
    const names = await waitFor(
      () =>
        run('epmd', ['-names'], { env: { ...env, ERL_EPMD_PORT: String(port) } }).then(
          (r) => r.stdout,
          () => undefined,
        ),
      { timeoutMs: 20000, intervalMs: 200, what: `erlpmd to answer (log: ${log})` },
    );
    expect(names).toContain(`epmd: up and running on port ${port} with data:`);
  });

  it('the scheduler registers, its executor runs a real Riak node, the director proxies to it, the one-file CLI reads it', async () => {
    // What every agent fetches for every Riak node stays small enough (docs/operations.md).
    const executorTarball = join(PACKAGES, `riak-mesos-executor-${VERSION}.tar.gz`);
    expect(statSync(executorTarball).size).toBeLessThan(60e6);
    const executor = await unpack('riak-mesos-executor', 'riak_mesos_executor');
    await expectVersion(join(executor, 'bin', 'riak-mesos-executor'), 'riak-mesos-executor');
    const scheduler = join(
      await unpack('riak-mesos-scheduler', 'riak-mesos-scheduler'),
      'bin',
      'riak-mesos-scheduler',
    );
    await expectVersion(scheduler, 'riak-mesos-scheduler');
    const riak = requireRiakPackage();
    const [apiPort, pbPort, httpPort] = await freePorts(3);
    const tokenFile = join(work, 'api-token');
    writeFileSync(tokenFile, TOKEN, { mode: 0o600 });
    const sched = start('scheduler', scheduler, [
      '--name',
      'packages',
      '--master',
      mesos.url,
      '--zk',
      zk.connectString + chroot,
      '--ip',
      '127.0.0.1',
      '--port',
      String(apiPort),
      '--hostname',
      '127.0.0.1',
      '--api-token-file',
      tokenFile,
      '--user',
      userInfo().username,
      '--node-cpus',
      '0.5',
      '--node-mem',
      '256',
      '--node-disk',
      '64',
      '--resource-urls',
      // The packaged executor, fetched and unpacked by the agent as from a web server.
      JSON.stringify({ executor: pathToFileURL(executorTarball).href }),
      '--riak-versions',
      JSON.stringify([
        {
          name: RIAK,
          url: pathToFileURL(riak).href,
          sha256: createHash('sha256').update(readFileSync(riak)).digest('hex'),
          flavour: 'kv3',
        },
      ]),
    ]);
    await waitFor(async () => (await mesos.state()).frameworks.some((f) => f.name === 'packages'), {
      timeoutMs: 30000,
      intervalMs: 250,
      what: `the scheduler to register (log: ${sched.log})`,
    });

    await api(apiPort, 'POST', '/clusters/c1/create', { riak_version: RIAK });
    await api(apiPort, 'POST', '/clusters/c1/nodes', { nodes: 1 });
    type Node = { state: string; member: boolean };
    await waitFor(
      async () => {
        const { nodes } = await api<{ nodes: Node[] }>(apiPort, 'GET', '/clusters/c1/nodes');
        return nodes.length === 1 && nodes[0].state === 'running' && nodes[0].member;
      },
      {
        timeoutMs: 3 * 60 * 1000,
        intervalMs: 1000,
        what: `the packaged executor to run a real Riak node (scheduler log: ${sched.log}; sandboxes under ${join(work, 'mesos')})`,
      },
    );

    const director = join(
      await unpack('riak-mesos-director', 'riak-mesos-director'),
      'bin',
      'riak-mesos-director',
    );
    await expectVersion(director, 'riak-mesos-director');
    const dir = start('director', director, [
      '--zk',
      zk.connectString + chroot,
      '--framework',
      'packages',
      '--cluster',
      'c1',
      '--host',
      '127.0.0.1',
      '--pb-port',
      String(pbPort),
      '--http-port',
      String(httpPort),
      '--no-api',
    ]);
    const pong = await waitFor(
      () =>
        fetch(`http://127.0.0.1:${httpPort}/ping`).then(
          async (r) => (r.ok ? await r.text() : undefined),
          () => undefined,
        ),
      { timeoutMs: 30000, intervalMs: 250, what: `the director to proxy (log: ${dir.log})` },
    );
    expect(pong).toBe('OK');
    // The launcher starts it with its runtime-env.json (docs/director.md, "Runtime environment").
    const { env: wanted, nodeArgs } = JSON.parse(
      readFileSync(join(REPO_ROOT, 'apps', 'director', 'runtime-env.json'), 'utf8'),
    ) as { env: Record<string, string>; nodeArgs: string[] };
    const environ = readFileSync(`/proc/${dir.process.pid}/environ`, 'utf8').split('\0');
    for (const [name, value] of Object.entries(wanted))
      expect(environ).toContain(`${name}=${value}`);
    const cmdline = readFileSync(`/proc/${dir.process.pid}/cmdline`, 'utf8').split('\0');
    for (const flag of nodeArgs) expect(cmdline).toContain(flag);

    const cli = join(PACKAGES, `riak-mesos-cli-${VERSION}-linux-x64`);
    await expectVersion(cli, 'riak-mesos');
    const { stdout } = await run(
      cli,
      ['--url', `http://127.0.0.1:${apiPort}`, '--json', 'node', 'list', 'c1'],
      { env: { ...env, RIAK_MESOS_API_TOKEN: TOKEN }, cwd: work },
    );
    expect((JSON.parse(stdout) as { nodes: Node[] }).nodes).toEqual([
      expect.objectContaining({ state: 'running', member: true }),
    ]);
    // The local system runs its processes on the CLI's Node.js: the one file says so and stops.
    await expect(run(cli, ['local', 'up'], { env, cwd: work })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('cannot run the local system'),
    });
  });
});
