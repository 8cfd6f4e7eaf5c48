import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ZooKeeperProcess,
  findZooKeeperInstall,
  zooKeeperConfig,
  zooKeeperRuok,
} from '@riak-mesos/zookeeper-server';
import { freePorts } from './ports';
import { tempDir } from './util';

export { findZooKeeperInstall, zooKeeperRuok };

export interface StartZooKeeperOptions {
  /** ZooKeeper tick in ms; session timeouts are bounded by 2 and 20 ticks unless set below. */
  tickTimeMs?: number;
  minSessionTimeoutMs?: number;
  maxSessionTimeoutMs?: number;
  /** How long to wait for `ruok` to answer `imok`. */
  startTimeoutMs?: number;
}

export interface ZooKeeperMember {
  readonly id: number;
  readonly clientPort: number;
  readonly connectString: string;
  readonly running: boolean;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface ZooKeeperServer extends ZooKeeperMember {
  readonly dataDir: string;
  /** Stops the server and deletes its data. */
  close(): Promise<void>;
}

export interface ZooKeeperEnsemble {
  readonly members: ZooKeeperMember[];
  /** All members, e.g. `127.0.0.1:a,127.0.0.1:b,127.0.0.1:c`. */
  readonly connectString: string;
  close(): Promise<void>;
}

/**
 * Starts a real standalone ZooKeeper server (the Debian package, on Java) on a free loopback port
 * with a fresh data directory, and waits until it answers `ruok`.
 */
export async function startZooKeeper(
  options: StartZooKeeperOptions = {},
): Promise<ZooKeeperServer> {
  const install = findZooKeeperInstall();
  const dir = await tempDir('zk-standalone');
  const [port] = await freePorts(1);
  const server = new ZooKeeperProcess({
    id: 1,
    clientPort: port,
    dir,
    install,
    config: zooKeeperConfig({ dataDir: join(dir, 'data'), clientPort: port, ...options }),
  });
  const timeout = options.startTimeoutMs ?? 30000;
  await server.prepare();
  await server.start();
  await server.awaitReady(timeout);
  return {
    id: server.id,
    clientPort: port,
    connectString: server.connectString,
    dataDir: dir,
    get running() {
      return server.running;
    },
    stop: () => server.stop(),
    async start() {
      await server.start();
      await server.awaitReady(timeout);
    },
    async close() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts a ZooKeeper ensemble of `size` members on loopback. Members can be stopped and started
 * one at a time to test how clients ride through the loss of a server.
 */
export async function startZooKeeperEnsemble(
  size = 3,
  options: StartZooKeeperOptions = {},
): Promise<ZooKeeperEnsemble> {
  const install = findZooKeeperInstall();
  const root = await tempDir('zk-ensemble');
  const ports = await freePorts(size * 3);
  const servers = Array.from({ length: size }, (_, i) => {
    const [, quorum, election] = ports.slice(i * 3, i * 3 + 3);
    return `server.${i + 1}=127.0.0.1:${quorum}:${election}`;
  });
  const timeout = options.startTimeoutMs ?? 60000;
  const members = await Promise.all(
    Array.from({ length: size }, async (_, i) => {
      const dir = join(root, `member-${i + 1}`);
      const clientPort = ports[i * 3];
      const p = new ZooKeeperProcess({
        id: i + 1,
        clientPort,
        dir,
        install,
        config: zooKeeperConfig({
          dataDir: join(dir, 'data'),
          clientPort,
          servers,
          ...options,
        }),
      });
      await p.prepare();
      return p;
    }),
  );
  try {
    for (const m of members) await m.start();
    await Promise.all(members.map((m) => m.awaitReady(timeout)));
  } catch (err) {
    await Promise.all(members.map((m) => m.stop()));
    await rm(root, { recursive: true, force: true });
    throw err;
  }
  // A member answers ruok before the quorum has a leader; clients wait for an elected leader.
  return {
    members: members.map((m) => ({
      id: m.id,
      clientPort: m.clientPort,
      connectString: m.connectString,
      get running() {
        return m.running;
      },
      stop: () => m.stop(),
      start: () => m.start(),
    })),
    connectString: members.map((m) => m.connectString).join(','),
    async close() {
      await Promise.all(members.map((m) => m.stop()));
      await rm(root, { recursive: true, force: true });
    },
  };
}
