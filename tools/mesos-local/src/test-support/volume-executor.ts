// A tiny Mesos executor for mesos-local's tests, bundled by the test with esbuild: it reports
// TASK_RUNNING with what it found in the persistent volume, writes the task's data into it, and
// answers KILL with TASK_KILLED.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExecutorClient } from '@riak-mesos/mesos';

const client = ExecutorClient.fromEnvironment(process.env);
const sandbox = process.env.MESOS_SANDBOX ?? '.';
let current: { value: string } | undefined;

client.on('launch', (task) => {
  current = task.task_id;
  const file = join(sandbox, 'data', 'file');
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
  appendFileSync(file, Buffer.from(task.data ?? []).toString('utf8'));
  void client.update({
    task_id: task.task_id,
    state: 'TASK_RUNNING',
    data: Buffer.from(JSON.stringify({ before })),
  });
});
client.on('kill', (k) => {
  void client
    .update({ task_id: k.task_id, state: 'TASK_KILLED' })
    .then(() => setTimeout(() => process.exit(0), 200));
});
client.on('message', (data) => void client.message(Buffer.from(`echo:${data.toString()}`)));
client.on('shutdown', () => {
  if (current)
    void client
      .update({ task_id: current, state: 'TASK_KILLED' })
      .then(() => setTimeout(() => process.exit(0), 200));
  else process.exit(0);
});
client.on('lost', () => process.exit(1));
client.start();
