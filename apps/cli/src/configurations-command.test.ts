import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessGroup } from '@riak-mesos/process';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { startZooKeeper, tempDir } from '@riak-mesos/testing';
import { configurationsAnswerSchema } from '@riak-mesos/framework-contract';
import { runCli } from './test-support/cli';
import { startSchedulerApi } from './test-support/scheduler';

// `riak-mesos cluster configurations | configuration | config --dry-run | config-apply` against
// the real scheduler (from its sources, over a real ZooKeeper; no Mesos master).
let dir: string;
let zk: ZooKeeperServer;
let scheduler: ProcessGroup;
let url: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await tempDir('cli-configver');
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
    }),
  ]));
}, 90000);

afterAll(async () => {
  await scheduler?.stop();
  await zk?.close();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(dir, ['--url', url, ...args], env);

async function ok(...args: string[]): Promise<string> {
  const r = await cli(...args);
  expect([r.code, r.err]).toEqual([0, '']);
  return r.out;
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const CONF = 'ring_size = 64\nbuckets.default.n_val = 2\n';

describe('riak-mesos cluster configurations', () => {
  it('stores versions, lists and diffs them, validates, refuses one line per rule, applies', async () => {
    await ok('cluster', 'create', 'c1');
    await ok('cluster', 'add-node', 'c1', '--nodes', '2');
    expect(await ok('cluster', 'config', 'c1', '--file', file('a.conf', CONF))).toMatch(
      /stored for c1 as a new configuration version; run 'riak-mesos cluster config-apply c1'/,
    );
    const next = CONF.replace('n_val = 2', 'n_val = 1');
    expect(
      await ok('cluster', 'config', 'c1', '--file', file('b.conf', next), '--dry-run'),
    ).toMatch(/passes the configuration rules; it changes riak_conf/);
    await ok('cluster', 'config', 'c1', '--file', file('b.conf', next));

    const table = await ok('cluster', 'configurations', 'c1');
    expect(table).toMatch(/│ 3 +│ \S+ +│ token +│ riak_conf +│ \* +│/);
    expect(table).toMatch(/the last 50 versions are kept/);
    const json = configurationsAnswerSchema.parse(
      JSON.parse(await ok('--json', 'cluster', 'configurations', 'c1')),
    );
    expect([json.target, json.versions.map((v) => v.id)]).toEqual([3, [1, 2, 3]]);
    expect(await ok('cluster', 'configurations', 'c1', '--diff', '2')).toBe(
      [
        'version 2 -> target 3',
        '--- riak_conf',
        '@@ -1,2 +1,2 @@',
        ' ring_size = 64',
        '-buckets.default.n_val = 2',
        '+buckets.default.n_val = 1',
        '',
      ].join('\n'),
    );
    expect(await ok('cluster', 'configuration', 'c1', '2')).toMatch(
      /^version 2 by token at \S+\nriak version: riak-kv-3-2\nresources: cpus \S+, mem \d+ MB, disk \d+ MB\n--- riak.conf\nring_size = 64\n/,
    );

    const bad = next.replace('n_val = 1', 'n_val = 5') + 'bitcask.data_root = /tmp/bitcask\n';
    const refused = await cli('cluster', 'config', 'c1', '--file', file('c.conf', bad));
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/answered 409 to PUT \S+: refused by the configuration rules:\n/);
    expect(refused.err).toMatch(
      /\n {2}volume-path \(riak_conf\): bitcask.data_root = \/tmp\/bitcask is outside/,
    );
    expect(refused.err).toMatch(
      /\n {2}n-val \(buckets.default.n_val\): buckets.default.n_val 5 is above/,
    );
    const unknown = await cli('cluster', 'upgrade', 'c1', 'riak-kv-9');
    expect([unknown.code, unknown.err]).toEqual([
      1,
      expect.stringMatching(
        /\n {2}riak-version \(riak_version\): unknown Riak version "riak-kv-9"/,
      ),
    ]);
    const badDiff = await cli('cluster', 'configurations', 'c1', '--diff', 'x');
    expect(badDiff.code).toBe(2);

    expect(await ok('cluster', 'config-apply', 'c1')).toMatch(
      /^config apply of c1 started \(2 nodes, to version 3\)/,
    );
  });
});
