import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';

const SETUP_HINT = 'run `npm run setup` (scripts/setup.sh) to install it';

export interface ZooKeeperInstall {
  java: string;
  classpath: string;
}

/**
 * Finds Java and the Debian `zookeeper` package's jar (or `$ZOOKEEPER_JAR`). Throws one clear
 * message naming the set-up command when either is missing.
 */
export function findZooKeeperInstall(env: NodeJS.ProcessEnv = process.env): ZooKeeperInstall {
  const javaCandidates = [env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : '', '/usr/bin/java'];
  const java = javaCandidates.find((p) => p && existsSync(p));
  const jar = [env.ZOOKEEPER_JAR ?? '', '/usr/share/java/zookeeper.jar'].find(
    (p) => p && existsSync(p),
  );
  const missing = [
    !java && 'Java (package default-jre-headless)',
    !jar && 'ZooKeeper (package zookeeper)',
  ].filter(Boolean);
  if (!java || !jar) {
    throw new Error(
      `cannot start a ZooKeeper server: ${missing.join(' and ')} not found; ${SETUP_HINT}`,
    );
  }
  const conf = existsSync('/etc/zookeeper/conf') ? ':/etc/zookeeper/conf' : '';
  return { java, classpath: `${jar}${conf}` };
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

export interface ZooKeeperConfigOptions {
  dataDir: string;
  clientPort: number;
  /** Address the client port binds to (default 127.0.0.1). */
  clientPortAddress?: string;
  /** ZooKeeper tick in ms (default 200); session timeouts are bounded by it unless set. */
  tickTimeMs?: number;
  minSessionTimeoutMs?: number;
  maxSessionTimeoutMs?: number;
  /** `server.N=host:quorum:election` lines of an ensemble. */
  servers?: string[];
}

/** zoo.cfg for a standalone server or an ensemble member. */
export function zooKeeperConfig(o: ZooKeeperConfigOptions): string {
  const tick = o.tickTimeMs ?? 200;
  return (
    [
      `tickTime=${tick}`,
      'initLimit=50',
      'syncLimit=25',
      `dataDir=${o.dataDir}`,
      `clientPort=${o.clientPort}`,
      `clientPortAddress=${o.clientPortAddress ?? '127.0.0.1'}`,
      'admin.enableServer=false',
      '4lw.commands.whitelist=ruok,srvr,stat,mntr,cons',
      `minSessionTimeout=${o.minSessionTimeoutMs ?? tick * 2}`,
      `maxSessionTimeout=${o.maxSessionTimeoutMs ?? 60000}`,
      'maxClientCnxns=0',
      'autopurge.purgeInterval=0',
      ...(o.servers ?? []),
    ].join('\n') + '\n'
  );
}

export interface ZooKeeperProcessOptions {
  id: number;
  clientPort: number;
  clientHost?: string;
  /** Holds zoo.cfg, data/ and server.log. */
  dir: string;
  config: string;
  install?: ZooKeeperInstall;
  /** Java heap, default 256m. */
  heap?: string;
  /** In its own process group, so a terminal's Ctrl-C reaches only its parent. */
  detached?: boolean;
}

/** One ZooKeeper server process (QuorumPeerMain) that can be stopped and started again. */
export class ZooKeeperProcess {
  readonly id: number;
  readonly clientPort: number;
  readonly dir: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private readonly install: ZooKeeperInstall;

  constructor(private readonly options: ZooKeeperProcessOptions) {
    this.id = options.id;
    this.clientPort = options.clientPort;
    this.dir = options.dir;
    this.install = options.install ?? findZooKeeperInstall();
  }

  get connectString(): string {
    return `${this.options.clientHost ?? '127.0.0.1'}:${this.clientPort}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** The server's pid while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get logFile(): string {
    return join(this.dir, 'server.log');
  }

  async prepare(): Promise<void> {
    await mkdir(join(this.dir, 'data'), { recursive: true });
    await writeFile(join(this.dir, 'zoo.cfg'), this.options.config);
    await writeFile(join(this.dir, 'data', 'myid'), `${this.id}\n`);
  }

  async start(): Promise<void> {
    if (this.child) return;
    const log = await open(this.logFile, 'a');
    const child = spawn(
      this.install.java,
      [
        `-Xmx${this.options.heap ?? '256m'}`,
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        '-Dzookeeper.admin.enableServer=false',
        `-Dzookeeper.log.dir=${this.dir}`,
        '-cp',
        this.install.classpath,
        'org.apache.zookeeper.server.quorum.QuorumPeerMain',
        join(this.dir, 'zoo.cfg'),
      ],
      { stdio: ['ignore', log.fd, log.fd], detached: this.options.detached ?? false },
    );
    await log.close();
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      if (this.child === child) this.child = undefined;
    });
  }

  /** Waits until the server answers `ruok`; fails early when the process exits. */
  async awaitReady(timeoutMs = 30000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.child) throw new Error(`ZooKeeper server ${this.id} exited; see ${this.logFile}`);
      if (await zooKeeperRuok(this.clientPort, this.options.clientHost ?? '127.0.0.1')) return;
      if (Date.now() > deadline)
        throw new Error(
          `ZooKeeper on port ${this.clientPort} did not answer ruok within ${timeoutMs} ms; see ${this.logFile}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGTERM, then SIGKILL after 5 s. */
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

export interface ZooKeeperServerOptions {
  /** Directory for config, data and log; kept across restarts (data survives). */
  dir: string;
  port: number;
  host?: string;
  tickTimeMs?: number;
  maxSessionTimeoutMs?: number;
  startTimeoutMs?: number;
  detached?: boolean;
}

/** Starts (or restarts on its existing data) a standalone server and waits until it is ready. */
export async function startZooKeeperServer(
  options: ZooKeeperServerOptions,
): Promise<ZooKeeperProcess> {
  const host = options.host ?? '127.0.0.1';
  const server = new ZooKeeperProcess({
    id: 1,
    clientPort: options.port,
    clientHost: host,
    dir: options.dir,
    detached: options.detached,
    config: zooKeeperConfig({
      dataDir: join(options.dir, 'data'),
      clientPort: options.port,
      clientPortAddress: host,
      tickTimeMs: options.tickTimeMs,
      maxSessionTimeoutMs: options.maxSessionTimeoutMs,
    }),
  });
  await server.prepare();
  await server.start();
  try {
    await server.awaitReady(options.startTimeoutMs ?? 30000);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}
