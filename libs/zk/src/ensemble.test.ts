import type { ZooKeeperEnsemble } from '@riak-mesos/testing';
import { startZooKeeperEnsemble, uniqueChroot, waitFor } from '@riak-mesos/testing';
import { ZkClient } from './index';

let ensemble: ZooKeeperEnsemble;

beforeAll(async () => {
  ensemble = await startZooKeeperEnsemble(3);
}, 90000);
afterAll(async () => ensemble.close());

describe('a client of a 3-member ensemble', () => {
  it('rides through the loss of the member it is connected to, keeping its session and ephemerals', async () => {
    const chroot = uniqueChroot('ensemble');
    const zk = await ZkClient.connect({
      connect: ensemble.connectString + chroot,
      sessionTimeoutMs: 8000,
      connectTimeoutMs: 60000,
    });
    const observer = await ZkClient.connect({
      connect: ensemble.connectString + chroot,
      sessionTimeoutMs: 8000,
      connectTimeoutMs: 60000,
    });
    try {
      await zk.createEphemeral('/alive', 'yes');
      const session = zk.sessionId;
      const watch = zk.watchChildren('/');
      const seen: (string[] | null)[] = [];
      watch.on('change', (c: string[] | null) => seen.push(c));
      await waitFor(() => seen.length > 0);

      // Stop every member but one at a time, so the client must move whatever it is connected to.
      for (const member of ensemble.members) {
        await member.stop();
        await zk.set('/alive', `without member ${member.id}`);
        // The observer may have been on the stopped member: its create is retried by the test.
        await waitFor(
          () =>
            observer.create(`/written-without-${member.id}`, '').then(
              () => true,
              (err: Error) => err.name === 'NodeExistsError' || Promise.reject(err),
            ),
          { timeoutMs: 20000, what: 'observer write' },
        );
        await waitFor(() => seen.at(-1)?.includes(`written-without-${member.id}`), {
          timeoutMs: 20000,
          what: 'watch after losing a member',
        });
        await member.start();
        await waitFor(
          async () =>
            (await observer.get('/alive')).data.toString() === `without member ${member.id}`,
          { timeoutMs: 20000 },
        );
      }
      expect(zk.sessionId).toBe(session);
      expect((await observer.get('/alive')).stat.ephemeralOwner).toBe(session);
    } finally {
      await zk.close();
      await observer.close();
    }
  }, 120000);
});
