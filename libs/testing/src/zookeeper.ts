import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile, open } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePorts } from './ports';
import { tempDir, waitFor } from './util';

const SETUP_HINT = 'run `npm run setup` (scripts/setup.sh) to install it';

export interface StartZooKeeperOptions {
  /** ZooKeeper tick in ms; session timeouts are bounded by 2 and 20 ticks unless set below. */
  tickTimeMs?: number;
  minSessionTimeoutMs?: number;
  maxSessionTimeoutMs?: number;
  /** How long to wait for `ruok` to answer `imok`. */
  startTimeoutMs?: number;
}

interface Install {
  java: string;
  classpath: string;
}

/**
 * Finds Java and the Debian `zookeeper` package's jar. Throws one clear message naming the
 * set-up command when either is missing.
 */
export function findZooKeeperInstall(): Install {
  const javaHome = process.env.JAVA_HOME;
  const javaCandidates = [javaHome ? join(javaHome, 'bin', 'java') : '', '/usr/bin/java'].filter(
    Boolean,
  );
  const java = javaCandidates.find((p) => existsSync(p));
  const jar = ['/usr/share/java/zookeeper.jar', process.env.ZOOKEEPER_JAR ?? ''].find(
    (p) => p && existsSync(p),
  );
  const missing = [
    !java && 'Java (package default-jre-headless)',
    !jar && 'ZooKeeper (package zookeeper)',
  ].filter(Boolean);
  if (!java || !jar) {
    throw new Error(
      `cannot start a ZooKeeper server for tests: ${missing.join(' and ')} not found; ${SETUP_HINT}`,
    );
  }
  return { java, classpath: `${jar}:/etc/zookeeper/conf` };
}

/** Sends ZooKeeper's four-letter `ruok`; resolves true when the server answers `imok`. */
export function zooKeeperRuok(
  port: number,
  host = '127.0.0.1',
  timeoutMs = 1000,
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('connect', () => socket.write('ruok'));
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('end', () => done(answer === 'imok'));
    socket.on('error', () => done(false));
  });
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

class Member implements ZooKeeperMember {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;

  constructor(
    readonly id: number,
    readonly clientPort: number,
    private readonly dir: string,
    private readonly config: string,
    private readonly install: Install,
    private readonly startTimeoutMs: number,
    private readonly waitForRuok: boolean,
  ) {}

  get connectString(): string {
    return `127.0.0.1:${this.clientPort}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  async prepare(): Promise<void> {
    await mkdir(join(this.dir, 'data'), { recursive: true });
    await writeFile(join(this.dir, 'zoo.cfg'), this.config);
    await writeFile(join(this.dir, 'data', 'myid'), `${this.id}\n`);
  }

  async start(): Promise<void> {
    if (this.child) return;
    const log = await open(join(this.dir, 'server.log'), 'a');
    const child = spawn(
      this.install.java,
      [
        '-Xmx256m',
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        '-Dzookeeper.admin.enableServer=false',
        `-Dzookeeper.log.dir=${this.dir}`,
        '-cp',
        this.install.classpath,
        'org.apache.zookeeper.server.quorum.QuorumPeerMain',
        join(this.dir, 'zoo.cfg'),
      ],
      { stdio: ['ignore', log.fd, log.fd], detached: false },
    );
    await log.close();
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      if (this.child === child) this.child = undefined;
    });
    if (this.waitForRuok) await this.awaitReady();
  }

  async awaitReady(): Promise<void> {
    await waitFor(
      async () => {
        if (!this.child)
          throw new Error(
            `ZooKeeper member ${this.id} exited; see ${join(this.dir, 'server.log')}`,
          );
        return zooKeeperRuok(this.clientPort);
      },
      {
        timeoutMs: this.startTimeoutMs,
        intervalMs: 100,
        what: `ZooKeeper on port ${this.clientPort} to answer ruok`,
      },
    );
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(killer);
  }
}

function baseConfig(dataDir: string, clientPort: number, o: StartZooKeeperOptions): string[] {
  const tick = o.tickTimeMs ?? 200;
  return [
    `tickTime=${tick}`,
    'initLimit=50',
    'syncLimit=25',
    `dataDir=${dataDir}`,
    `clientPort=${clientPort}`,
    'clientPortAddress=127.0.0.1',
    'admin.enableServer=false',
    '4lw.commands.whitelist=ruok,srvr,stat,mntr,cons',
    `minSessionTimeout=${o.minSessionTimeoutMs ?? tick * 2}`,
    `maxSessionTimeout=${o.maxSessionTimeoutMs ?? 60000}`,
    'maxClientCnxns=0',
    'autopurge.purgeInterval=0',
  ];
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
  const config = baseConfig(join(dir, 'data'), port, options).join('\n') + '\n';
  const member = new Member(1, port, dir, config, install, options.startTimeoutMs ?? 30000, true);
  await member.prepare();
  await member.start();
  return Object.assign(member, {
    dataDir: dir,
    async close() {
      await member.stop();
      await rm(dir, { recursive: true, force: true });
    },
  });
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
  const members = await Promise.all(
    Array.from({ length: size }, async (_, i) => {
      const dir = join(root, `member-${i + 1}`);
      const clientPort = ports[i * 3];
      const config =
        [...baseConfig(join(dir, 'data'), clientPort, options), ...servers].join('\n') + '\n';
      const member = new Member(
        i + 1,
        clientPort,
        dir,
        config,
        install,
        options.startTimeoutMs ?? 60000,
        false,
      );
      await member.prepare();
      return member;
    }),
  );
  try {
    for (const m of members) await m.start();
    await Promise.all(members.map((m) => m.awaitReady()));
  } catch (err) {
    await Promise.all(members.map((m) => m.stop()));
    await rm(root, { recursive: true, force: true });
    throw err;
  }
  // A member answers ruok before the quorum has a leader; `ruok` on a started member means it
  // is serving only once elected, so members that are starting are waited for by clients.
  return {
    members,
    connectString: members.map((m) => m.connectString).join(','),
    async close() {
      await Promise.all(members.map((m) => m.stop()));
      await rm(root, { recursive: true, force: true });
    },
  };
}
