import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { frameworkZkCredentialsSchema } from '@riak-mesos/framework-contract';
import type { ProcessGroup } from '@riak-mesos/process';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { startZooKeeper, tempDir } from '@riak-mesos/testing';
import { makeZkCredentials } from './local/stack';
import { runCli } from './test-support/cli';
import { startSchedulerApi } from './test-support/scheduler';

// A real scheduler (from its sources, over a real ZooKeeper) with ZooKeeper credentials: the CLI
// reads its token from ZooKeeper only as the scheduler identity (docs/security.md, "ZooKeeper").
let dir: string;
let zk: ZooKeeperServer;
let scheduler: ProcessGroup;
let url: string;
let env: NodeJS.ProcessEnv;
let authFile: string;

beforeAll(async () => {
  dir = await tempDir('cli-zk-auth');
  zk = await startZooKeeper();
  authFile = join(dir, 'zk-auth.json');
  writeFileSync(authFile, JSON.stringify(makeZkCredentials()), { mode: 0o600 });
  ({
    url,
    process: scheduler,
    env,
  } = await startSchedulerApi(dir, zk.connectString, ['--zk-auth-file', authFile]));
}, 90000);

afterAll(async () => {
  await scheduler?.stop();
  await zk?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the CLI and a scheduler with ZooKeeper ACLs', () => {
  it('local up makes three different random identities the scheduler takes', () => {
    const a = makeZkCredentials();
    expect(frameworkZkCredentialsSchema.parse(a)).toEqual(a);
    expect(makeZkCredentials().scheduler).not.toBe(a.scheduler);
  });

  it('framework token needs the credentials file, and says so', async () => {
    const log = readFileSync(join(dir, 'scheduler.log'), 'utf8');
    expect(log).toContain('ZooKeeper ACLs on');
    expect(log).not.toContain('ZooKeeper is OPEN');
    const anonymous = await runCli(dir, ['framework', 'token'], env);
    expect(anonymous.code).toBe(1);
    expect(anonymous.err).toMatch(/ZooKeeper refuses .*--zk-auth-file or RIAK_MESOS_ZK_AUTH_FILE/);
    const byEnv = await runCli(dir, ['framework', 'token'], {
      ...env,
      RIAK_MESOS_ZK_AUTH_FILE: authFile,
    });
    expect([byEnv.code, byEnv.err]).toEqual([0, '']);
    const byFlag = await runCli(dir, ['framework', 'token', '--zk-auth-file', authFile], env);
    expect(byFlag.out).toBe(byEnv.out);
    const listed = await runCli(dir, ['--url', url, 'cluster', 'list'], {
      ...env,
      RIAK_MESOS_ZK_AUTH_FILE: authFile,
    });
    expect([listed.code, listed.err]).toEqual([0, '']);
  });
});
