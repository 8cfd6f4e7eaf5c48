import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { ProcessGroup } from '@riak-mesos/process';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { freePorts, startZooKeeper, tempDir, uniqueChroot, waitFor } from '@riak-mesos/testing';
import { ZkClient, frameworkLayout } from '@riak-mesos/zk';
import { EpmdClient } from './client';
import { EpmdServer } from './server';
import { ZkStore } from './store';

// Real Erlang nodes (Debian erlang-base) against our EPMD, through the shipped epmd module.
let beamDir: string;
let zkServer: ZooKeeperServer;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  beamDir = await tempDir('epmd-beam');
  execFileSync('erlc', ['-o', beamDir, join(__dirname, '..', 'erlang', 'riak_mesos_epmd.erl')]);
  zkServer = await startZooKeeper();
}, 60000);

afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});
afterAll(async () => zkServer.close());

function erlNode(
  name: string,
  epmdPort: number,
  distPort: number,
  evalExpr: string,
  out: (l: string) => void = () => undefined,
): ProcessGroup {
  const p = new ProcessGroup(
    'erl',
    [
      '-noshell',
      '-noinput',
      '-name',
      `${name}@127.0.0.1`,
      '-setcookie',
      'riak-test',
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
      evalExpr,
    ],
    {
      env: { ...process.env, ERL_EPMD_PORT: String(epmdPort) },
      onStdoutLine: out,
      onStderrLine: out,
    },
  );
  cleanup.push(() => p.stop(2000));
  return p;
}

async function zkEpmd(framework: string, chroot: string): Promise<EpmdServer> {
  const zk = await ZkClient.connect({ connect: zkServer.connectString + chroot });
  const server = new EpmdServer({ port: 0, store: new ZkStore(zk, framework, '127.0.0.1') });
  await server.start();
  cleanup.push(async () => {
    await server.stop();
    await zk.close();
  });
  return server;
}

describe('the riak_mesos_epmd beam', () => {
  it('loads on OTP 22 and later, whichever erlc compiled it', () => {
    // The highest instruction a beam uses is in its Code chunk header; OTP 22's last one is
    // bs_set_position (168). Records and code for newer OTPs would raise it (badrecord is 180).
    const highest = execFileSync(
      'erl',
      [
        '-noshell',
        '-eval',
        `{ok, _, Chunks} = beam_lib:all_chunks("${join(beamDir, 'riak_mesos_epmd.beam')}"), {_, <<_:64, Max:32, _/binary>>} = lists:keyfind("Code", 1, Chunks), io:format("~p~n", [Max]), halt().`,
      ],
      { encoding: 'utf8' },
    );
    expect(Number(highest.trim())).toBeGreaterThan(100);
    expect(Number(highest.trim())).toBeLessThanOrEqual(168);
  });
});

describe('real Erlang nodes', () => {
  it('an erl node registers with our server and the C epmd client lists it', async () => {
    const server = new EpmdServer({ port: 0 });
    await server.start();
    cleanup.push(() => server.stop());
    const [dist] = await freePorts(1);
    erlNode('alpha', server.port, dist, 'receive after infinity -> ok end.');
    const client = new EpmdClient({ port: server.port });
    await waitFor(async () => (await client.portPlease('alpha'))?.port === dist, {
      timeoutMs: 20000,
      what: 'alpha to register',
    });
    const { stdout: listed } = await promisify(execFile)(
      'epmd',
      ['-port', String(server.port), '-names'],
      { encoding: 'utf8' },
    );
    expect(listed).toContain(`epmd: up and running on port ${server.port} with data:`);
    expect(listed).toContain(`name alpha at port ${dist}`);
  }, 40000);

  it('two nodes, each with its own EPMD on another port sharing one ZooKeeper, reach each other', async () => {
    const chroot = uniqueChroot('erlpmd');
    const epmdA = await zkEpmd('riak', chroot);
    const epmdB = await zkEpmd('riak', chroot);
    expect(epmdA.port).not.toBe(epmdB.port);
    const [distA, distB] = await freePorts(2);
    const nodeB = erlNode('bravo', epmdB.port, distB, 'receive after infinity -> ok end.');
    await waitFor(
      async () => (await new EpmdClient({ port: epmdA.port }).portPlease('bravo'))?.port === distB,
      { timeoutMs: 20000, what: 'bravo visible through the other EPMD' },
    );
    const lines: string[] = [];
    const nodeA = erlNode(
      'alpha',
      epmdA.port,
      distA,
      'io:format("ping=~p mode=~p~n", [net_adm:ping(\'bravo@127.0.0.1\'), riak_mesos_epmd:lookup_mode()]), halt().',
      (l) => lines.push(l),
    );
    await nodeA.exited;
    // alpha found bravo's port through a lookup session with its own EPMD.
    expect(lines).toContain('ping=pong mode=session');

    // The registration is an ephemeral znode; when bravo stops it is gone.
    const zk = await ZkClient.connect({ connect: zkServer.connectString + chroot });
    cleanup.push(() => zk.close());
    const path = frameworkLayout('riak').erlpmdNode('bravo');
    expect(JSON.parse((await zk.get(path)).data.toString())).toMatchObject({
      name: 'bravo',
      port: distB,
    });
    await nodeB.stop(2000);
    await waitFor(async () => (await zk.exists(path)) === null, {
      timeoutMs: 10000,
      what: 'bravo unregistered',
    });
  }, 60000);

  it('looks up one connection at a time from a stock epmd, which has no lookup sessions', async () => {
    const [epmdPort, distA, distB] = await freePorts(3);
    const epmd = new ProcessGroup('epmd', ['-port', String(epmdPort), '-address', '127.0.0.1']);
    cleanup.push(() => epmd.stop(2000));
    await waitFor(
      () =>
        new EpmdClient({ port: epmdPort }).names().then(
          () => true,
          () => false,
        ),
      { what: 'the C epmd' },
    );
    erlNode('bravo', epmdPort, distB, 'receive after infinity -> ok end.');
    await waitFor(
      async () => (await new EpmdClient({ port: epmdPort }).portPlease('bravo')) !== undefined,
      {
        timeoutMs: 20000,
        what: 'bravo to register with the C epmd',
      },
    );
    const lines: string[] = [];
    const nodeA = erlNode(
      'alpha',
      epmdPort,
      distA,
      'io:format("ping=~p mode=~p~n", [net_adm:ping(\'bravo@127.0.0.1\'), riak_mesos_epmd:lookup_mode()]), halt().',
      (l) => lines.push(l),
    );
    await nodeA.exited;
    expect(lines).toContain('ping=pong mode=one_connection');
  }, 60000);

  it('opens a new lookup session when its EPMD comes back, and answers meanwhile', async () => {
    const [epmdPort, dist] = await freePorts(2);
    let server = new EpmdServer({ port: epmdPort });
    await server.start();
    cleanup.push(() => server.stop());
    let bravo = await new EpmdClient({ port: epmdPort }).register({ name: 'bravo', port: 40001 });
    const seen: string[] = [];
    // Looks bravo up every 50 ms and prints each change of answer or lookup mode.
    erlNode(
      'alpha',
      epmdPort,
      dist,
      'L = fun L(Last) -> R = {riak_mesos_epmd:port_please(bravo, "elsewhere"), riak_mesos_epmd:lookup_mode()}, [io:format("~p~n", [R]) || R =/= Last], timer:sleep(50), L(R) end, L(none).',
      (l) => seen.push(l),
    );
    await waitFor(() => seen.includes('{{port,40001,6},session}'), {
      timeoutMs: 20000,
      what: 'a lookup through a session',
    });
    bravo.close();
    await server.stop();
    await waitFor(() => seen.includes('{noport,one_connection}'), {
      what: 'lookups to find no EPMD',
    });
    server = new EpmdServer({ port: epmdPort });
    await server.start();
    bravo = await new EpmdClient({ port: epmdPort }).register({ name: 'bravo', port: 40002 });
    cleanup.push(() => Promise.resolve(bravo.close()));
    // One connection per lookup at once, a new session once the retry pause is over.
    await waitFor(() => seen.includes('{{port,40002,6},session}'), {
      timeoutMs: 20000,
      what: 'a new session',
    });
    expect(seen).toContain('{{port,40002,6},one_connection}');
    expect(server.lookupSessions).toBe(1);
  }, 60000);

  it('refuses a name held by a live node elsewhere instead of overwriting it', async () => {
    const chroot = uniqueChroot('erlpmd-dup');
    const epmdA = await zkEpmd('riak', chroot);
    const epmdB = await zkEpmd('riak', chroot);
    const first = await new EpmdClient({ port: epmdA.port }).register({
      name: 'riak-default-1',
      port: 40001,
    });
    cleanup.push(() => Promise.resolve(first.close()));
    await expect(
      new EpmdClient({ port: epmdB.port }).register({ name: 'riak-default-1', port: 40002 }),
    ).rejects.toThrow(/refused/);
    expect((await new EpmdClient({ port: epmdB.port }).portPlease('riak-default-1'))?.port).toBe(
      40001,
    );
  });
});
