// Over 400 lines: the director's whole configuration is one settings table (every setting's
// sources, schema and default), so that one place says what a setting may be.
import { isIP } from 'node:net';
import { Command } from 'commander';
import type { Resolved, SettingsTable } from '@riak-mesos/config';
import {
  addSettingOptions,
  bool,
  describeOrigin,
  durationMs,
  int,
  invalidConfiguration,
  fileContents,
  hostNames,
  loadSettings,
  port,
  privateFileContents,
} from '@riak-mesos/config';
import { zkCredentialSchema } from '@riak-mesos/framework-contract';
import { parseConnectString, validateName } from '@riak-mesos/zk';
import { z } from 'zod';

export { ConfigError } from '@riak-mesos/config';

export type BalanceMode = 'leastconn' | 'roundrobin';
/**
 * Who accepts client connections with `--workers N`: `shared`, every worker from the one listening
 * socket (no cost per connection; the kernel decides which worker, so the split can be uneven);
 * `primary`, the primary, which hands each accepted socket to the next worker in turn (an even
 * split, at a cost per connection in both processes).
 */
export type WorkerAccept = 'shared' | 'primary';

/**
 * Director configuration. Sources, lowest to highest precedence: built-in defaults, a JSON file
 * (`--config`), the environment (`PORT0`/`PORT1`/`PORT2` as Marathon gives them, then
 * `DIRECTOR_*`), and command-line flags (`@riak-mesos/config`, the table `SETTINGS` below).
 * Durations are milliseconds.
 */
export interface DirectorConfig {
  /** ZooKeeper connect string: `h:p,h:p[/chroot]` or `zk://h:p,h:p[/chroot]`. */
  zk: string;
  zkSessionTimeoutMs: number;
  /**
   * The director's ZooKeeper credential `user:password` (docs/security.md, "ZooKeeper"): it
   * reads the published nodes with it. None: it reads them only while ZooKeeper is open (warned).
   */
  zkAuth?: string;
  /** Framework name: nodes are read from `/riak/frameworks/<framework>/coordinator/coordinatedNodes`. */
  framework: string;
  /** Only nodes whose `ClusterName` is this are proxied. */
  cluster: string;
  /** Address the two proxy listeners bind to. */
  host: string;
  /**
   * The host name clients reach the proxies at, in the director's registration in ZooKeeper
   * (docs/director.md, "Registration"); none: this machine's host name.
   */
  advertiseHost?: string;
  /** Riak protocol buffers proxy port (`PORT1` under Marathon). */
  pbPort: number;
  /** Riak HTTP proxy port (`PORT0` under Marathon). */
  httpPort: number;
  api: { enabled: boolean; host: string; port: number };
  /**
   * The bearer token the API's one change (`PUT /frameworks/…`) needs (docs/security.md); none
   * and not `insecureNoAuth`: `main` makes one at start (`director-api-token` in the working
   * directory) — a Director without one refuses every change.
   */
  apiToken?: string;
  /** The API takes changes without credentials (`--insecure-no-auth`; warned at start). */
  insecureNoAuth: boolean;
  /** More names the API answers to in `Host` (IPs and localhost always); `*`: any. */
  allowedHosts: string[];
  /** PEM files of the API's certificate chain and key: both set, the API is https only. */
  tlsCert?: string;
  tlsKey?: string;
  balance: BalanceMode;
  /** Time allowed for one TCP connect to a backend. */
  connectTimeoutMs: number;
  /** Backends tried for one client connection before it is dropped. */
  connectAttempts: number;
  /** How long a client waits for a backend when none is available (all down or full). */
  queueTimeoutMs: number;
  /** A proxied connection with no data either way for this long is closed. */
  idleTimeoutMs: number;
  /** Connections (active and connecting) per backend. */
  maxConnPerBackend: number;
  /** Client connections per listener; more are refused by the kernel accept path. */
  maxClientConnections: number;
  /** A removed backend's remaining connections are closed after this long. */
  drainTimeoutMs: number;
  /** On SIGTERM, how long open connections may finish before they are closed. */
  shutdownGraceMs: number;
  health: {
    intervalMs: number;
    timeoutMs: number;
    /** Consecutive successful checks that bring a down backend up. */
    rise: number;
    /** Consecutive failed checks that take an up backend down. */
    fall: number;
    /** Consecutive connect errors of proxied traffic that take a backend down (0: never). */
    ejectAfter: number;
  };
  /**
   * Processes that proxy (workers.ts): 1 runs everything in one process; N > 1 runs a primary
   * (discovery, health checks, API) and N workers sharing the proxy ports.
   */
  workers: number;
  /** With `workers` > 1: who accepts client connections (WorkerAccept). */
  workerAccept: WorkerAccept;
  /** Open PB connections kept per backend (pb-pool.ts; docs/director.md, "Backend connection pool"). */
  pool: {
    /** Idle connections kept per backend; 0 turns the pool off. */
    size: number;
    /** Idle connections opened ahead of demand per backend (at most `size`). */
    warmup: number;
    /** An idle connection unused this long is closed (and the warm-up refilled). */
    idleTimeMs: number;
  };
}

export const DEFAULTS: DirectorConfig = {
  zk: 'master.mesos:2181',
  zkSessionTimeoutMs: 30000,
  framework: 'riak',
  cluster: 'default',
  host: '0.0.0.0',
  pbPort: 8087,
  httpPort: 8098,
  api: { enabled: true, host: '0.0.0.0', port: 9000 },
  insecureNoAuth: false,
  allowedHosts: [],
  balance: 'leastconn',
  connectTimeoutMs: 5000,
  connectAttempts: 3,
  queueTimeoutMs: 5000,
  idleTimeoutMs: 180000,
  maxConnPerBackend: 1024,
  maxClientConnections: 16384,
  drainTimeoutMs: 180000,
  shutdownGraceMs: 5000,
  health: { intervalMs: 2000, timeoutMs: 1000, rise: 2, fall: 3, ejectAfter: 1 },
  workers: 1,
  workerAccept: 'shared',
  pool: { size: 32, warmup: 4, idleTimeMs: 60000 },
};

const address = z
  .string()
  .refine(
    (h) => isIP(h) !== 0 || h === 'localhost',
    'must be an IP address to listen on (e.g. 0.0.0.0 or 127.0.0.1)',
  );
const name = (what: string) =>
  z.string({ error: `must be a ${what} name` }).superRefine((v, ctx) => {
    try {
      validateName(what, v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });
const connectString = z
  .string({ error: 'must be a ZooKeeper connect string' })
  .superRefine((v, ctx) => {
    try {
      parseConnectString(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });

const D = DEFAULTS;
const tokenFile = fileContents('token file');
const zkAuthFile = privateFileContents('ZooKeeper credential file');
const H = DEFAULTS.health;
const P = DEFAULTS.pool;

/** Every setting: its key in the file (dotted: nested), variables, flag, schema and default. */
export const SETTINGS = {
  zk: {
    description: 'ZooKeeper: host:port,host:port[/chroot] (zk:// accepted)',
    schema: connectString,
    default: D.zk,
    env: 'DIRECTOR_ZK',
    flag: '--zk <connect>',
  },
  zkSessionTimeoutMs: {
    description: 'ZooKeeper session timeout',
    schema: durationMs(1000, 600000),
    default: D.zkSessionTimeoutMs,
    defaultText: '30s',
    env: 'DIRECTOR_ZK_SESSION_TIMEOUT',
    flag: '--zk-session-timeout <duration>',
  },
  zkAuth: {
    description:
      "the director's ZooKeeper credential user:password (from a file readable by its owner only)",
    schema: zkCredentialSchema.optional(),
    env: ['DIRECTOR_ZK_AUTH', { name: 'DIRECTOR_ZK_AUTH_FILE', read: zkAuthFile }],
    flag: { flags: '--zk-auth-file <file>', read: zkAuthFile },
    secret: true,
  },
  framework: {
    description: 'framework name',
    schema: name('framework'),
    default: D.framework,
    env: 'DIRECTOR_FRAMEWORK',
    flag: '--framework <name>',
  },
  cluster: {
    description: 'cluster name',
    schema: name('cluster'),
    default: D.cluster,
    env: 'DIRECTOR_CLUSTER',
    flag: '--cluster <name>',
  },
  host: {
    description: 'address of the proxy listeners',
    schema: address,
    default: D.host,
    env: 'DIRECTOR_HOST',
    flag: '--host <ip>',
  },
  advertiseHost: {
    description:
      "host name clients reach the proxies at, in the director's registration (default: the --host address when it is a specific one, else this host's name)",
    schema: z
      .string()
      .regex(/^[A-Za-z0-9_.:[\]-]{1,253}$/, 'must be a host name or address')
      .optional(),
    env: 'DIRECTOR_ADVERTISE_HOST',
    flag: '--advertise-host <name>',
  },
  pbPort: {
    description: 'protocol buffers proxy port',
    schema: port,
    default: D.pbPort,
    env: ['PORT1', 'DIRECTOR_PB_PORT'],
    flag: '--pb-port <port>',
  },
  httpPort: {
    description: 'HTTP proxy port',
    schema: port,
    default: D.httpPort,
    env: ['PORT0', 'DIRECTOR_HTTP_PORT'],
    flag: '--http-port <port>',
  },
  'api.enabled': {
    description: 'do not serve the HTTP API',
    schema: bool,
    default: D.api.enabled,
    env: 'DIRECTOR_WEB_ENABLED',
    flag: '--no-api',
  },
  'api.host': {
    description: 'address of the HTTP API',
    schema: address,
    default: D.api.host,
    env: 'DIRECTOR_API_HOST',
    flag: '--api-host <ip>',
  },
  'api.port': {
    description: 'HTTP API port',
    schema: port,
    default: D.api.port,
    env: ['PORT2', 'DIRECTOR_API_PORT'],
    flag: '--api-port <port>',
  },
  apiToken: {
    description:
      'bearer token the API needs for changes (from file; default: made at start, in ./director-api-token)',
    schema: z.string().min(16, 'must be at least 16 characters').optional(),
    env: ['DIRECTOR_API_TOKEN', { name: 'DIRECTOR_API_TOKEN_FILE', read: tokenFile }],
    flag: { flags: '--api-token-file <file>', read: tokenFile },
    secret: true,
  },
  insecureNoAuth: {
    description: 'take API changes without credentials',
    schema: bool,
    default: D.insecureNoAuth,
    env: 'DIRECTOR_INSECURE_NO_AUTH',
    flag: '--insecure-no-auth',
  },
  allowedHosts: {
    description:
      "more host names the API answers to (comma-separated; IPs and localhost always; '*': any)",
    schema: hostNames,
    default: D.allowedHosts,
    env: 'DIRECTOR_ALLOWED_HOSTS',
    flag: '--allowed-hosts <names>',
  },
  tlsCert: {
    description: 'PEM certificate (chain) of the API: with tlsKey, the API is https only',
    schema: z.string().min(1).optional(),
    env: 'DIRECTOR_TLS_CERT',
    flag: '--tls-cert <file>',
  },
  tlsKey: {
    description: 'PEM private key of the API certificate',
    schema: z.string().min(1).optional(),
    env: 'DIRECTOR_TLS_KEY',
    flag: '--tls-key <file>',
  },
  balance: {
    description: 'balancing: leastconn or roundrobin',
    schema: z.enum(['leastconn', 'roundrobin'], { error: "must be 'leastconn' or 'roundrobin'" }),
    default: D.balance,
    env: 'DIRECTOR_BALANCE',
    flag: '--balance <mode>',
    choices: ['leastconn', 'roundrobin'],
  },
  connectTimeoutMs: {
    description: 'backend connect timeout',
    schema: durationMs(1, 600000),
    default: D.connectTimeoutMs,
    defaultText: '5s',
    env: 'DIRECTOR_CONNECT_TIMEOUT',
    flag: '--connect-timeout <duration>',
  },
  connectAttempts: {
    description: 'backends tried per client connection',
    schema: int(1, 100),
    default: D.connectAttempts,
    env: 'DIRECTOR_CONNECT_ATTEMPTS',
    flag: '--connect-attempts <n>',
  },
  queueTimeoutMs: {
    description: 'wait for an available backend',
    schema: durationMs(0, 600000),
    default: D.queueTimeoutMs,
    defaultText: '5s',
    env: 'DIRECTOR_QUEUE_TIMEOUT',
    flag: '--queue-timeout <duration>',
  },
  idleTimeoutMs: {
    description: 'close connections idle this long',
    schema: durationMs(100),
    default: D.idleTimeoutMs,
    defaultText: '180s',
    env: 'DIRECTOR_IDLE_TIMEOUT',
    flag: '--idle-timeout <duration>',
  },
  maxConnPerBackend: {
    description: 'connections per backend',
    schema: int(1, 1000000),
    default: D.maxConnPerBackend,
    env: 'DIRECTOR_MAX_CONN',
    flag: '--max-conn <n>',
  },
  maxClientConnections: {
    description: 'client connections per listener',
    schema: int(1, 10000000),
    default: D.maxClientConnections,
    env: 'DIRECTOR_MAX_CLIENTS',
    flag: '--max-clients <n>',
  },
  drainTimeoutMs: {
    description: 'close a removed backend after this long',
    schema: durationMs(0),
    default: D.drainTimeoutMs,
    defaultText: '180s',
    env: 'DIRECTOR_DRAIN_TIMEOUT',
    flag: '--drain-timeout <duration>',
  },
  shutdownGraceMs: {
    description: 'on SIGTERM, let connections finish',
    schema: durationMs(0, 600000),
    default: D.shutdownGraceMs,
    defaultText: '5s',
    env: 'DIRECTOR_SHUTDOWN_GRACE',
    flag: '--shutdown-grace <duration>',
  },
  'health.intervalMs': {
    description: 'active health check interval',
    schema: durationMs(50, 3600000),
    default: H.intervalMs,
    defaultText: '2s',
    env: 'DIRECTOR_HEALTH_INTERVAL',
    flag: '--health-interval <duration>',
  },
  'health.timeoutMs': {
    description: 'active health check timeout',
    schema: durationMs(1, 600000),
    default: H.timeoutMs,
    defaultText: '1s',
    env: 'DIRECTOR_HEALTH_TIMEOUT',
    flag: '--health-timeout <duration>',
  },
  'health.rise': {
    description: 'successful checks to bring a backend up',
    schema: int(1, 100),
    default: H.rise,
    env: 'DIRECTOR_HEALTH_RISE',
    flag: '--rise <n>',
  },
  'health.fall': {
    description: 'failed checks to take a backend down',
    schema: int(1, 100),
    default: H.fall,
    env: 'DIRECTOR_HEALTH_FALL',
    flag: '--fall <n>',
  },
  'health.ejectAfter': {
    description: 'connect errors that take a backend down, 0 = never',
    schema: int(0, 100),
    default: H.ejectAfter,
    env: 'DIRECTOR_EJECT_AFTER',
    flag: '--eject-after <n>',
  },
  workers: {
    description: 'proxy processes sharing the ports (node:cluster); more than 1 adds a primary',
    schema: int(1, 64),
    default: D.workers,
    env: 'DIRECTOR_WORKERS',
    flag: '--workers <n>',
  },
  workerAccept: {
    description:
      'with --workers: shared (each worker accepts; cheapest, the split can be uneven) or primary (handed out in turn)',
    schema: z.enum(['shared', 'primary'], { error: "must be 'shared' or 'primary'" }),
    default: D.workerAccept,
    env: 'DIRECTOR_WORKER_ACCEPT',
    flag: '--worker-accept <mode>',
    choices: ['shared', 'primary'],
  },
  'pool.size': {
    description: 'idle PB connections kept per backend, 0 = no pool',
    schema: int(0, 10000),
    default: P.size,
    env: 'DIRECTOR_POOL_SIZE',
    flag: '--pool-size <n>',
  },
  'pool.warmup': {
    description: 'idle PB connections opened ahead of demand per backend (at most the pool size)',
    schema: int(0, 10000),
    default: P.warmup,
    env: 'DIRECTOR_POOL_WARMUP',
    flag: '--pool-warmup <n>',
  },
  'pool.idleTimeMs': {
    description: 'close a pooled PB connection unused this long',
    schema: durationMs(100),
    default: P.idleTimeMs,
    defaultText: '60s',
    env: 'DIRECTOR_POOL_IDLE_TIME',
    flag: '--pool-idle-time <duration>',
  },
} satisfies SettingsTable;

/** Commander's option values: `config`, `printConfig`, and one per flag of SETTINGS. */
export interface CliOptions {
  config?: string;
  api?: boolean;
  printConfig?: string | boolean;
  [flag: string]: string | boolean | undefined;
}

export function buildCommand(): Command {
  const command = new Command('riak-mesos-director').description(
    'Riak Mesos Director: discovers the Riak nodes of one cluster in ZooKeeper and proxies ' +
      'protocol buffers and HTTP to the healthy ones',
  );
  return addSettingOptions(command, SETTINGS, { configFile: true });
}

/** Two listeners may not share a port (0 asks the system for one, so it may repeat). */
function checkPorts(config: DirectorConfig): void {
  const ports = [
    ['pbPort', config.pbPort],
    ['httpPort', config.httpPort],
    ...(config.api.enabled ? [['api.port', config.api.port] as const] : []),
  ] as const;
  for (let i = 0; i < ports.length; i++) {
    for (let j = i + 1; j < ports.length; j++) {
      if (ports[i][1] !== 0 && ports[i][1] === ports[j][1]) {
        throw invalidConfiguration([
          `${ports[i][0]} and ${ports[j][0]} are both ${ports[i][1]}; each listener needs its own port`,
        ]);
      }
    }
  }
}

/**
 * Merges defaults, file, environment and flags, validates, and keeps each value's origin (for
 * `--print-config`). Throws ConfigError listing every problem, each named by its key and where
 * the value came from.
 */
export function resolveConfig(
  flags: CliOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): Resolved<DirectorConfig> {
  const resolved = loadSettings(SETTINGS, { flags, env, file: flags.config });
  const config: DirectorConfig = resolved.config;
  checkPorts(config);
  if (config.insecureNoAuth && config.apiToken)
    throw invalidConfiguration([
      'insecureNoAuth: --insecure-no-auth and --api-token-file exclude each other',
    ]);
  if (config.pool.warmup > config.pool.size) {
    const from = (key: string) => {
      const v = resolved.values.find((r) => r.key === key);
      return v ? describeOrigin(v.origin) : 'default';
    };
    throw invalidConfiguration([
      `pool.warmup: ${config.pool.warmup} (from ${from('pool.warmup')}) is more than pool.size ${config.pool.size} (from ${from('pool.size')}); the pool keeps at most pool.size idle connections per backend`,
    ]);
  }
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined))
    throw invalidConfiguration([
      config.tlsCert === undefined
        ? 'tlsCert: --tls-key needs --tls-cert (DIRECTOR_TLS_CERT), the certificate of the key'
        : 'tlsKey: --tls-cert needs --tls-key (DIRECTOR_TLS_KEY), the private key of the certificate',
    ]);
  return { config, values: resolved.values };
}

export function loadConfig(
  flags: CliOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): DirectorConfig {
  return resolveConfig(flags, env).config;
}
