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
  const client = new ExecutorClient(env);
  let task: RiakTask | undefined;

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
      void client.update({
        task_id: info.task_id,
        state: 'TASK_FAILED',
        message: `this executor already runs task ${task.task.task_id.value}; one task per executor`,
      });
      return;
    }
    const t = new RiakTask(info, settings, client, log.child({ task: info.task_id.value }));
    task = t;
    void t.finished.then(() => exitWhenAcknowledged(0));
    void t.launch();
  });
  client.on('kill', (k) => {
    if (task && task.task.task_id.value === k.task_id.value)
      void task.stop('TASK_KILLED', 'killed at the scheduler’s request');
    else
      void client.update({ task_id: k.task_id, state: 'TASK_KILLED', message: 'not running here' });
  });
  client.on('shutdown', () => {
    if (task) void task.stop('TASK_KILLED', 'the executor was shut down');
    else void exitWhenAcknowledged(0);
  });
  client.on('message', (data) => void task?.onMessage(data));
  client.on('error', (message) => log.error('the agent reported an error', { message }));
  client.on('disconnected', (reason) =>
    log.warn('disconnected from the agent; Riak keeps running', { reason }),
  );
  client.on('lost', (reason) => {
    log.error('lost the agent for good; stopping Riak', { reason });
    const done = task ? task.stop('TASK_FAILED', `lost the agent: ${reason}`) : Promise.resolve();
    void done.finally(() => process.exit(1));
  });
  const shutdown = (signal: string) => {
    log.warn('signalled; stopping', { signal });
    if (task) void task.stop('TASK_KILLED', `the executor got ${signal}`);
    else process.exit(0);
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  client.start();
}

main();
