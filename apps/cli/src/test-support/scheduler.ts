import { readFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { ProcessGroup } from '@riak-mesos/process';
import { REPO_ROOT, freePort, uniqueChroot, waitFor } from '@riak-mesos/testing';

/**
 * The real scheduler, from its sources, as a process the CLI talks to: its API on a free port,
 * its state in a fresh chroot of `zkConnect`, and a Mesos master address where nothing listens
 * (the CLI tests need the API, not offers). `args` are further scheduler flags. The scheduler
 * makes its API token; `env` (`RIAK_MESOS_ZK`) lets the CLI find it in ZooKeeper by itself.
 * With `tls` (certificate, key and the CA that signed them), the API is https.
 */
export async function startSchedulerApi(
  dir: string,
  zkConnect: string,
  args: string[],
  tls?: { cert: string; key: string; ca: string },
): Promise<{ url: string; process: ProcessGroup; env: NodeJS.ProcessEnv }> {
  const zk = zkConnect + uniqueChroot('cli');
  const [port, closed] = [await freePort(), await freePort()];
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const healthy = (): Promise<boolean | undefined> =>
    tls
      ? new Promise((resolve) =>
          httpsGet(`${url}/healthcheck`, { ca: readFileSync(tls.ca) }, (res) => {
            res.resume();
            resolve(res.statusCode === 200);
          }).on('error', () => resolve(undefined)),
        )
      : fetch(`${url}/healthcheck`).then(
          (r) => r.ok,
          () => undefined,
        );
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
      ...(tls ? ['--tls-cert', tls.cert, '--tls-key', tls.key] : []),
      ...args,
    ],
    { stdoutFile: log, stderrFile: log, env: { ...process.env, LOG_LEVEL: 'info' } },
  );
  await waitFor(async () => !scheduler.running || (await healthy()), {
    timeoutMs: 60000,
    intervalMs: 200,
    what: 'the scheduler API',
  });
  if (!scheduler.running) throw new Error(`the scheduler exited:\n${readFileSync(log, 'utf8')}`);
  return { url, process: scheduler, env: { RIAK_MESOS_ZK: zk } };
}
