import { rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProcessGroup } from '@riak-mesos/process';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { startZooKeeper, tempDir } from '@riak-mesos/testing';
import { runCli } from '../test-support/cli';
import { startSchedulerApi } from '../test-support/scheduler';

// The CLI builds its request bodies with the contract's request types and checks them with the
// schemas the scheduler parses them with: what the scheduler would refuse is refused here, before
// anything is sent (a listening server sees no request); what it sends, the real scheduler takes.
let dir: string;
let zk: ZooKeeperServer;
let scheduler: ProcessGroup;
let url: string;
/** Where the CLI finds the scheduler's token (RIAK_MESOS_ZK). */
let env: NodeJS.ProcessEnv;
let listener: Server;
let listenerUrl: string;
const received: string[] = [];

beforeAll(async () => {
  dir = await tempDir('cli-requests');
  zk = await startZooKeeper();
  ({
    url,
    process: scheduler,
    env,
  } = await startSchedulerApi(dir, zk.connectString, [
    '--resource-urls',
    JSON.stringify({
      executor: 'https://pkgs.example/executor.tar.gz',
      'riak-kv-3-2': 'https://pkgs.example/riak-3.2.tar.gz',
      'riak-kv-3-4': 'https://pkgs.example/riak-3.4.tar.gz',
    }),
  ]));
  listener = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end('{"message":"not here"}');
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  listenerUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
}, 90000);

afterAll(async () => {
  await scheduler?.stop();
  await zk?.close();
  await new Promise((r) => listener?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(dir, args, env);

describe('request bodies', () => {
  it.each([
    [['cluster', 'add-node', 'c1', '--nodes', '0'], /--nodes: nodes must be a whole number/],
    [['cluster', 'add-node', 'c1', '--nodes', '101'], /--nodes: nodes must be .* 1 to 100/],
    [['cluster', 'restart', 'c1', '--strategy', 'fast'], /--strategy: strategy must be one of/],
    [['cluster', 'upgrade', 'c1', 'riak-kv-3-4', '--strategy', 'x'], /--strategy: strategy/],
    [['cluster', 'constraints', 'c1', '--set', '{"rack_id": 3}'], /--set: constraints: send/],
    [['node', 'bucket-type', 'create', 'c1', 'n1', 'maps', '{"N-Val": 3}'], /<props>: 'N-Val'/],
    [
      ['node', 'bucket-type', 'update', 'c1', 'n1', 'maps', '{"props": {"n_val": 3}, "x": 1}'],
      /unknown field 'x'/,
    ],
    [['plan', 'force-complete', 'c1', 'p1', '--step', ''], /--step: step must be a name/],
  ])('refuses %j before sending anything', async (args, message) => {
    const r = await cli('--url', listenerUrl, ...args);
    expect({ code: r.code, received }).toEqual({ code: 2, received: [] });
    expect(r.err).toMatch(message);
  });

  it('sends what the real scheduler takes', async () => {
    const ok = async (...args: string[]) => {
      const r = await cli('--url', url, ...args);
      expect({ args, code: r.code, err: r.err }).toEqual({ args, code: 0, err: '' });
      return r.out;
    };
    await ok('cluster', 'create', 'c1', 'riak-kv-3-2');
    expect(await ok('cluster', 'add-node', 'c1', '--nodes', '2')).toBe(
      'added riak-c1-1, riak-c1-2\n',
    );
    await ok('cluster', 'constraints', 'c1', '--set', '[["hostname","UNIQUE"]]');
    await ok('cluster', 'restart', 'c1', '--strategy', 'canary');
    await ok('plan', 'interrupt', 'c1', '--phase', 'roll');
    await ok('cluster', 'operation', 'c1', 'abort');
    await ok('cluster', 'upgrade', 'c1', 'riak-kv-3-4', '--strategy', 'serial');
    // The body is taken; the node is not running, which is the scheduler's 409, not a 400.
    const r = await cli(
      '--url',
      url,
      'node',
      'bucket-type',
      'create',
      'c1',
      'riak-c1-1',
      'maps',
      '{"datatype": "map", "n_val": 3}',
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/answered 409 .*not running/);
  });
});
