/**
 * The daemon with ZooKeeper credentials (docs/security.md, "ZooKeeper"), a real ZooKeeper and a
 * real daemon process: its registrations carry the framework's ACL (node and scheduler only), and
 * a credentials file open to other users is refused.
 */
import { execFile } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EpmdClient } from '@riak-mesos/epmd';
import { ProcessGroup } from '@riak-mesos/process';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { freePort, startZooKeeper, tempDir, uniqueChroot, waitFor } from '@riak-mesos/testing';
import {
  NoAuthError,
  ZkClient,
  aclText,
  digestId,
  frameworkAcl,
  frameworkLayout,
  frameworkZkOptions,
} from '@riak-mesos/zk';

const run = promisify(execFile);
const main = join(__dirname, 'main.ts');
const tsx = join(__dirname, '..', '..', '..', 'node_modules', '.bin', 'tsx');
const layout = frameworkLayout('guarded');
const ids = {
  scheduler: digestId('sched', 'scheduler-secret'),
  node: digestId('node', 'node-secret-1'),
  director: digestId('director', 'director-secret'),
};

let zkServer: ZooKeeperServer;
let dir: string;

beforeAll(async () => {
  zkServer = await startZooKeeper();
  dir = await tempDir('erlpmd-zk-auth');
}, 60000);

afterAll(async () => {
  await zkServer.close();
});

function authFile(name: string, mode: number): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    JSON.stringify({
      node: 'node:node-secret-1',
      schedulerId: ids.scheduler,
      directorId: ids.director,
    }),
  );
  chmodSync(file, mode);
  return file;
}

describe('erlpmd with ZooKeeper credentials', () => {
  it('registers with the rule ACL: anonymous clients see nothing, the scheduler everything', async () => {
    const connect = zkServer.connectString + uniqueChroot('erlpmd-acl');
    // The scheduler makes the framework's paths (and their ACLs) before any node runs.
    const scheduler = await ZkClient.connect({
      connect,
      ...frameworkZkOptions(layout, { user: 'sched', password: 'scheduler-secret' }, ids),
    });
    await scheduler.ensurePath(layout.erlpmdNodes);
    const port = await freePort();
    const file = authFile('zk-auth.json', 0o600);
    const daemon = new ProcessGroup(tsx, [
      main,
      '-port',
      String(port),
      '-zk',
      connect,
      '-framework',
      'guarded',
      '-zk_auth_file',
      file,
    ]);
    const anonymous = await ZkClient.connect({ connect });
    try {
      const client = new EpmdClient({ port });
      await waitFor(
        () =>
          client.names().then(
            () => true,
            () => false,
          ),
        { timeoutMs: 20000, what: 'erlpmd to listen' },
      );
      const reg = await client.register({ name: 'riak-guarded-1', port: 45678 });
      const path = layout.erlpmdNode('riak-guarded-1');
      await waitFor(async () => (await scheduler.exists(path)) !== null, {
        timeoutMs: 10000,
        what: 'the registration in ZooKeeper',
      });
      expect(aclText(await scheduler.getAcl(path))).toBe(aclText(frameworkAcl(layout, path, ids)));
      await expect(anonymous.get(path)).rejects.toBeInstanceOf(NoAuthError);
      await expect(anonymous.children(layout.erlpmdNodes)).rejects.toBeInstanceOf(NoAuthError);
      reg.close();
    } finally {
      await daemon.stop(1000);
      await anonymous.close();
      await scheduler.close();
    }
  }, 60000);

  it('refuses a credentials file other users may read', async () => {
    const file = authFile('open.json', 0o644);
    await expect(
      run(tsx, [main, '-zk', zkServer.connectString, '-zk_auth_file', file]),
    ).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/is open to other users \(mode 0644\)/),
    });
  }, 30000);
});
