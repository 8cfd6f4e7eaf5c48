import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessGroup } from '@riak-mesos/process';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { startZooKeeper, tempDir } from '@riak-mesos/testing';
import { configurationsAnswerSchema, planListAnswerSchema } from '@riak-mesos/framework-contract';
import { runCli } from './test-support/cli';
import { startSchedulerApi } from './test-support/scheduler';

// `riak-mesos plan …` and the configuration versions (`cluster configurations | configuration |
// config --dry-run | config-apply`) against the real scheduler (from its sources, over a real ZooKeeper; no
// Mesos master, so plans stay where the API puts them).
let dir: string;
let zk: ZooKeeperServer;
let scheduler: ProcessGroup;
let url: string;
/** Where the CLI finds the scheduler's token (RIAK_MESOS_ZK). */
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await tempDir('cli-plans');
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

describe('riak-mesos plan', () => {
  it('lists, shows and controls plans, and names what it refuses', async () => {
    await ok('cluster', 'create', 'c1');
    await ok('cluster', 'add-node', 'c1', '--nodes', '2');
    expect(await ok('plan', 'list', 'c1')).toMatch(
      /deploy-\S+ +│ deploy +│ PENDING +│ 0\/2 +│ parallel/,
    );
    const shown = await ok('plan', 'show', 'c1');
    expect(shown).toMatch(/^deploy plan deploy-\S+: PENDING, 0\/2 steps complete\n/);
    expect(shown).toMatch(/phase deploy \(parallel\): PENDING/);
    expect(shown).toMatch(/riak-c1-2 +│ PENDING/);

    await ok('cluster', 'restart', 'c1', '--strategy', 'canary');
    const paused = await ok('plan', 'interrupt', 'c1');
    expect(paused).toMatch(
      /^restart plan restart-\S+: WAITING, 0\/2 steps complete \(interrupted: run `plan continue`\)/,
    );
    expect(paused).toMatch(/phase roll \(canary\): WAITING\n/);
    expect(paused).toMatch(/riak-c1-1 +│ WAITING/);
    const list = planListAnswerSchema.parse(JSON.parse(await ok('--json', 'plan', 'list', 'c1')));
    const restart = list.plans.find((p) => p.kind === 'restart')!;
    expect(restart).toMatchObject({ status: 'WAITING', interrupted: true });

    const noStep = await cli('plan', 'force-complete', 'c1');
    expect(noStep.code).not.toBe(0);
    expect(noStep.err).toMatch(/required option '--step <step>'/);
    const badStep = await cli('plan', 'force-complete', 'c1', restart.id, '--step', 'nope');
    expect(badStep.code).toBe(1);
    expect(badStep.err).toMatch(/answered 404 .*has no step 'nope'/);
    const again = await cli('plan', 'interrupt', 'c1');
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/answered 409 .*already interrupted/);

    expect(await ok('plan', 'force-complete', 'c1', '--step', 'riak-c1-1')).toMatch(
      /riak-c1-1 +│ COMPLETE +│ forced complete by an operator/,
    );
    expect(await ok('plan', 'continue', 'c1')).toMatch(
      /restart plan restart-\S+: IN_PROGRESS, 1\/2/,
    );
    expect(await ok('plan', 'abort', 'c1', restart.id)).toMatch(/: ABORTED, 1\/2 steps complete/);
    const missing = await cli('plan', 'show', 'c1', 'restart-nope');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/answered 404 .*has no plan 'restart-nope'/);
  });

  it('node replace asks the scheduler and says why it refuses; permanent-failure-timeout shows and sets', async () => {
    await ok('cluster', 'create', 'c2', '--permanent-failure-timeout', '45');
    expect(await ok('cluster', 'permanent-failure-timeout', 'c2')).toBe(
      "c2: replaced after 45 s unreachable (the cluster's own)\n",
    );
    expect(await ok('cluster', 'permanent-failure-timeout', 'c2', 'default')).toBe(
      "c2: replaced after 1200 s unreachable (the scheduler's default)\n",
    );
    expect(await ok('cluster', 'permanent-failure-timeout', 'c2', '0')).toBe(
      "c2: never replaced automatically (the cluster's own)\n",
    );
    const bad = await cli('cluster', 'permanent-failure-timeout', 'c2', 'soon');
    expect([bad.code, bad.err]).toEqual([
      2,
      "riak-mesos: seconds must be a whole number, or 'default'\n",
    ]);
    // Without Mesos the nodes are never placed: no ring member to replace.
    await ok('cluster', 'add-node', 'c2', '--nodes', '1');
    const refused = await cli('node', 'replace', 'c2', 'riak-c2-1');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/answered 409 .*node 'riak-c2-1' is not a ring member/);
    const unknown = await cli('node', 'replace', 'c2', 'riak-c2-9');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/answered 404 .*riak-c2-9/);
  });
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const CONF = 'ring_size = 64\nbuckets.default.n_val = 2\n';

describe('riak-mesos cluster configurations', () => {
  it('stores versions, lists and diffs them, validates, refuses one line per rule, applies', async () => {
    await ok('cluster', 'create', 'cv1');
    await ok('cluster', 'add-node', 'cv1', '--nodes', '2');
    expect(await ok('cluster', 'config', 'cv1', '--file', file('a.conf', CONF))).toMatch(
      /stored for cv1 as a new configuration version; run 'riak-mesos cluster config-apply cv1'/,
    );
    const next = CONF.replace('n_val = 2', 'n_val = 1');
    expect(
      await ok('cluster', 'config', 'cv1', '--file', file('b.conf', next), '--dry-run'),
    ).toMatch(/passes the configuration rules; it changes riak_conf/);
    await ok('cluster', 'config', 'cv1', '--file', file('b.conf', next));

    const table = await ok('cluster', 'configurations', 'cv1');
    expect(table).toMatch(/│ 3 +│ \S+ +│ token +│ riak_conf +│ \* +│/);
    expect(table).toMatch(/the last 50 versions are kept/);
    const json = configurationsAnswerSchema.parse(
      JSON.parse(await ok('--json', 'cluster', 'configurations', 'cv1')),
    );
    expect([json.target, json.versions.map((v) => v.id)]).toEqual([3, [1, 2, 3]]);
    expect(await ok('cluster', 'configurations', 'cv1', '--diff', '2')).toBe(
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
    expect(await ok('cluster', 'configuration', 'cv1', '2')).toMatch(
      /^version 2 by token at \S+\nriak version: riak-kv-3-2\nresources: cpus \S+, mem \d+ MB, disk \d+ MB\n--- riak.conf\nring_size = 64\n/,
    );

    const bad = next.replace('n_val = 1', 'n_val = 5') + 'bitcask.data_root = /tmp/bitcask\n';
    const refused = await cli('cluster', 'config', 'cv1', '--file', file('c.conf', bad));
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/answered 409 to PUT \S+: refused by the configuration rules:\n/);
    expect(refused.err).toMatch(
      /\n {2}volume-path \(riak_conf\): bitcask.data_root = \/tmp\/bitcask is outside/,
    );
    expect(refused.err).toMatch(
      /\n {2}n-val \(buckets.default.n_val\): buckets.default.n_val 5 is above/,
    );
    const unknown = await cli('cluster', 'upgrade', 'cv1', 'riak-kv-9');
    expect([unknown.code, unknown.err]).toEqual([
      1,
      expect.stringMatching(
        /\n {2}riak-version \(riak_version\): unknown Riak version "riak-kv-9"/,
      ),
    ]);
    const badDiff = await cli('cluster', 'configurations', 'cv1', '--diff', 'x');
    expect(badDiff.code).toBe(2);

    expect(await ok('cluster', 'config-apply', 'cv1')).toMatch(
      /^config apply of cv1 started \(2 nodes, to version 3\)/,
    );
  });
});
