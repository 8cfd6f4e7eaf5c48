/**
 * The images (docker/*, built by scripts/docker-build.sh from the packaged tarballs in
 * dist/packages/) built and run for real with podman, which needs no daemon: each image runs as
 * an unprivileged user with its health check and the package's own runtime; erlpmd answers
 * Erlang's `epmd -names`; the director proxies to a real Riak node published in ZooKeeper as the
 * executor publishes it, its health check failing before and passing after; the scheduler
 * registers with local Mesos, its API and health check over TLS.
 * Containers share the host's network (every port is a free one the test picked), and the images
 * live in a store of their own in the test's directory (CONTAINERS_STORAGE_CONF), so concurrent
 * runs and the machine's own images stay apart. The base is debian:bookworm-slim when present or
 * pullable, else the Debian base scripts/image-base.sh builds once into .cache/images/.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { encodePublishedNode } from '@riak-mesos/framework-contract';
import { createLogger } from '@riak-mesos/logging';
import type { LocalMesos, RealRiakCluster, ZooKeeperServer } from '@riak-mesos/testing';
import {
  REPO_ROOT,
  VERSION,
  freePorts,
  getStatus,
  makeTestCertificates,
  startLocalMesos,
  startRealRiakCluster,
  startZooKeeper,
  tempDir,
  uniqueChroot,
  waitFor,
} from '@riak-mesos/testing';
import { ZkClient, frameworkLayout } from '@riak-mesos/zk';

const run = promisify(execFile);
const NAMES = ['scheduler', 'director', 'erlpmd'] as const;
type Name = (typeof NAMES)[number];
const image = (name: Name) => `localhost/riak-mesos-${name}:${VERSION}`;
const FRAMEWORK = 'images';
const CLUSTER = 'c1';
/** Far above the measured ~190 MB (a ~77 MB base and one ~110 MB package), below a second copy. */
const MAX_IMAGE_BYTES = 260e6;

/**
 * How containers run on a machine without a container daemon or systemd: runc (crun 1.8 refuses
 * a cgroup v1 host whose cgroup2 mount holds a controller), and resource limits below this
 * process's own (podman's defaults are higher, and raising a limit needs CAP_SYS_RESOURCE).
 */
const RUNTIME = ['--runtime', 'runc'];
const RUN_FLAGS = [
  '--network',
  'host',
  '--ulimit',
  'nofile=4096:4096',
  '--ulimit',
  'nproc=4096:4096',
];

let work: string;
/** podman's environment: this run's image store and state. */
let env: NodeJS.ProcessEnv;
let zk: ZooKeeperServer;
let mesos: LocalMesos;
let riak: RealRiakCluster;
let chroot: string;
const containers: string[] = [];

function podman(args: string[], timeout = 60000) {
  return run('podman', [...RUNTIME, ...args], { env, timeout, maxBuffer: 16 << 20 });
}

/** Starts `name`'s image in the background (its entry point with `args`); the container's name. */
async function start(
  name: Name,
  args: string[],
  vars: Record<string, string> = {},
  flags: string[] = [],
) {
  const container = `riak-mesos-test-${name}-${randomBytes(4).toString('hex')}`;
  containers.push(container);
  const envFlags = Object.entries(vars).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  await podman([
    'run',
    '-d',
    '--name',
    container,
    ...RUN_FLAGS,
    ...envFlags,
    ...flags,
    image(name),
    ...args,
  ]);
  return container;
}

/** The container's output, for the message of a wait that timed out. */
const logs = (container: string) =>
  podman(['logs', '--tail', '20', container]).then(
    (r) => r.stdout + r.stderr,
    (e: Error) => e.message,
  );

/** The image's own HEALTHCHECK, run now in the container: true when it passes. */
const healthy = (container: string) =>
  podman(['healthcheck', 'run', container], 20000).then(
    () => true,
    () => false,
  );

async function waitHealthy(container: string, what: string) {
  try {
    await waitFor(() => healthy(container), { timeoutMs: 30000, intervalMs: 500, what });
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${await logs(container)}`);
  }
}

beforeAll(
  async () => {
    work = await tempDir('images');
    // A store of images and containers of this run's own, and podman's state beside it.
    writeFileSync(
      join(work, 'storage.conf'),
      `[storage]\ndriver = "overlay"\ngraphroot = "${work}/storage"\nrunroot = "${work}/run"\n`,
    );
    writeFileSync(join(work, 'containers.conf'), `[engine]\ntmp_dir = "${work}/libpod"\n`);
    env = {
      ...process.env,
      CONTAINERS_STORAGE_CONF: join(work, 'storage.conf'),
      CONTAINERS_CONF: join(work, 'containers.conf'),
    };
    chroot = uniqueChroot('images');
    // The images, ZooKeeper, local Mesos and a real Riak node come up side by side.
    const build = run('bash', [join(REPO_ROOT, 'scripts', 'docker-build.sh'), '--no-package'], {
      cwd: REPO_ROOT,
      env: { ...env, ENGINE: 'podman' },
      timeout: 5 * 60 * 1000,
    });
    [, zk, mesos, riak] = await Promise.all([
      build,
      startZooKeeper(),
      startLocalMesos(join(work, 'mesos'), 1),
      startRealRiakCluster({ nodes: 1 }),
    ]);
  },
  6 * 60 * 1000,
);

afterAll(async () => {
  if (containers.length)
    await podman(['rm', '-f', '-t', '0', ...containers]).catch(() => undefined);
  await riak?.stop();
  await mesos?.close();
  await zk?.close();
  if (work) {
    // Images and layers unmounted before the store goes.
    await podman(['rmi', '-a', '-f']).catch(() => undefined);
    if (!process.env.KEEP_TEST_DIRS) await rm(work, { recursive: true, force: true });
  }
}, 120000);

describe('the images, built from the packages', () => {
  it.each(NAMES)(
    '%s: a non-root user, a health check, the package as entry point, a slim size',
    async (name) => {
      const { stdout } = await podman(['image', 'inspect', image(name)]);
      const [info] = JSON.parse(stdout) as {
        Size: number;
        Config: { User?: string; Entrypoint?: string[] };
        Healthcheck?: { Test?: string[] };
      }[];
      const program = `/opt/riak-mesos-${name}/bin/riak-mesos-${name}`;
      expect(info.Config.User).toBe('riak-mesos');
      expect(info.Config.Entrypoint).toEqual([program]);
      expect(info.Healthcheck?.Test?.[0]).toBe('CMD');
      expect(info.Size).toBeLessThan(MAX_IMAGE_BYTES);
      // The user exists in the image and is not root; the package runs on its own runtime there.
      const id = await podman([
        'run',
        '--rm',
        ...RUN_FLAGS,
        '--entrypoint',
        'id',
        image(name),
        '-u',
      ]);
      expect(Number(id.stdout.trim())).toBeGreaterThan(0);
      const version = await podman(['run', '--rm', ...RUN_FLAGS, image(name), '--version']);
      expect(version.stdout).toMatch(
        new RegExp(`^\\S+ ${VERSION} \\(Node\\.js v[\\d.]+, linux-x64\\)`),
      );
    },
  );

  it('erlpmd answers Erlang’s epmd -names and is healthy', async () => {
    const [port] = await freePorts(1);
    const c = await start('erlpmd', [], { ERL_EPMD_PORT: String(port) });
    await waitHealthy(c, 'erlpmd’s health check to pass');
    const { stdout } = await run('epmd', ['-names'], {
      env: { ...process.env, ERL_EPMD_PORT: String(port) },
    });
    expect(stdout).toContain(`epmd: up and running on port ${port} with data:`);
  });

  it('the director is unhealthy without nodes, then healthy and proxying to a real Riak node', async () => {
    const [pbPort, httpPort, apiPort] = await freePorts(3);
    const c = await start(
      'director',
      [
        ...['--zk', zk.connectString + chroot, '--framework', FRAMEWORK, '--cluster', CLUSTER],
        ...['--host', '127.0.0.1', '--pb-port', String(pbPort), '--http-port', String(httpPort)],
      ],
      { DIRECTOR_API_PORT: String(apiPort), DIRECTOR_API_HOST: '127.0.0.1' },
    );
    const status = async () => {
      const r = await fetch(`http://127.0.0.1:${apiPort}/health`);
      return { code: r.status, body: (await r.json()) as { reason?: string } };
    };
    // Up, but nothing to proxy to: the health check says so.
    const before = await waitFor(() => status().catch(() => undefined), {
      timeoutMs: 30000,
      intervalMs: 250,
      what: 'the director’s API to answer',
    });
    expect(before).toMatchObject({
      code: 503,
      body: { reason: expect.stringMatching(/no nodes/) },
    });
    expect(await healthy(c)).toBe(false);

    // The node published as the executor publishes it.
    const client = await ZkClient.connect({
      connect: zk.connectString + chroot,
      logger: createLogger('images-test', { level: 'error' }),
    });
    try {
      const node = riak.nodes[0];
      await client.createEphemeral(
        frameworkLayout(FRAMEWORK).coordinatedNode(`${FRAMEWORK}-${CLUSTER}-1`),
        encodePublishedNode({
          FrameworkName: FRAMEWORK,
          ClusterName: CLUSTER,
          NodeName: node.nodeName,
          DisterlPort: 1,
          PBPort: node.pbPort,
          HTTPPort: node.httpPort,
          Hostname: node.host,
        }),
        { parents: true },
      );
      await waitHealthy(c, 'the director’s health check to pass');
      const pong = await fetch(`http://127.0.0.1:${httpPort}/ping`);
      expect(await pong.text()).toBe('OK');
    } finally {
      await client.close();
    }
  });

  it('the scheduler, serving its API over TLS, registers with Mesos and is healthy', async () => {
    const [apiPort] = await freePorts(1);
    // The certificate and its key as an operator mounts them: the key the image's user's alone.
    const tls = join(work, 'tls');
    mkdirSync(tls, { mode: 0o755 });
    const certs = makeTestCertificates(tls);
    const uid = Number(
      (await podman(['run', '--rm', ...RUN_FLAGS, '--entrypoint', 'id', image('scheduler'), '-u']))
        .stdout,
    );
    chownSync(certs.key, uid, uid);
    const c = await start(
      'scheduler',
      [
        ...['--name', FRAMEWORK, '--master', mesos.url, '--zk', zk.connectString + chroot],
        ...['--ip', '127.0.0.1', '--hostname', '127.0.0.1'],
      ],
      {
        RIAK_MESOS_PORT: String(apiPort),
        RIAK_MESOS_TLS_CERT: `/tls/${basename(certs.cert)}`,
        RIAK_MESOS_TLS_KEY: `/tls/${basename(certs.key)}`,
      },
      ['-v', `${tls}:/tls:ro`],
    );
    try {
      await waitFor(
        async () => (await mesos.state()).frameworks.some((f) => f.name === FRAMEWORK),
        {
          timeoutMs: 30000,
          intervalMs: 250,
          what: 'the scheduler to register',
        },
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${await logs(c)}`);
    }
    await waitHealthy(c, 'the scheduler’s health check to pass');
    expect(await getStatus(apiPort, '/healthcheck', { ca: certs.ca })).toBe(200);
    // https only: the check that passed spoke TLS.
    await expect(getStatus(apiPort, '/healthcheck', { tls: false })).rejects.toThrow();
  });
});
