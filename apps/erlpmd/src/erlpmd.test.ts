import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EpmdClient } from '@riak-mesos/epmd';
import { ProcessGroup } from '@riak-mesos/process';
import { freePort, waitFor } from '@riak-mesos/testing';

const run = promisify(execFile);
const main = join(__dirname, 'main.ts');
const tsx = join(__dirname, '..', '..', '..', 'node_modules', '.bin', 'tsx');

describe('erlpmd daemon and client commands', () => {
  it('serves as an EPMD; -names, -stop and -kill work against it, and so does stock epmd -names', async () => {
    const port = await freePort();
    const daemon = new ProcessGroup(tsx, [main, '-port', String(port), '-relaxed_command_check']);
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
      const reg = await client.register({ name: 'riak-default-9', port: 45678 });
      const names = await run(tsx, [main, '-port', String(port), '-names']);
      expect(names.stdout).toBe(
        `epmd: up and running on port ${port} with data:\nname riak-default-9 at port 45678\n`,
      );
      const stock = await run('epmd', ['-port', String(port), '-names']);
      expect(stock.stdout).toContain('name riak-default-9 at port 45678');
      expect(
        (await run(tsx, [main, '-port', String(port), '-stop', 'riak-default-9'])).stdout,
      ).toBe('STOPPED\n');
      reg.close();
      expect((await run(tsx, [main, '-port', String(port), '-kill'])).stdout).toBe('Killed\n');
      await daemon.exited;
    } finally {
      await daemon.stop(1000);
    }
  }, 60000);

  it('exits 2 on bad arguments and 1 when no EPMD answers', async () => {
    await expect(run(tsx, [main, '-port', 'nope'])).rejects.toMatchObject({ code: 2 });
    const port = await freePort();
    await expect(run(tsx, [main, '-port', String(port), '-names'])).rejects.toMatchObject({
      code: 1,
    });
  }, 30000);
});
