import type { CliConfig } from './config';
import { CliError } from './errors';
import { HttpClient } from './http';

export interface MarathonApp {
  id: string;
  cmd: string;
  cpus: number;
  mem: number;
  instances: number;
  ports: number[];
  uris: string[];
  env: Record<string, string>;
  constraints?: string[][];
  acceptedResourceRoles?: string[];
  healthChecks: {
    protocol: 'HTTP' | 'HTTPS';
    path: string;
    portIndex: number;
    gracePeriodSeconds: number;
    intervalSeconds: number;
    timeoutSeconds: number;
    maxConsecutiveFailures: number;
  }[];
  labels?: Record<string, string>;
}

function constraintsOf(value: unknown): string[][] | undefined {
  let v = value;
  for (let i = 0; i < 3 && typeof v === 'string'; i++) {
    try {
      v = JSON.parse(v.replace(/&quot;/g, '"'));
    } catch {
      throw new CliError(`riak.scheduler.constraints is not valid JSON: ${String(value)}`);
    }
  }
  if (v === undefined) return undefined;
  if (
    !Array.isArray(v) ||
    !v.every((c) => Array.isArray(c) && c.every((x) => typeof x === 'string'))
  ) {
    throw new CliError(
      'riak.scheduler.constraints must be a JSON array of string arrays, e.g. [["hostname","UNIQUE"]]',
    );
  }
  return v;
}

function need(config: CliConfig, name: string): string {
  const url = config.file.resources[name];
  if (!url)
    throw new CliError(
      `the config file has no resources.${name} URL (package to fetch for the ${name})`,
    );
  return url;
}

/** The scheduler as a Marathon app, from the CLI configuration (as the original tools did). */
export function schedulerApp(config: CliConfig): MarathonApp {
  const r = config.file.riak;
  const resources = Object.fromEntries(
    Object.entries(config.file.resources).filter(([k]) => k !== 'scheduler' && k !== 'director'),
  );
  const env: Record<string, string> = {
    RIAK_MESOS_NAME: config.frameworkName,
    RIAK_MESOS_RESOURCE_URLS: JSON.stringify(resources),
  };
  if ((r['tls-cert'] === undefined) !== (r['tls-key'] === undefined))
    throw new CliError('riak.tls-cert and riak.tls-key go together (the scheduler needs both)');
  const set = (k: string, v: string | number | boolean | undefined) =>
    v !== undefined && (env[k] = String(v));
  set('RIAK_MESOS_ZK', r.zk);
  set('RIAK_MESOS_MASTER', r.master);
  set('RIAK_MESOS_USER', r.user);
  set('RIAK_MESOS_ROLE', r.role);
  set('RIAK_MESOS_PRINCIPAL', r['auth-principal']);
  set('RIAK_MESOS_SECRET_FILE', r['auth-secret-file']);
  set('RIAK_MESOS_ZK_AUTH_FILE', r['zk-auth-file']);
  set('RIAK_MESOS_TLS_CERT', r['tls-cert']);
  set('RIAK_MESOS_TLS_KEY', r['tls-key']);
  set('RIAK_MESOS_MESOS_CA_FILE', r['mesos-ca-file']);
  set('RIAK_MESOS_ALLOW_INSECURE_MESOS_AUTH', r['allow-insecure-mesos-auth']);
  set('RIAK_MESOS_HOSTNAME', r.hostname);
  set('RIAK_MESOS_FAILOVER_TIMEOUT', r['failover-timeout']);
  set('RIAK_MESOS_CPUS', r.node?.cpus);
  set('RIAK_MESOS_MEM', r.node?.mem);
  set('RIAK_MESOS_DISK', r.node?.disk);
  const constraints = constraintsOf(r.scheduler?.constraints ?? [['hostname', 'UNIQUE']]);
  return {
    id: `/${config.frameworkName}`,
    cmd: './riak-mesos-scheduler/bin/riak-mesos-scheduler',
    cpus: r.scheduler?.cpus ?? 0.5,
    mem: r.scheduler?.mem ?? 2048,
    instances: r.instances ?? 1,
    ports: [0],
    uris: [need(config, 'scheduler')],
    env,
    ...(constraints ? { constraints } : {}),
    healthChecks: [
      {
        // An https scheduler (riak.tls-cert) serves its health check over https only.
        protocol: r['tls-cert'] ? 'HTTPS' : 'HTTP',
        path: '/healthcheck',
        portIndex: 0,
        gracePeriodSeconds: r['healthcheck-grace-period-seconds'] ?? 300,
        intervalSeconds: r['healthcheck-interval-seconds'] ?? 60,
        timeoutSeconds: r['healthcheck-timeout-seconds'] ?? 20,
        maxConsecutiveFailures: r['healthcheck-max-consecutive-failures'] ?? 5,
      },
    ],
    labels: { 'riak-mesos/framework': config.frameworkName, 'riak-mesos/role': 'scheduler' },
  };
}

export function directorAppId(framework: string, cluster: string): string {
  return `/${framework}-${cluster}-director`;
}

/** A director for one cluster as a Marathon app: ports [HTTP proxy, PB proxy, API]. */
export function directorApp(config: CliConfig, cluster: string): MarathonApp {
  const r = config.file.riak;
  if (!r.zk)
    throw new CliError(
      'the config file has no riak.zk (the director reads node endpoints from ZooKeeper)',
    );
  const cert = r.director?.['tls-cert'];
  const key = r.director?.['tls-key'];
  if ((cert === undefined) !== (key === undefined))
    throw new CliError('riak.director.tls-cert and riak.director.tls-key go together');
  const tls = cert && key ? { cert, key } : undefined;
  return {
    id: directorAppId(config.frameworkName, cluster),
    cmd: './riak-mesos-director/bin/riak-mesos-director',
    cpus: r.director?.cpus ?? 0.5,
    mem: r.director?.mem ?? 1024,
    instances: 1,
    ports: [0, 0, 0],
    uris: [need(config, 'director')],
    env: {
      DIRECTOR_ZK: r.zk,
      DIRECTOR_FRAMEWORK: config.frameworkName,
      DIRECTOR_CLUSTER: cluster,
      ...(r.director?.['zk-auth-file']
        ? { DIRECTOR_ZK_AUTH_FILE: r.director['zk-auth-file'] }
        : {}),
      ...(tls ? { DIRECTOR_TLS_CERT: tls.cert, DIRECTOR_TLS_KEY: tls.key } : {}),
    },
    ...(r.director?.['use-public'] ? { acceptedResourceRoles: ['public'] } : {}),
    healthChecks: [
      {
        protocol: tls ? 'HTTPS' : 'HTTP',
        path: '/health',
        portIndex: 2,
        gracePeriodSeconds: 3,
        intervalSeconds: 10,
        timeoutSeconds: 10,
        maxConsecutiveFailures: 3,
      },
    ],
    labels: {
      'riak-mesos/framework': config.frameworkName,
      'riak-mesos/role': 'director',
      'riak-mesos/cluster': cluster,
    },
  };
}

export interface MarathonTask {
  host: string;
  ports: number[];
  healthCheckResults?: { alive: boolean }[];
}

export class Marathon {
  private readonly http: HttpClient;
  constructor(config: CliConfig) {
    if (!config.marathonUrl)
      throw new CliError(
        'no Marathon URL: set riak.marathon in the config file or RIAK_MESOS_MARATHON',
      );
    this.http = new HttpClient(config.marathonUrl, 'Marathon', {}, 15000, config.ca);
  }
  async install(app: MarathonApp): Promise<void> {
    await this.http.request('POST', '/v2/apps', app);
  }
  async uninstall(id: string): Promise<boolean> {
    const res = await this.http.request('DELETE', `/v2/apps${id}?force=true`, undefined, {
      accept404: true,
    });
    return res.status !== 404;
  }
  async tasks(id: string): Promise<MarathonTask[] | undefined> {
    const res = await this.http.get<{ tasks?: MarathonTask[] }>(`/v2/apps${id}/tasks`, {
      accept404: true,
    });
    return res.status === 404 ? undefined : (res.body.tasks ?? []);
  }
}
