import { startZooKeeper, zooKeeperRuok } from './zookeeper';

describe('startZooKeeper', () => {
  it('starts a real server that answers ruok, and stops it', async () => {
    const zk = await startZooKeeper();
    try {
      expect(zk.connectString).toBe(`127.0.0.1:${zk.clientPort}`);
      expect(await zooKeeperRuok(zk.clientPort)).toBe(true);
    } finally {
      await zk.close();
    }
    expect(await zooKeeperRuok(zk.clientPort)).toBe(false);
  });
});
