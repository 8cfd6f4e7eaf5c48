import { EventEmitter } from 'node:events';
import type { Logger } from '@riak-mesos/logging';
import type { ChildWatch } from '@riak-mesos/zk';
import { ZkClient } from '@riak-mesos/zk';

/** Finds the leading Mesos master: a fixed URL, or the leader registered in ZooKeeper. */
export interface MasterDetector extends EventEmitter<{ change: [string] }> {
  /** The leading master's base URL (`http://host:port`); waits until one is known. */
  current(): Promise<string>;
  close(): Promise<void>;
}

export class StaticMasterDetector
  extends EventEmitter<{ change: [string] }>
  implements MasterDetector
{
  private readonly url: string;
  constructor(url: string) {
    super();
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw new Error(`master URL must be http(s)://host:port, got ${url}`);
    this.url = `${u.protocol}//${u.host}`;
  }
  current(): Promise<string> {
    return Promise.resolve(this.url);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

interface MasterInfoJson {
  hostname?: string;
  port?: number;
  address?: { hostname?: string; ip?: string; port?: number };
}

/** The URL a master's registration (`json.info_<seq>`, MasterInfo as JSON) advertises. */
export function masterUrlFromInfo(info: MasterInfoJson, scheme = 'http'): string | undefined {
  const host = info.address?.hostname || info.address?.ip || info.hostname;
  const port = info.address?.port ?? info.port;
  if (!host || !port) return undefined;
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Follows the leading master in ZooKeeper (`zk://h1:p,h2:p/mesos`): Mesos masters register as
 * sequential `json.info_<seq>` nodes holding their MasterInfo as JSON; the lowest sequence leads.
 * Emits `change` when another master takes over.
 */
export class ZkMasterDetector extends EventEmitter<{ change: [string] }> implements MasterDetector {
  private zk: ZkClient | undefined;
  private watch: ChildWatch | undefined;
  private leader: string | undefined;
  private waiters: ((url: string) => void)[] = [];
  private readonly hosts: string;
  private readonly path: string;
  private started: Promise<void> | undefined;

  constructor(
    zkUrl: string,
    private readonly logger?: Logger,
    private readonly scheme = 'http',
  ) {
    super();
    const m = /^zk:\/\/([^/]+)(\/.*)$/.exec(zkUrl);
    if (!m) throw new Error(`master '${zkUrl}' must be zk://host:port[,host:port...]/path`);
    this.hosts = m[1]!;
    this.path = m[2].replace(/\/+$/, '') || '/';
  }

  private start(): Promise<void> {
    this.started ??= (async () => {
      this.zk = await ZkClient.connect({ connect: this.hosts, logger: this.logger });
      this.watch = this.zk.watchChildren(this.path);
      this.watch.on('change', (children: string[] | null) => void this.elect(children ?? []));
    })();
    return this.started;
  }

  private async elect(children: string[]): Promise<void> {
    const candidates = children
      .filter((c) => c.startsWith('json.info_'))
      .sort((a, b) => seq(a) - seq(b));
    for (const c of candidates) {
      const got = await this.zk!.getOrNull(`${this.path === '/' ? '' : this.path}/${c}`).catch(
        () => null,
      );
      if (!got) continue;
      let url: string | undefined;
      try {
        url = masterUrlFromInfo(
          JSON.parse(got.data.toString('utf8')) as MasterInfoJson,
          this.scheme,
        );
      } catch {
        this.logger?.warn('ignoring a master registration that is not valid JSON', { node: c });
        continue;
      }
      if (!url) continue;
      if (url !== this.leader) {
        const previous = this.leader;
        this.leader = url;
        this.logger?.info('leading Mesos master', { master: url, previous });
        if (previous) this.emit('change', url);
      }
      for (const w of this.waiters.splice(0)) w(url);
      return;
    }
    if (this.leader)
      this.logger?.warn('no Mesos master registered in ZooKeeper', { path: this.path });
    this.leader = undefined;
  }

  async current(): Promise<string> {
    await this.start();
    if (this.leader) return this.leader;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    this.watch?.close();
    await this.zk?.close();
  }
}

function seq(name: string): number {
  return Number(name.slice(name.lastIndexOf('_') + 1));
}

/** `scheme`: how masters found in ZooKeeper are reached (`http` or `https`). */
export function createMasterDetector(
  master: string,
  logger?: Logger,
  scheme = 'http',
): MasterDetector {
  if (master.startsWith('zk://')) return new ZkMasterDetector(master, logger, scheme);
  return new StaticMasterDetector(/^https?:\/\//.test(master) ? master : `http://${master}`);
}
