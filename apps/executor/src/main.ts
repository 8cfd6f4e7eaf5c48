import { dirname } from 'node:path';
import { CommanderError } from 'commander';
import { printConfig, printConfigFormat } from '@riak-mesos/config';
import { createLogger } from '@riak-mesos/logging';
import { ExecutorClient, executorEnvironment } from '@riak-mesos/mesos';
import { RiakTask } from './riak-task';
import { buildCommand, resolveSettings, settingsFrom } from './settings';

const log = createLogger('executor');

/** `--print-config`: the settings with their origins, without needing the agent's environment. */
function printConfigAndExit(): void {
  let format;
  try {
    const command = buildCommand().exitOverride();
    format = printConfigFormat(command.parse(process.argv).opts());
  } catch (err) {
    process.exit(err instanceof CommanderError && err.exitCode === 0 ? 0 : 2);
  }
  if (!format) return;
  try {
    process.stdout.write(printConfig(resolveSettings(process.env), format));
  } catch (err) {
    process.stderr.write(`riak-mesos-executor: ${(err as Error).message}\n`);
    process.exit(2);
  }
  process.exit(0);
}

function main(): void {
  if (process.argv.length > 2) printConfigAndExit();
  let env;
  let settings;
  try {
    env = executorEnvironment(process.env);
    settings = settingsFrom(
      process.env,
      env.sandbox ?? env.directory ?? process.cwd(),
      dirname(__filename),
    );
  } catch (err) {
    process.stderr.write(`riak-mesos-executor: ${(err as Error).message}\n`);
    process.exit(2);
  }
  // What the executor and Riak write (riak.conf and the vm.args Riak regenerates at each start,
  // both with the cluster's cookie; Riak's data and logs) is the task user's alone.
  process.umask(0o077);
  const client = new ExecutorClient(env);
  let task: RiakTask | undefined;

  /**
   * Runs a handler's work with an error path: a failure is logged and the executor goes on (Riak
   * keeps running through a brief agent outage), never an unhandled rejection that ends Node.
   */
  const guard = (what: string, work: () => Promise<unknown>): void => {
    const failed = (err: unknown) =>
      log.error('handler failed; the executor goes on', {
        handler: what,
        error: err instanceof Error ? err.message : String(err),
      });
    try {
      work().catch(failed);
    } catch (err) {
      failed(err);
    }
  };
  // The last resort for a rejection no handler caught (a bug): logged, the node kept running.
  process.on('unhandledRejection', (reason) =>
    log.error('unhandled rejection; the executor goes on', {
      error: reason instanceof Error ? (reason.stack ?? reason.message) : String(reason),
    }),
  );
  // Whoever stops the executor allows it a grace period (the agent's, or the kill policy's):
  // the drain before `riak stop` takes at most half of it.
  const halfGrace = env.shutdownGracePeriodMs / 2;

  /** Exits once every status update was acknowledged (or after a grace period). */
  const exitWhenAcknowledged = async (code: number) => {
    const deadline = Date.now() + 15000;
    while (client.pendingUpdates.length > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    await client.stop().catch(() => undefined);
    log.info('executor exiting', { code, unacknowledged: client.pendingUpdates.length });
    process.exit(code);
  };

  client.on('subscribed', () => log.info('subscribed to the agent', { executor: env.executorId }));
  client.on('launch', (info) => {
    if (task) {
      const running = task.task.task_id.value;
      guard('launch', () =>
        client.update({
          task_id: info.task_id,
          state: 'TASK_FAILED',
          message: `this executor already runs task ${running}; one task per executor`,
        }),
      );
      return;
    }
    const t = new RiakTask(info, settings, client, log.child({ task: info.task_id.value }));
    task = t;
    guard('exit', () => t.finished.then(() => exitWhenAcknowledged(0)));
    guard('launch', () => t.launch());
  });
  client.on('kill', (k) => {
    const t = task;
    if (t && t.task.task_id.value === k.task_id.value) {
      const grace = k.kill_policy?.grace_period?.nanoseconds;
      const maxDrainMs = grace !== undefined ? grace / 2e6 : undefined;
      guard('kill', () =>
        t.stop('TASK_KILLED', 'killed at the scheduler’s request', { maxDrainMs }),
      );
    } else
      guard('kill', () =>
        client.update({ task_id: k.task_id, state: 'TASK_KILLED', message: 'not running here' }),
      );
  });
  client.on('shutdown', () => {
    const t = task;
    if (t)
      guard('shutdown', () =>
        t.stop('TASK_KILLED', 'the executor was shut down', { maxDrainMs: halfGrace }),
      );
    else guard('shutdown', () => exitWhenAcknowledged(0));
  });
  client.on('message', (data) => {
    const t = task;
    if (t) guard('framework message', () => t.onMessage(data));
    else log.warn('a framework message before any task; not answered', { bytes: data.length });
  });
  client.on('error', (message) => log.error('the agent reported an error', { message }));
  client.on('disconnected', (reason) =>
    log.warn('disconnected from the agent; Riak keeps running', { reason }),
  );
  client.on('lost', (reason) => {
    log.error('lost the agent for good; stopping Riak', { reason });
    const t = task;
    guard('lost', async () => {
      try {
        if (t) await t.stop('TASK_FAILED', `lost the agent: ${reason}`);
      } finally {
        process.exit(1);
      }
    });
  });
  const shutdown = (signal: string) => {
    log.warn('signalled; stopping', { signal });
    const t = task;
    if (t)
      guard(signal, () =>
        t.stop('TASK_KILLED', `the executor got ${signal}`, { maxDrainMs: halfGrace }),
      );
    else process.exit(0);
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  client.start();
}

main();
