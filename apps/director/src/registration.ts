import type { DirectorBackend, DirectorRegistration } from '@riak-mesos/framework-contract';
import { directorsNodeSchema, encodeDirectorRegistration } from '@riak-mesos/framework-contract';
import type { Logger } from '@riak-mesos/logging';
import type { AclSpec, ZkClient } from '@riak-mesos/zk';
import {
  NoNodeError,
  directorRegistrationAcl,
  frameworkLayout,
  validateName,
} from '@riak-mesos/zk';
import type { Backend } from './backends';

export interface RegistrationTarget {
  framework: string;
  cluster: string;
}

export interface RegistrarOptions {
  /** The host clients reach the director at. */
  host: string;
  pbPort: number;
  httpPort: number;
  /** The director's own ACL id (digest), when it has a ZooKeeper credential. */
  selfId?: string;
  /** Wait between two attempts while the cluster's `directors` node is missing or held. */
  retryMs?: number;
  logger: Logger;
}

/**
 * The host a registration names when no `--advertise-host` is given: the proxies' listen address
 * when it is a specific one (clients can reach nothing else), else the machine's host name.
 */
export function defaultAdvertiseHost(listenHost: string, machine: string): string {
  const wildcard = ['', '0.0.0.0', '::', '[::]', '::0'].includes(listenHost);
  return wildcard ? machine : listenHost;
}

/** The registration's znode name: `<host>-<pb port>`, one per listener (a name segment). */
export function registrationId(host: string, pbPort: number): string {
  const h = host.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'director';
  return validateName('director', `${h.slice(0, 90)}-${pbPort}`);
}

/**
 * What the registration says of the backends (each listener's, in pool order): their state and,
 * for one that is down, the last error its checks or connections met (cut to 300 characters).
 */
export function backendHealth(
  lanes: readonly { name: 'protobuf' | 'http'; backends: readonly Backend[] }[],
): DirectorBackend[] {
  return lanes.flatMap((l) =>
    l.backends
      .filter((b) => !b.retired)
      .map((b) => {
        const error = b.state === 'down' ? (b.lastCheck?.detail ?? b.lastError) : undefined;
        return {
          node: b.node,
          listener: l.name,
          address: b.address,
          state: b.state,
          ...(error ? { error: error.slice(0, 300) } : {}),
        };
      }),
  );
}

/**
 * The ACL of a registration: the rule's (scheduler and director ALL), the scheduler's id read
 * from the data of the `directors` node it made (`parentData`). A scheduler without credentials
 * writes none: the registration is then open, so that scheduler can read it. A director without
 * credentials: its client's default.
 */
export function registrationAcl(
  parentData: Buffer,
  selfId: string | undefined,
): AclSpec | undefined {
  if (!selfId) return undefined;
  let json: unknown = {};
  try {
    json = parentData.length > 0 ? JSON.parse(parentData.toString('utf8')) : {};
  } catch {
    json = null;
  }
  const parsed = directorsNodeSchema.safeParse(json);
  if (!parsed.success) throw new Error('the directors node holds no valid scheduler id');
  const scheduler = parsed.data.schedulerId;
  return scheduler ? directorRegistrationAcl({ scheduler, director: selfId }) : 'open';
}

/**
 * The director's registration in ZooKeeper (docs/director.md, "Registration"): an ephemeral node
 * `clusters/<c>/directors/<host>-<pb port>` of the framework, with the addresses of its PB and
 * HTTP proxies and its backends' health (`publishBackends`, written again when it changes), for
 * `GET /api/v1/clusters/{c}/endpoints`. Made once ZooKeeper is reached and the
 * cluster's `directors` node exists (the scheduler makes it with the cluster; retried until
 * then), moved when the director is re-pointed, made again by the client after a session expiry,
 * and deleted on stop.
 */
export class Registrar {
  private target: RegistrationTarget | undefined;
  private path: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private warned = false;
  /** The backends' health as last given, and since when (written with the registration). */
  private backends: { list: DirectorBackend[]; at: string } | undefined;
  /** The registration as made (without backends), and the data last written to it. */
  private doc: DirectorRegistration | undefined;
  private written: string | undefined;
  private retryWrite: NodeJS.Timeout | undefined;
  readonly id: string;

  constructor(
    private readonly zk: ZkClient,
    private readonly o: RegistrarOptions,
  ) {
    this.id = registrationId(o.host, o.pbPort);
  }

  /** The registered path, once made. */
  get registered(): string | undefined {
    return this.path;
  }

  /** Registers under `target` (and leaves the previous target's registration). */
  moveTo(target: RegistrationTarget): Promise<void> {
    this.target = { ...target };
    return this.queue(async () => {
      await this.leave();
      await this.attempt();
    });
  }

  /**
   * The backends' health to publish in the registration: written when it differs from what the
   * registration holds (and with the registration when it is made again); a failed write is
   * tried again after `retryMs`.
   */
  publishBackends(list: DirectorBackend[]): Promise<void> {
    if (!this.backends || JSON.stringify(this.backends.list) !== JSON.stringify(list))
      this.backends = { list, at: new Date().toISOString() };
    return this.queue(() => this.writeBackends());
  }

  private async writeBackends(): Promise<void> {
    const path = this.path;
    if (this.stopped || !path || !this.doc) return;
    const data = encodeDirectorRegistration(this.withBackends(this.doc));
    if (data === this.written) return;
    try {
      await this.zk.set(path, data);
      this.written = data;
      this.o.logger.debug('director backends published', {
        path,
        backends: this.backends?.list.length ?? 0,
      });
    } catch (err) {
      this.o.logger.warn("cannot publish the backends' health in the registration; retrying", {
        path,
        error: (err as Error).message,
      });
      clearTimeout(this.retryWrite);
      this.retryWrite = setTimeout(
        () => void this.queue(() => this.writeBackends()),
        this.o.retryMs ?? 5000,
      );
      this.retryWrite.unref();
    }
  }

  private withBackends(doc: DirectorRegistration): DirectorRegistration {
    return this.backends
      ? { ...doc, backends: this.backends.list, backendsAt: this.backends.at }
      : doc;
  }

  /** Deletes the registration; nothing more is made. */
  stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    return this.queue(() => this.leave());
  }

  private queue(work: () => Promise<void>): Promise<void> {
    this.running = this.running.then(work, work);
    return this.running;
  }

  private async leave(): Promise<void> {
    clearTimeout(this.timer);
    clearTimeout(this.retryWrite);
    const path = this.path;
    if (!path) return;
    this.path = undefined;
    this.doc = undefined;
    this.written = undefined;
    try {
      await this.zk.delete(path);
      this.o.logger.info('director registration removed', { path });
    } catch (err) {
      if (!(err instanceof NoNodeError))
        this.o.logger.warn('cannot remove the director registration; it goes with the session', {
          path,
          error: (err as Error).message,
        });
    }
  }

  private async attempt(): Promise<void> {
    const target = this.target;
    if (this.stopped || !target || this.path) return;
    const layout = frameworkLayout(target.framework);
    const parent = layout.directors(target.cluster);
    const path = layout.director(target.cluster, this.id);
    const base: DirectorRegistration = {
      framework: target.framework,
      cluster: target.cluster,
      host: this.o.host,
      pbPort: this.o.pbPort,
      httpPort: this.o.httpPort,
      registeredAt: new Date().toISOString(),
    };
    const data = encodeDirectorRegistration(this.withBackends(base));
    try {
      const acl = this.o.selfId
        ? registrationAcl((await this.zk.get(parent)).data, this.o.selfId)
        : undefined;
      await this.zk.createEphemeral(path, data, acl ? { acl } : {});
      this.path = path;
      this.doc = base;
      this.written = data;
      this.warned = false;
      this.o.logger.info('director registered', { path, pb: base.pbPort, http: base.httpPort });
    } catch (err) {
      if (this.stopped) return;
      const missing = err instanceof NoNodeError;
      const fields = { path, error: (err as Error).message };
      if (!this.warned)
        this.o.logger.warn(
          missing
            ? 'cannot register the director: the cluster has no directors node yet (does the cluster exist?); retrying'
            : 'cannot register the director; retrying',
          fields,
        );
      else this.o.logger.debug('director registration retry failed', fields);
      this.warned = true;
      this.timer = setTimeout(() => void this.queue(() => this.attempt()), this.o.retryMs ?? 5000);
    }
  }
}
