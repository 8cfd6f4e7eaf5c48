import type { ZooKeeperServer } from '@riak-mesos/testing';
import { startZooKeeper, uniqueChroot, waitFor } from '@riak-mesos/testing';
import { LeaderElection, ZkClient, expireSession } from './index';

let server: ZooKeeperServer;
let connect: string;
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  server = await startZooKeeper();
  connect = server.connectString + uniqueChroot('leader');
});
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});
afterAll(async () => server.close());

async function candidate(id: string): Promise<{ zk: ZkClient; election: LeaderElection }> {
  const zk = await ZkClient.connect({ connect, sessionTimeoutMs: 4000 });
  open.push(zk);
  const election = new LeaderElection(zk, '/election', JSON.stringify({ id }));
  open.push({ close: () => election.stop() });
  await election.start();
  return { zk, election };
}

describe('LeaderElection', () => {
  it('elects exactly one leader and hands over when its session ends', async () => {
    const a = await candidate('a');
    const b = await candidate('b');
    const c = await candidate('c');
    await waitFor(() => a.election.isLeader);
    expect(b.election.isLeader).toBe(false);
    expect(c.election.isLeader).toBe(false);
    expect(JSON.parse((await b.election.leaderData())!.toString())).toEqual({ id: 'a' });

    const bElected = new Promise((r) => b.election.once('elected', r));
    await a.zk.close();
    await bElected;
    expect(b.election.isLeader).toBe(true);
    expect(c.election.isLeader).toBe(false);
    expect(JSON.parse((await c.election.leaderData())!.toString())).toEqual({ id: 'b' });
  });

  it('revokes leadership on session expiry and another candidate takes over', async () => {
    const a = await candidate('a');
    const b = await candidate('b');
    await waitFor(() => a.election.isLeader);
    const revoked = new Promise((r) => a.election.once('revoked', r));
    const bElected = new Promise((r) => b.election.once('elected', r));
    await expireSession(a.zk);
    await revoked;
    await bElected;
    // a rejoined the election as a follower in its new session.
    await waitFor(async () => (await a.zk.children('/election')).length === 2, {
      what: 'a to rejoin',
    });
    expect(a.election.isLeader).toBe(false);
  });

  it('a follower that stops does not disturb the leader', async () => {
    const a = await candidate('a');
    const b = await candidate('b');
    const c = await candidate('c');
    await waitFor(() => a.election.isLeader);
    await b.election.stop();
    const cElected = new Promise((r) => c.election.once('elected', r));
    await a.election.stop();
    await cElected;
  });
});
