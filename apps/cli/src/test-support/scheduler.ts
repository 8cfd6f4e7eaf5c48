import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessGroup } from '@riak-mesos/process';
import { REPO_ROOT, freePort, uniqueChroot, waitFor } from '@riak-mesos/testing';

/**
 * The real scheduler, from its sources, as a process the CLI talks to: its API on a free port,
 * its state in a fresh chroot of `zkConnect`, and a Mesos master address where nothing listens
 * (the CLI tests need the API, not offers). `args` are further scheduler flags. The scheduler
 * makes its API token; `env` (`RIAK_MESOS_ZK`) lets the CLI find it in ZooKeeper by itself.
 */
export async function startSchedulerApi(
  dir: string,
  zkConnect: string,
  args: string[],
): Promise<{ url: string; process: ProcessGroup; env: NodeJS.ProcessEnv }> {
  const zk = zkConnect + uniqueChroot('cli');
  const [port, closed] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${port}`;
  const log = join(dir, 'scheduler.log');
  const scheduler = new ProcessGroup(
    join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
    [
      '--tsconfig',
      join(REPO_ROOT, 'tsconfig.base.json'),
      join(REPO_ROOT, 'apps', 'scheduler', 'src', 'main.ts'),
      '--zk',
      zk,
      '--master',
      `http://127.0.0.1:${closed}`,
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      ...args,
    ],
    { stdoutFile: log, stderrFile: log, env: { ...process.env, LOG_LEVEL: 'info' } },
  );
  await waitFor(
    async () =>
      !scheduler.running || (await fetch(`${url}/healthcheck`).catch(() => undefined))?.ok,
    { timeoutMs: 60000, intervalMs: 200, what: 'the scheduler API' },
  );
  if (!scheduler.running) throw new Error(`the scheduler exited:\n${readFileSync(log, 'utf8')}`);
  return { url, process: scheduler, env: { RIAK_MESOS_ZK: zk } };
}
