/**
 * EPMD ownership across hosts, with real daemons, a real ZooKeeper and real Erlang nodes: a name
 * held by one host's node is refused to another host's node (and logged with its owner), and no
 * other host's daemon, node or `-stop` removes the holder's registration.
 */
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EpmdClient } from '@riak-mesos/epmd';
import { ProcessGroup } from '@riak-mesos/process';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { freePorts, startZooKeeper, tempDir, uniqueChroot, waitFor } from '@riak-mesos/testing';
import { ZkClient, frameworkLayout } from '@riak-mesos/zk';

const run = promisify(execFile);
const main = join(__dirname, 'main.ts');
const tsx = join(__dirname, '..', '..', '..', 'node_modules', '.bin', 'tsx');
const FW = 'owners';

let zkServer: ZooKeeperServer;
let chroot: string;
let beamDir: string;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  beamDir = await tempDir('erlpmd-beam');
  execFileSync('erlc', [
    '-o',
    beamDir,
    join(__dirname, '..', '..', '..', 'libs', 'epmd', 'erlang', 'riak_mesos_epmd.erl'),
  ]);
  zkServer = await startZooKeeper();
  chroot = uniqueChroot('erlpmd-owners');
  const root = await ZkClient.connect({ connect: zkServer.connectString });
  await root.ensurePath(chroot);
  await root.close();
}, 60000);

afterAll(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  await zkServer?.close();
}, 30000);

/** An erlpmd daemon for `host`, its JSON log lines kept. */
function daemon(port: number, host: string): { logs: Record<string, unknown>[] } {
  const logs: Record<string, unknown>[] = [];
  const p = new ProcessGroup(
    tsx,
    [
      main,
      '-port',
      String(port),
      '-relaxed_command_check',
      '-zk',
      zkServer.connectString + chroot,
      '-framework',
      FW,
      '-host',
      host,
    ],
    {
      env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info' },
      onStderrLine: (l) => {
        try {
          logs.push(JSON.parse(l) as Record<string, unknown>);
        } catch {
          // not a log line
        }
      },
    },
  );
  cleanup.push(() => p.stop(2000));
  return { logs };
}

/** A real Erlang node named `name@127.0.0.1` registering with the EPMD at `epmdPort`. */
function erlNode(name: string, epmdPort: number, distPort: number, out: string[]): ProcessGroup {
  const p = new ProcessGroup(
    'erl',
    [
      '-noshell',
      '-noinput',
      '-name',
      `${name}@127.0.0.1`,
      '-setcookie',
      'owners-test',
      '-start_epmd',
      'false',
      '-epmd_module',
      'riak_mesos_epmd',
      '-epmd_port',
      String(epmdPort),
      '-pa',
      beamDir,
      '-kernel',
      'inet_dist_listen_min',
      String(distPort),
      'inet_dist_listen_max',
      String(distPort),
      '-eval',
      'io:format("up~n"), receive after infinity -> ok end.',
    ],
    {
      env: { ...process.env, ERL_EPMD_PORT: String(epmdPort) },
      onStdoutLine: (l) => out.push(l),
      onStderrLine: (l) => out.push(l),
    },
  );
  cleanup.push(() => p.stop(2000));
  return p;
}

const listening = (client: EpmdClient) =>
  waitFor(
    () =>
      client.names().then(
        () => true,
        () => false,
      ),
    { timeoutMs: 20000, what: 'erlpmd to listen' },
  );

describe('EPMD ownership across hosts', () => {
  it("refuses a name another host's node holds, logs who holds it, and never removes that host's registration", async () => {
    const [portA, portB, distA, distB] = await freePorts(4);
    daemon(portA, '127.0.0.4');
    const b = daemon(portB, '127.0.0.5');
    const clientA = new EpmdClient({ port: portA });
    const clientB = new EpmdClient({ port: portB });
    await listening(clientA);
    await listening(clientB);

    const outA: string[] = [];
    erlNode('dup', portA, distA, outA);
    await waitFor(async () => (await clientB.portPlease('dup'))?.port === distA, {
      timeoutMs: 30000,
      what: "host A's node to be registered and seen from host B",
    });
    const zk = await ZkClient.connect({ connect: zkServer.connectString + chroot });
    cleanup.push(() => zk.close());
    const path = frameworkLayout(FW).erlpmdNode('dup');
    const held = await zk.get(path);
    const record = JSON.parse(held.data.toString()) as Record<string, unknown>;
    expect(record).toMatchObject({ name: 'dup', port: distA, host: '127.0.0.4' });
    expect(record.session).toBe(held.stat.ephemeralOwner);

    // The same name on host B: the real node cannot start its distribution.
    const outB: string[] = [];
    const second = erlNode('dup', portB, distB, outB);
    const exit = await Promise.race([
      second.exited,
      new Promise((r) => setTimeout(() => r('still running'), 30000)),
    ]);
    expect(exit).not.toBe('still running');
    expect(outB.join('\n')).toMatch(/dup@127\.0\.0\.1.*in use|duplicate_name/s);
    expect(outB).not.toContain('up');
    await waitFor(
      () =>
        b.logs.some(
          (l) => l.message === 'refusing a registration: the name is held by a live node',
        ),
      {
        timeoutMs: 10000,
        what: 'host B to log the refusal',
      },
    );
    expect(
      b.logs.find((l) => l.message === 'refusing a registration: the name is held by a live node'),
    ).toMatchObject({
      level: 'warn',
      name: 'dup',
      host: '127.0.0.5',
      ownerHost: '127.0.0.4',
      ownerSession: held.stat.ephemeralOwner,
    });

    // `epmd -stop dup` on host B does not touch host A's registration.
    const stop = await run(tsx, [main, '-port', String(portB), '-stop', 'dup']).catch(
      (err: { stdout: string }) => err,
    );
    expect(stop.stdout).toBe('NOEXIST\n');
    const after = await zk.get(path);
    expect(after.stat.ephemeralOwner).toBe(held.stat.ephemeralOwner);
    expect(after.stat.version).toBe(held.stat.version);
    expect((await clientB.portPlease('dup'))?.port).toBe(distA);
    expect(outA).toContain('up');
  }, 90000);
});
