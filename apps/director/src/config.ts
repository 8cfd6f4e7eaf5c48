import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Command, Option } from 'commander';
import { parseConnectString, validateName } from '@riak-mesos/zk';
import { z } from 'zod';

export type BalanceMode = 'leastconn' | 'roundrobin';

/**
 * Director configuration. Sources, lowest to highest precedence: built-in defaults, a JSON file
 * (`--config`), the environment (`PORT0`/`PORT1`/`PORT2` as Marathon gives them, then
 * `DIRECTOR_*`), and command-line flags. Durations are milliseconds.
 */
export interface DirectorConfig {
  /** ZooKeeper connect string: `h:p,h:p[/chroot]` or `zk://h:p,h:p[/chroot]`. */
  zk: string;
  zkSessionTimeoutMs: number;
  /** Framework name: nodes are read from `/riak/frameworks/<framework>/coordinator/coordinatedNodes`. */
  framework: string;
  /** Only nodes whose `ClusterName` is this are proxied. */
  cluster: string;
  /** Address the two proxy listeners bind to. */
  host: string;
  /** Riak protocol buffers proxy port (`PORT1` under Marathon). */
  pbPort: number;
  /** Riak HTTP proxy port (`PORT0` under Marathon). */
  httpPort: number;
  api: { enabled: boolean; host: string; port: number };
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
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
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
};

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60000, h: 3600000 };

/** `1500`, `1500ms`, `5s`, `3m`, `1h` to milliseconds; anything else is left for zod to reject. */
function toMs(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(v);
  if (!m) return v;
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 'ms']);
}

function toInt(v: unknown): unknown {
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return Number(v);
  return v;
}

const duration = (min: number, max = 24 * 3600000) =>
  z.preprocess(
    toMs,
    z
      .number({ error: 'must be a duration: milliseconds, or a number with ms, s, m or h' })
      .int()
      .min(min, `must be at least ${min} ms`)
      .max(max, `must be at most ${max} ms`),
  );
const int = (min: number, max: number) =>
  z.preprocess(
    toInt,
    z
      .number({ error: 'must be an integer' })
      .int('must be an integer')
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`),
  );
const port = int(0, 65535);
const bool = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    const s = v.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(s)) return true;
    if (['false', '0', 'no', 'off'].includes(s)) return false;
    return v;
  },
  z.boolean({ error: 'must be true or false' }),
);
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

/** An object that rejects unknown keys (a typo in a config file is an error, not a no-op). */
function strict<T extends z.core.$ZodLooseShape>(shape: T) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`
        : 'must be an object',
  });
}

const schema = strict({
  zk: z.string({ error: 'must be a ZooKeeper connect string' }).superRefine((v, ctx) => {
    try {
      parseConnectString(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  }),
  zkSessionTimeoutMs: duration(1000, 600000),
  framework: name('framework'),
  cluster: name('cluster'),
  host: address,
  pbPort: port,
  httpPort: port,
  api: strict({ enabled: bool, host: address, port }),
  balance: z.enum(['leastconn', 'roundrobin'], { error: "must be 'leastconn' or 'roundrobin'" }),
  connectTimeoutMs: duration(1, 600000),
  connectAttempts: int(1, 100),
  queueTimeoutMs: duration(0, 600000),
  idleTimeoutMs: duration(100),
  maxConnPerBackend: int(1, 1000000),
  maxClientConnections: int(1, 10000000),
  drainTimeoutMs: duration(0),
  shutdownGraceMs: duration(0, 600000),
  health: strict({
    intervalMs: duration(50, 3600000),
    timeoutMs: duration(1, 600000),
    rise: int(1, 100),
    fall: int(1, 100),
    ejectAfter: int(0, 100),
  }),
});

/** Environment variable → config path; later entries win over earlier ones. */
const ENV: [string, string][] = [
  ['PORT0', 'httpPort'],
  ['PORT1', 'pbPort'],
  ['PORT2', 'api.port'],
  ['DIRECTOR_ZK', 'zk'],
  ['DIRECTOR_ZK_SESSION_TIMEOUT', 'zkSessionTimeoutMs'],
  ['DIRECTOR_FRAMEWORK', 'framework'],
  ['DIRECTOR_CLUSTER', 'cluster'],
  ['DIRECTOR_HOST', 'host'],
  ['DIRECTOR_PB_PORT', 'pbPort'],
  ['DIRECTOR_HTTP_PORT', 'httpPort'],
  ['DIRECTOR_WEB_ENABLED', 'api.enabled'],
  ['DIRECTOR_API_HOST', 'api.host'],
  ['DIRECTOR_API_PORT', 'api.port'],
  ['DIRECTOR_BALANCE', 'balance'],
  ['DIRECTOR_CONNECT_TIMEOUT', 'connectTimeoutMs'],
  ['DIRECTOR_CONNECT_ATTEMPTS', 'connectAttempts'],
  ['DIRECTOR_QUEUE_TIMEOUT', 'queueTimeoutMs'],
  ['DIRECTOR_IDLE_TIMEOUT', 'idleTimeoutMs'],
  ['DIRECTOR_MAX_CONN', 'maxConnPerBackend'],
  ['DIRECTOR_MAX_CLIENTS', 'maxClientConnections'],
  ['DIRECTOR_DRAIN_TIMEOUT', 'drainTimeoutMs'],
  ['DIRECTOR_SHUTDOWN_GRACE', 'shutdownGraceMs'],
  ['DIRECTOR_HEALTH_INTERVAL', 'health.intervalMs'],
  ['DIRECTOR_HEALTH_TIMEOUT', 'health.timeoutMs'],
  ['DIRECTOR_HEALTH_RISE', 'health.rise'],
  ['DIRECTOR_HEALTH_FALL', 'health.fall'],
  ['DIRECTOR_EJECT_AFTER', 'health.ejectAfter'],
];

/** Flag (commander's camelCase attribute) → config path. */
const FLAGS: [string, string][] = [
  ['zk', 'zk'],
  ['zkSessionTimeout', 'zkSessionTimeoutMs'],
  ['framework', 'framework'],
  ['cluster', 'cluster'],
  ['host', 'host'],
  ['pbPort', 'pbPort'],
  ['httpPort', 'httpPort'],
  ['apiHost', 'api.host'],
  ['apiPort', 'api.port'],
  ['balance', 'balance'],
  ['connectTimeout', 'connectTimeoutMs'],
  ['connectAttempts', 'connectAttempts'],
  ['queueTimeout', 'queueTimeoutMs'],
  ['idleTimeout', 'idleTimeoutMs'],
  ['maxConn', 'maxConnPerBackend'],
  ['maxClients', 'maxClientConnections'],
  ['drainTimeout', 'drainTimeoutMs'],
  ['shutdownGrace', 'shutdownGraceMs'],
  ['healthInterval', 'health.intervalMs'],
  ['healthTimeout', 'health.timeoutMs'],
  ['rise', 'health.rise'],
  ['fall', 'health.fall'],
  ['ejectAfter', 'health.ejectAfter'],
];

export interface CliOptions {
  config?: string;
  api?: boolean;
  [flag: string]: string | boolean | undefined;
}

export function buildCommand(): Command {
  return new Command('riak-mesos-director')
    .description(
      'Riak Mesos Director: discovers the Riak nodes of one cluster in ZooKeeper and proxies ' +
        'protocol buffers and HTTP to the healthy ones',
    )
    .option('-c, --config <file>', 'JSON configuration file')
    .option('--zk <connect>', 'ZooKeeper: host:port,host:port[/chroot] (env DIRECTOR_ZK)')
    .option('--framework <name>', 'framework name (env DIRECTOR_FRAMEWORK; default riak)')
    .option('--cluster <name>', 'cluster name (env DIRECTOR_CLUSTER; default default)')
    .option('--host <ip>', 'address of the proxy listeners (default 0.0.0.0)')
    .option('--pb-port <port>', 'protocol buffers proxy port (env PORT1; default 8087)')
    .option('--http-port <port>', 'HTTP proxy port (env PORT0; default 8098)')
    .option('--api-host <ip>', 'address of the HTTP API (default 0.0.0.0)')
    .option('--api-port <port>', 'HTTP API port (env PORT2; default 9000)')
    .addOption(new Option('--no-api', 'do not serve the HTTP API (env DIRECTOR_WEB_ENABLED)'))
    .addOption(
      new Option('--balance <mode>', 'balancing: leastconn (default) or roundrobin').choices([
        'leastconn',
        'roundrobin',
      ]),
    )
    .option('--connect-timeout <duration>', 'backend connect timeout (default 5s)')
    .option('--connect-attempts <n>', 'backends tried per client connection (default 3)')
    .option('--queue-timeout <duration>', 'wait for an available backend (default 5s)')
    .option('--idle-timeout <duration>', 'close connections idle this long (default 180s)')
    .option('--max-conn <n>', 'connections per backend (default 1024)')
    .option('--max-clients <n>', 'client connections per listener (default 16384)')
    .option('--drain-timeout <duration>', 'close a removed backend after this long (default 180s)')
    .option('--shutdown-grace <duration>', 'on SIGTERM, let connections finish (default 5s)')
    .option('--health-interval <duration>', 'active health check interval (default 2s)')
    .option('--health-timeout <duration>', 'active health check timeout (default 1s)')
    .option('--rise <n>', 'successful checks to bring a backend up (default 2)')
    .option('--fall <n>', 'failed checks to take a backend down (default 3)')
    .option('--eject-after <n>', 'connect errors that take a backend down, 0 = never (default 1)')
    .option('--zk-session-timeout <duration>', 'ZooKeeper session timeout (default 30s)');
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let o = target;
  for (const p of parts.slice(0, -1)) o = o[p] as Record<string, unknown>;
  o[parts[parts.length - 1]] = value;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) throw new ConfigError(`config file ${file} must hold a JSON object`);
  return parsed;
}

/**
 * Merges defaults, file, environment and flags and validates the result. Throws ConfigError
 * listing every problem, each named by its key and where the value came from.
 */
export function loadConfig(
  flags: CliOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): DirectorConfig {
  const merged = structuredClone(DEFAULTS) as unknown as Record<string, unknown>;
  const origin = new Map<string, string>();
  if (flags.config) {
    const file = readFile(flags.config);
    for (const [k, v] of Object.entries(file)) {
      if (isObject(v) && isObject(merged[k])) {
        merged[k] = { ...merged[k], ...v };
        for (const sub of Object.keys(v)) origin.set(`${k}.${sub}`, `config file ${flags.config}`);
      } else {
        merged[k] = v;
        origin.set(k, `config file ${flags.config}`);
      }
    }
  }
  for (const [variable, path] of ENV) {
    const v = env[variable];
    if (v === undefined || v.trim() === '') continue;
    setPath(merged, path, v.trim());
    origin.set(path, `environment ${variable}`);
  }
  for (const [flag, path] of FLAGS) {
    const v = flags[flag];
    if (v === undefined || typeof v === 'boolean') continue;
    setPath(merged, path, v);
    origin.set(path, `flag --${flag.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`);
  }
  if (flags.api === false) {
    setPath(merged, 'api.enabled', false);
    origin.set('api.enabled', 'flag --no-api');
  }
  const checked = schema.safeParse(merged);
  if (!checked.success) {
    const problems = checked.error.issues.map((i) => {
      const key = i.path.join('.');
      const from = origin.get(key);
      return `${key || '(config)'}: ${i.message}${from ? ` (from ${from})` : ''}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const config: DirectorConfig = checked.data;
  const ports = [
    ['pbPort', config.pbPort, config.host],
    ['httpPort', config.httpPort, config.host],
    ...(config.api.enabled ? [['api.port', config.api.port, config.api.host] as const] : []),
  ] as const;
  for (let i = 0; i < ports.length; i++) {
    for (let j = i + 1; j < ports.length; j++) {
      if (ports[i][1] !== 0 && ports[i][1] === ports[j][1]) {
        throw new ConfigError(
          `invalid configuration:\n  ${ports[i][0]} and ${ports[j][0]} are both ${ports[i][1]}; each listener needs its own port`,
        );
      }
    }
  }
  return config;
}
