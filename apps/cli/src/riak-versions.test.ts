import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessGroup } from '@riak-mesos/process';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { freePort, startZooKeeper, tempDir } from '@riak-mesos/testing';
import { runCli } from './test-support/cli';
import { startSchedulerApi } from './test-support/scheduler';

// The real scheduler (run from its sources) over a real ZooKeeper, with a catalogue; its Mesos
// master is a closed port: the API answers without one.
let dir: string;
let zk: ZooKeeperServer;
let scheduler: ProcessGroup;
let url: string;
/** Where the CLI finds the scheduler's token (RIAK_MESOS_ZK). */
let env: NodeJS.ProcessEnv;
const pkgText = 'a package file: the scheduler checks its sha256 at start\n';
const sha256 = createHash('sha256').update(pkgText).digest('hex');

beforeAll(async () => {
  dir = await tempDir('cli-riak-versions');
  zk = await startZooKeeper();
  const pkg = join(dir, 'riak-kv-3.2.2.tar.gz');
  writeFileSync(pkg, pkgText);
  ({
    url,
    process: scheduler,
    env,
  } = await startSchedulerApi(dir, zk.connectString, [
    '--riak-versions',
    JSON.stringify([
      { name: 'riak-kv-3.2', url: pkg, sha256, flavour: 'kv3' },
      { name: 'riak-ts-1.5', url: 'https://pkgs.example/riak-ts-1.5.2.tar.gz', flavour: 'ts1' },
    ]),
    '--resource-urls',
    JSON.stringify({
      executor: 'https://pkgs.example/executor.tar.gz',
      'riak-kv-2-2': 'https://pkgs.example/riak-2.2.3.tar.gz',
    }),
  ]));
}, 90000);

afterAll(async () => {
  await scheduler?.stop();
  await zk?.close();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli(dir, args, env);

describe('riak-mesos riak versions', () => {
  it('prints the catalogue as a table', async () => {
    const r = await cli(['--url', url, 'riak', 'versions']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rows = r.out
      .split('\n')
      .filter((l) => l.includes('│'))
      .map((l) =>
        l
          .split('│')
          .map((c) => c.trim())
          .filter(Boolean),
      );
    expect(rows).toEqual([
      ['Name', 'Flavour', 'Root path', 'sha256', 'URL'],
      ['riak-kv-3.2', 'kv3', 'root', `${sha256.slice(0, 12)}…`, join(dir, 'riak-kv-3.2.2.tar.gz')],
      ['riak-ts-1.5', 'ts1', 'root', '-', 'https://pkgs.example/riak-ts-1.5.2.tar.gz'],
      ['riak-kv-2-2', 'kv2', 'root', '-', 'https://pkgs.example/riak-2.2.3.tar.gz'],
    ]);
    expect(r.out).toContain('new clusters get riak-kv-3.2 unless told otherwise');
  });

  it("prints the scheduler's answer with --json, and config riak-versions still lists names", async () => {
    const r = await cli(['--url', url, 'riak', 'versions', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      versions: ['riak-kv-3.2', 'riak-ts-1.5', 'riak-kv-2-2'],
      catalogue: [
        {
          name: 'riak-kv-3.2',
          url: join(dir, 'riak-kv-3.2.2.tar.gz'),
          sha256,
          rootPath: 'root',
          flavour: 'kv3',
        },
        {
          name: 'riak-ts-1.5',
          url: 'https://pkgs.example/riak-ts-1.5.2.tar.gz',
          sha256: null,
          rootPath: 'root',
          flavour: 'ts1',
        },
        {
          name: 'riak-kv-2-2',
          url: 'https://pkgs.example/riak-2.2.3.tar.gz',
          sha256: null,
          rootPath: 'root',
          flavour: 'kv2',
        },
      ],
    });
    const names = await cli(['--url', url, 'config', 'riak-versions']);
    expect(names.out).toBe('riak-kv-3.2\nriak-ts-1.5\nriak-kv-2-2\n');
  });

  it('says when the scheduler cannot be reached', async () => {
    const r = await cli(['--url', `http://127.0.0.1:${await freePort()}`, 'riak', 'versions']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot reach the scheduler at .*ECONNREFUSED/);
  });
});
