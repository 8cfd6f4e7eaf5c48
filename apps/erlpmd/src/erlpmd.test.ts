import { execFile } from 'node:child_process';
import type { Socket } from 'node:net';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EpmdClient, encodePortPlease2 } from '@riak-mesos/epmd';
import { ProcessGroup } from '@riak-mesos/process';
import { freePort, waitFor } from '@riak-mesos/testing';

const run = promisify(execFile);
const main = join(__dirname, 'main.ts');
const tsx = join(__dirname, '..', '..', '..', 'node_modules', '.bin', 'tsx');

/** Waits until the daemon answers NAMES (it starts under tsx, which takes a few seconds). */
async function listening(client: EpmdClient): Promise<void> {
  await waitFor(
    () =>
      client.names().then(
        () => true,
        () => false,
      ),
    { timeoutMs: 20000, what: 'erlpmd to listen' },
  );
}

describe('erlpmd daemon and client commands', () => {
  it('serves as an EPMD; -names, -stop and -kill work against it, and so does stock epmd -names', async () => {
    const port = await freePort();
    const daemon = new ProcessGroup(tsx, [main, '-port', String(port), '-relaxed_command_check']);
    try {
      const client = new EpmdClient({ port });
      await listening(client);
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

  it.each(['handle', 'net'])(
    'over the %s transport, survives running out of file descriptors and serves again',
    async (transport) => {
      const port = await freePort();
      // 64 descriptors: about 20 go to Node itself, so 150 idle connections exhaust the rest.
      const daemon = new ProcessGroup('bash', [
        '-c',
        `ulimit -n 64 && exec "$0" "$@"`,
        tsx,
        main,
        '-port',
        String(port),
        '-transport',
        transport,
      ]);
      const client = new EpmdClient({ port });
      const held: Socket[] = [];
      try {
        await listening(client);
        const reg = await client.register({ name: 'steady', port: 41000 });
        let dropped = 0;
        for (let i = 0; i < 150; i++)
          await new Promise<void>((resolve) => {
            const s = connect(port, '127.0.0.1', () => {
              held.push(s);
              resolve();
            });
            s.on('close', () => dropped++);
            s.on('error', () => resolve());
          });
        await waitFor(() => dropped > 0, { what: 'connections beyond the limit to be closed' });
        for (const s of held) s.destroy();
        await waitFor(
          () =>
            client.portPlease('steady').then(
              (r) => r?.port === 41000,
              () => false,
            ),
          { what: 'lookups to work again' },
        );
        // The registration made before survived, and unknown names still get an answer.
        const answer = await new Promise<Buffer>((resolve) => {
          const s = connect(port, '127.0.0.1', () => s.write(encodePortPlease2('nobody')));
          const chunks: Buffer[] = [];
          s.on('data', (d: Buffer) => chunks.push(d));
          s.on('close', () => resolve(Buffer.concat(chunks)));
        });
        expect([...answer]).toEqual([119, 1]);
        reg.close();
      } finally {
        for (const s of held) s.destroy();
        await daemon.stop(1000);
      }
    },
    60000,
  );

  it('exits 2 on bad arguments and 1 when no EPMD answers', async () => {
    await expect(run(tsx, [main, '-port', 'nope'])).rejects.toMatchObject({ code: 2 });
    const port = await freePort();
    await expect(run(tsx, [main, '-port', String(port), '-names'])).rejects.toMatchObject({
      code: 1,
    });
  }, 30000);
});
