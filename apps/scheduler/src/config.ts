// Over 400 lines: the scheduler's whole configuration is one module (the settings table with
// every setting's sources, schema and default, and the Riak package catalogue built from it), so
// that one place says what a setting may be.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import type { Resolved, ResolvedValue, SettingsTable, TextReader } from '@riak-mesos/config';
import {
  ConfigError,
  addSettingOptions,
  bool,
  fileContents,
  hostNames,
  invalidConfiguration,
  json,
  loadSettings,
  privateFileContents,
} from '@riak-mesos/config';
import type { FrameworkZkCredentials } from '@riak-mesos/framework-contract';
import { frameworkZkCredentialsSchema } from '@riak-mesos/framework-contract';
import { isValidName, parseConnectString } from '@riak-mesos/zk';
import { z } from 'zod';
import type { Constraint } from '@riak-mesos/placement';
import { ConstraintError, parseConstraints } from '@riak-mesos/placement';

export { ConfigError } from '@riak-mesos/config';

/** What runs inside a Riak package: Riak KV 2.x, Riak KV 3.x, Riak TS 1.x, or the dev node. */
export const RIAK_FLAVOURS = ['kv2', 'kv3', 'ts1', 'riak-local'] as const;
export type RiakFlavour = (typeof RIAK_FLAVOURS)[number];

/** One deployable Riak package of the catalogue (`riakVersions`). */
export interface RiakVersion {
  /** What clusters name (`riak_version`), e.g. `riak-kv-3.2`. */
  name: string;
  /** The package: a URL the Mesos fetcher takes (http(s)://, file://, hdfs://, …) or an absolute path. */
  url: string;
  /** Lower-case hex sha256 of the package; checked at start for local files (required for them). */
  sha256?: string;
  /** The directory holding `riak/` inside the tarball (task data `RiakRootPath`). */
  rootPath: string;
  flavour: RiakFlavour;
}

/**
 * Scheduler configuration from, lowest to highest precedence: built-in defaults, a JSON file
 * (`--config`), environment variables `RIAK_MESOS_<KEY>` (as the original), and flags; the table
 * `SETTINGS` below, layered by `@riak-mesos/config`.
 */
export interface SchedulerConfig {
  name: string;
  /** `http(s)://host:port` of a master, or `zk://h1:p,h2:p/mesos`. */
  master: string;
  /** ZooKeeper connect string for the framework's state (`h:p,h:p[/chroot]` or `zk://...`). */
  zk: string;
  /**
   * The three ZooKeeper identities (docs/security.md, "ZooKeeper"); none: every znode is open
   * to anyone who reaches ZooKeeper (warned at every start).
   */
  zkAuth?: FrameworkZkCredentials;
  user: string;
  role: string;
  principal?: string;
  secret?: string;
  failoverTimeoutSeconds: number;
  checkpoint: boolean;
  /** Register anew when Mesos no longer knows the stored framework id (instead of exiting). */
  reregisterOnUnknownFrameworkId: boolean;
  ip: string;
  port: number;
  /** How executors and operators reach the API (default: the machine's hostname). */
  hostname: string;
  node: { cpus: number; mem: number; disk: number };
  executor: { cpus: number; mem: number };
  /** Container path of each node's persistent volume, relative to the sandbox. */
  persistentPath: string;
  constraints: Constraint[];
  /**
   * Package name → URI: `executor`, and (old style) one per Riak version (e.g. `riak-kv-2-2`),
   * which the catalogue takes in after `riakVersions`.
   */
  resourceUrls: Record<string, string>;
  /**
   * The Riak package catalogue: the `riakVersions` entries, then the old-style entries of
   * `resourceUrls`. The first is the default version of a new cluster.
   */
  riakVersions: RiakVersion[];
  nodeIface?: string;
  reconcileIntervalSeconds: number;
  /**
   * After a node's agent has been unreachable this long (seconds), the node is replaced on another
   * agent (framework/permanent-failure.ts); 0 = never. A cluster may set its own.
   */
  permanentFailureTimeoutSeconds: number;
  /** Deprecated alias of `permanentFailureTimeoutSeconds` (when given, it sets that). */
  replaceAfterAgentLostSeconds?: number;
  /** A failed node waits initial × factor^(failures-1) seconds, at most max, before its relaunch. */
  relaunchBackoff: { initialSeconds: number; factor: number; maxSeconds: number };
  /** Seconds between samples of each running node's Riak stats (kept an hour); 0 = off. */
  statsIntervalSeconds: number;
  /** Optional API authentication: a bearer token and/or basic credentials `user:password`. */
  apiToken?: string;
  apiBasic?: string;
  /** No credentials on the API at all (`--insecure-no-auth`; a warning at every start). */
  insecureNoAuth: boolean;
  /** `/metrics` open (`open`) or behind the API's credentials (`token`, the default). */
  metricsAuth: 'token' | 'open';
  /** More names the API answers to in `Host` (besides IPs, localhost and `hostname`); `*`: any. */
  allowedHosts: string[];
  /** PEM files of the API's certificate chain and key: both set, the API is https only. */
  tlsCert?: string;
  tlsKey?: string;
  /** PEM file of the CA executors trust for the scheduler's https URL (default: `tlsCert`). */
  tlsCaFile?: string;
  /** PEM file of the CA that signed the Mesos masters' certificates (https masters). */
  mesosCaFile?: string;
  /** Send the Mesos secret to a plain http master anyway (warned at every start). */
  allowInsecureMesosAuth: boolean;
}

const positive = z.coerce.number().positive();

/** The file of a local package (an absolute path or a file:// URL), else undefined. */
export function localPackagePath(url: string): string | undefined {
  if (url.startsWith('/')) return url;
  if (!url.startsWith('file://')) return undefined;
  try {
    return fileURLToPath(url);
  } catch {
    return undefined;
  }
}

const relativePath = z
  .string()
  .min(1)
  .refine(
    (p) => !p.startsWith('/') && !p.split('/').includes('..'),
    'must be a relative path inside the package (no leading / and no ..)',
  );

const riakVersionSchema = z
  .object({
    name: z
      .string()
      .refine(
        isValidName,
        'must be letters, digits, _ - . (start with a letter or digit), at most 100 characters',
      )
      .refine((n) => n !== 'executor', "'executor' names the executor package, not a Riak version"),
    url: z
      .string()
      .refine(
        (u) => u.startsWith('/') || /^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S+$/.test(u),
        'must be a package URL (http://, https://, file://, …) or an absolute path',
      ),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hexadecimal digits (as sha256sum prints)')
      .transform((h) => h.toLowerCase())
      .optional(),
    rootPath: relativePath.default('root'),
    flavour: z.enum(RIAK_FLAVOURS, { message: `must be one of ${RIAK_FLAVOURS.join(', ')}` }),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (localPackagePath(v.url) !== undefined && !v.sha256)
      ctx.addIssue({
        code: 'custom',
        path: ['sha256'],
        message:
          'required for a local file (the scheduler checks it at start): run sha256sum on it',
      });
  });

const riakVersionsSchema = z.array(riakVersionSchema).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((v, i) => {
    if (seen.has(v.name))
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `'${v.name}' is named twice` });
    seen.add(v.name);
  });
});

/**
 * The flavour an old-style `resourceUrls` name suggests: `riak-local`, `riak-ts-1-5`,
 * `riak-kv-3`, …; anything else is taken for KV 2.x, the original framework's packages.
 */
export function guessFlavour(name: string): RiakFlavour {
  const n = name.toLowerCase();
  if (n.includes('local')) return 'riak-local';
  if (/(^|[^a-z])ts([^a-z]|$)/.test(n)) return 'ts1';
  const major = /(?:kv|riak)[-_.]?(\d+)/.exec(n)?.[1];
  return major !== undefined && Number(major) >= 3 ? 'kv3' : 'kv2';
}

const mesosRole = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'must be a Mesos role name')
  .refine((r) => r !== '*', "must not be '*': reservations need a role");

/** Any accepted form of constraints (JSON, a quoted JSON string, HTML-escaped) to constraints. */
const constraints = z.unknown().transform((v, ctx): Constraint[] => {
  try {
    return parseConstraints(v);
  } catch (err) {
    if (!(err instanceof ConstraintError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message });
    return z.NEVER;
  }
});

/**
 * The default user of the tasks: the user the scheduler runs as, unless that is root; then
 * `nobody` (docs/security.md). Riak never needs root.
 */
export function defaultTaskUser(info?: { uid: number; username: string }): string {
  let who = info;
  if (!who) {
    try {
      who = userInfo();
    } catch {
      return 'nobody'; // a uid with no name (a container without a passwd entry)
    }
  }
  return who.uid === 0 ? 'nobody' : who.username;
}

export const DEFAULTS: Omit<SchedulerConfig, 'hostname' | 'user'> = {
  name: 'riak',
  master: 'http://master.mesos:5050',
  zk: 'master.mesos:2181',
  role: 'riak',
  failoverTimeoutSeconds: 10000,
  checkpoint: true,
  reregisterOnUnknownFrameworkId: false,
  ip: '0.0.0.0',
  port: 9090,
  node: { cpus: 1, mem: 2048, disk: 4096 },
  executor: { cpus: 0.1, mem: 32 },
  persistentPath: 'data',
  constraints: [],
  resourceUrls: {},
  riakVersions: [],
  reconcileIntervalSeconds: 300,
  permanentFailureTimeoutSeconds: 1200,
  relaunchBackoff: { initialSeconds: 2, factor: 2, maxSeconds: 120 },
  statsIntervalSeconds: 10,
  insecureNoAuth: false,
  metricsAuth: 'token',
  allowedHosts: [],
  allowInsecureMesosAuth: false,
};

const D = DEFAULTS;
const secretFile = fileContents('secret file');
const zkAuthFile = privateFileContents('ZooKeeper credentials file');
const privateJson: TextReader = (path, from) => json(String(zkAuthFile(path, from)), from);

/**
 * Every setting: its key in the file (dotted: nested), variables `RIAK_MESOS_<KEY>` (as the
 * original), flag, schema and default.
 */
export const SETTINGS = {
  name: {
    description: 'framework name (ZooKeeper root /riak/frameworks/<name>)',
    schema: z
      .string()
      .refine(
        isValidName,
        'must be letters, digits, _ - . (start with a letter or digit), at most 100 characters',
      ),
    default: D.name,
    env: 'RIAK_MESOS_NAME',
    flag: '--name <name>',
  },
  master: {
    description: 'Mesos master: http(s)://host:port, host:port or zk://host:port,.../mesos',
    schema: z
      .string()
      .refine(
        (m) => /^(https?:\/\/[^/\s]+\/?|zk:\/\/[^/\s]+\/.+|[^:/\s]+:\d{1,5})$/.test(m),
        'must be http(s)://host:port, host:port, or zk://host:port,.../path',
      )
      .transform((m) => (/^[^:/\s]+:\d{1,5}$/.test(m) ? `http://${m}` : m)),
    default: D.master,
    env: 'RIAK_MESOS_MASTER',
    flag: '--master <url>',
  },
  zk: {
    description: 'ZooKeeper connect string for framework state (h:p,h:p[/chroot])',
    schema: z.string().superRefine((v, ctx) => {
      try {
        parseConnectString(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
    default: D.zk,
    env: 'RIAK_MESOS_ZK',
    flag: '--zk <connect>',
  },
  zkAuth: {
    description:
      'ZooKeeper credentials, JSON {"scheduler":"user:password","node":"…","director":"…"} (a file readable by its owner only): every znode gets an ACL',
    schema: frameworkZkCredentialsSchema.optional(),
    env: [
      { name: 'RIAK_MESOS_ZK_AUTH', read: json },
      { name: 'RIAK_MESOS_ZK_AUTH_FILE', read: privateJson },
    ],
    flag: { flags: '--zk-auth-file <file>', read: privateJson },
    secret: true,
  },
  user: {
    description: 'user that runs the tasks (executors and Riak)',
    schema: z.string().min(1),
    defaultText: "the scheduler's user, or nobody when that is root",
    env: 'RIAK_MESOS_USER',
    flag: '--user <user>',
  },
  role: {
    description: 'Mesos role for reservations (not *)',
    schema: mesosRole,
    default: D.role,
    env: 'RIAK_MESOS_ROLE',
    flag: '--role <role>',
  },
  principal: {
    description: 'Mesos principal (authentication and reservations)',
    schema: z.string().min(1).optional(),
    env: 'RIAK_MESOS_PRINCIPAL',
    flag: '--principal <principal>',
  },
  secret: {
    description: 'file holding the Mesos secret (needs a principal)',
    schema: z.string().min(1).optional(),
    env: ['RIAK_MESOS_SECRET', { name: 'RIAK_MESOS_SECRET_FILE', read: secretFile }],
    flag: { flags: '--secret-file <file>', read: secretFile },
    secret: true,
  },
  failoverTimeoutSeconds: {
    description: 'framework failover timeout (seconds)',
    schema: z.coerce.number().min(0),
    default: D.failoverTimeoutSeconds,
    env: 'RIAK_MESOS_FAILOVER_TIMEOUT',
    flag: '--failover-timeout <seconds>',
  },
  checkpoint: {
    description: 'do not ask agents to checkpoint (executors die with their agent)',
    schema: bool,
    default: D.checkpoint,
    env: 'RIAK_MESOS_CHECKPOINT',
    flag: '--no-checkpoint',
  },
  reregisterOnUnknownFrameworkId: {
    description: 'register anew if Mesos no longer knows the stored framework id',
    schema: bool,
    default: D.reregisterOnUnknownFrameworkId,
    env: 'RIAK_MESOS_REREGISTER_ON_UNKNOWN_FRAMEWORK_ID',
    flag: '--reregister-on-unknown-framework-id',
  },
  ip: {
    description: 'API listen address',
    schema: z.string().min(1),
    default: D.ip,
    env: 'RIAK_MESOS_IP',
    flag: '--ip <ip>',
  },
  port: {
    description: 'API port (Marathon: PORT0)',
    schema: z.coerce.number().int().min(0).max(65535),
    default: D.port,
    env: ['PORT0', 'RIAK_MESOS_PORT'],
    flag: '--port <port>',
  },
  hostname: {
    description: 'host name executors and operators use to reach the API',
    schema: z.string().min(1),
    defaultText: "the machine's host name",
    env: 'RIAK_MESOS_HOSTNAME',
    flag: '--hostname <host>',
  },
  'node.cpus': {
    description: 'CPUs per Riak node',
    schema: positive,
    default: D.node.cpus,
    env: 'RIAK_MESOS_CPUS',
    flag: '--node-cpus <n>',
  },
  'node.mem': {
    description: 'memory per Riak node (MB)',
    schema: positive,
    default: D.node.mem,
    env: 'RIAK_MESOS_MEM',
    flag: '--node-mem <mb>',
  },
  'node.disk': {
    description: 'persistent disk per Riak node (MB)',
    schema: positive,
    default: D.node.disk,
    env: 'RIAK_MESOS_DISK',
    flag: '--node-disk <mb>',
  },
  'executor.cpus': {
    description: 'CPUs of each executor',
    schema: positive,
    default: D.executor.cpus,
  },
  'executor.mem': {
    description: 'memory of each executor (MB)',
    schema: positive,
    default: D.executor.mem,
  },
  persistentPath: {
    description: 'container path of the persistent volume',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'must be a plain directory name inside the sandbox'),
    default: D.persistentPath,
    env: 'RIAK_MESOS_PERSISTENT_PATH',
    flag: '--persistent-path <dir>',
  },
  constraints: {
    description: 'placement constraints, e.g. \'[["hostname","UNIQUE"]]\'',
    schema: constraints,
    default: D.constraints,
    env: 'RIAK_MESOS_CONSTRAINTS',
    flag: '--constraints <json>',
  },
  resourceUrls: {
    description:
      'package URLs: {"executor": "..."} (and, old style, Riak versions: "riak-kv-2-2": "...")',
    schema: z.record(z.string(), z.string().min(1)),
    default: D.resourceUrls,
    env: 'RIAK_MESOS_RESOURCE_URLS',
    flag: '--resource-urls <json>',
    read: json,
  },
  riakVersions: {
    description:
      'Riak packages: [{"name","url","sha256","rootPath","flavour"}, ...] (the first is the default)',
    schema: riakVersionsSchema,
    default: D.riakVersions,
    env: 'RIAK_MESOS_RIAK_VERSIONS',
    flag: '--riak-versions <json>',
    read: json,
  },
  nodeIface: {
    description: 'network interface Riak binds to',
    schema: z.string().min(1).optional(),
    env: 'RIAK_MESOS_NODE_IFACE',
    flag: '--node-iface <iface>',
  },
  reconcileIntervalSeconds: {
    description: 'periodic reconciliation interval (seconds)',
    schema: positive,
    default: D.reconcileIntervalSeconds,
    env: 'RIAK_MESOS_RECONCILE_INTERVAL',
    flag: '--reconcile-interval <seconds>',
  },
  permanentFailureTimeoutSeconds: {
    description:
      "replace a node whose agent is unreachable this long (seconds, 0 = never); a cluster's own setting wins",
    schema: z.coerce.number().int().min(0),
    default: D.permanentFailureTimeoutSeconds,
    env: 'RIAK_MESOS_PERMANENT_FAILURE_TIMEOUT',
    flag: '--permanent-failure-timeout <seconds>',
  },
  replaceAfterAgentLostSeconds: {
    description: 'deprecated: the permanent-failure timeout under its old name',
    schema: z.coerce.number().int().min(0).optional(),
    env: 'RIAK_MESOS_REPLACE_AFTER_AGENT_LOST',
    flag: '--replace-after-agent-lost <seconds>',
  },
  'relaunchBackoff.initialSeconds': {
    description: 'first wait before relaunching a failed node (seconds)',
    schema: positive,
    default: D.relaunchBackoff.initialSeconds,
    env: 'RIAK_MESOS_RELAUNCH_BACKOFF_INITIAL',
    flag: '--relaunch-backoff-initial <seconds>',
  },
  'relaunchBackoff.factor': {
    description: 'each failure in a row multiplies the wait before a relaunch by this (1 to 10)',
    schema: z.coerce.number().min(1, 'must be at least 1').max(10, 'must be at most 10'),
    default: D.relaunchBackoff.factor,
    env: 'RIAK_MESOS_RELAUNCH_BACKOFF_FACTOR',
    flag: '--relaunch-backoff-factor <n>',
  },
  'relaunchBackoff.maxSeconds': {
    description: 'longest wait before relaunching a failed node (seconds)',
    schema: positive,
    default: D.relaunchBackoff.maxSeconds,
    env: 'RIAK_MESOS_RELAUNCH_BACKOFF_MAX',
    flag: '--relaunch-backoff-max <seconds>',
  },
  statsIntervalSeconds: {
    description:
      "seconds between samples of each running node's Riak stats, kept an hour (0 = off)",
    schema: z.coerce.number().int('must be whole seconds').min(0).max(3600),
    default: D.statsIntervalSeconds,
    env: 'RIAK_MESOS_STATS_INTERVAL',
    flag: '--stats-interval <seconds>',
  },
  apiToken: {
    description: 'require this bearer token (from file) on the API',
    schema: z.string().min(8, 'must be at least 8 characters').optional(),
    env: 'RIAK_MESOS_API_TOKEN',
    flag: { flags: '--api-token-file <file>', read: secretFile },
    secret: true,
  },
  apiBasic: {
    description: 'require basic authentication user:password (from file) on the API',
    schema: z
      .string()
      .regex(/^[^:]+:.+$/, 'must be user:password')
      .optional(),
    env: 'RIAK_MESOS_API_BASIC',
    flag: { flags: '--api-basic-file <file>', read: secretFile },
    secret: true,
  },
  insecureNoAuth: {
    description:
      'serve the API without credentials (default: a token made at first start, in ZooKeeper)',
    schema: bool,
    default: D.insecureNoAuth,
    env: 'RIAK_MESOS_INSECURE_NO_AUTH',
    flag: '--insecure-no-auth',
  },
  metricsAuth: {
    description: "/metrics: 'token' (needs the API's credentials) or 'open'",
    schema: z.enum(['token', 'open'], { error: "must be 'token' or 'open'" }),
    default: D.metricsAuth,
    env: 'RIAK_MESOS_METRICS_AUTH',
    flag: '--metrics-auth <mode>',
  },
  allowedHosts: {
    description:
      "more host names the API answers to (comma-separated; IPs, localhost and --hostname always; '*': any)",
    schema: hostNames,
    default: D.allowedHosts,
    env: 'RIAK_MESOS_ALLOWED_HOSTS',
    flag: '--allowed-hosts <names>',
  },
  tlsCert: {
    description: 'PEM certificate (chain) of the API: with tlsKey, the API is https only',
    schema: z.string().min(1).optional(),
    env: 'RIAK_MESOS_TLS_CERT',
    flag: '--tls-cert <file>',
  },
  tlsKey: {
    description: 'PEM private key of the API certificate',
    schema: z.string().min(1).optional(),
    env: 'RIAK_MESOS_TLS_KEY',
    flag: '--tls-key <file>',
  },
  tlsCaFile: {
    description:
      'PEM CA the executors trust for the https API (sent in the task data; default: the tlsCert file)',
    schema: z.string().min(1).optional(),
    env: 'RIAK_MESOS_TLS_CA_FILE',
    flag: '--tls-ca-file <file>',
  },
  mesosCaFile: {
    description:
      'PEM CA of the https Mesos masters (with a zk:// master: reach the masters over https)',
    schema: z.string().min(1).optional(),
    env: 'RIAK_MESOS_MESOS_CA_FILE',
    flag: '--mesos-ca-file <file>',
  },
  allowInsecureMesosAuth: {
    description: 'send the Mesos secret to a plain http master (warned at every start)',
    schema: bool,
    default: D.allowInsecureMesosAuth,
    env: 'RIAK_MESOS_ALLOW_INSECURE_MESOS_AUTH',
    flag: '--allow-insecure-mesos-auth',
  },
} satisfies SettingsTable;

export function buildCommand(): Command {
  const command = new Command('riak-mesos-scheduler').description(
    'Riak Mesos Framework scheduler: runs Riak clusters on Mesos and serves the framework API',
  );
  return addSettingOptions(command, SETTINGS, { configFile: true });
}

/** Commander's option values: `config`, `printConfig`, and one per flag of SETTINGS. */
export interface CliOptions {
  config?: string;
  printConfig?: string | boolean;
  name?: string;
  master?: string;
  zk?: string;
  zkAuthFile?: string;
  user?: string;
  role?: string;
  principal?: string;
  secretFile?: string;
  failoverTimeout?: string;
  checkpoint?: boolean;
  reregisterOnUnknownFrameworkId?: boolean;
  ip?: string;
  port?: string;
  hostname?: string;
  nodeCpus?: string;
  nodeMem?: string;
  nodeDisk?: string;
  constraints?: string;
  resourceUrls?: string;
  riakVersions?: string;
  persistentPath?: string;
  nodeIface?: string;
  reconcileInterval?: string;
  permanentFailureTimeout?: string;
  replaceAfterAgentLost?: string;
  apiTokenFile?: string;
  apiBasicFile?: string;
  insecureNoAuth?: boolean;
  metricsAuth?: string;
  allowedHosts?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCaFile?: string;
  mesosCaFile?: string;
  allowInsecureMesosAuth?: boolean;
}

/**
 * Whether the scheduler reaches its Mesos masters over plain http: an http:// URL, or a zk://
 * master without `mesosCaFile` (ZooKeeper's registrations do not say whether a master serves TLS).
 */
export function mesosInClear(config: Pick<SchedulerConfig, 'master' | 'mesosCaFile'>): boolean {
  if (config.master.startsWith('https://')) return false;
  if (config.master.startsWith('zk://')) return config.mesosCaFile === undefined;
  return true;
}

/**
 * Merges defaults, file, environment and flags, validates, and keeps each value's origin (for
 * `--print-config`). Throws ConfigError with every problem.
 */
export function resolveConfig(
  flags: CliOptions,
  env: NodeJS.ProcessEnv = process.env,
  defaultHostname = 'localhost',
  defaultUser = defaultTaskUser(),
): Resolved<SchedulerConfig> {
  const resolved = loadSettings(SETTINGS, {
    flags: { ...flags },
    env,
    file: flags.config,
    defaults: { hostname: defaultHostname, user: defaultUser },
  });
  const c = resolved.config;
  if (c.secret && !c.principal) throw invalidConfiguration(['secret: a secret needs a principal']);
  if (c.insecureNoAuth && (c.apiToken || c.apiBasic))
    throw invalidConfiguration([
      'insecureNoAuth: --insecure-no-auth and API credentials (--api-token-file, --api-basic-file) exclude each other',
    ]);
  if ((c.tlsCert === undefined) !== (c.tlsKey === undefined))
    throw invalidConfiguration([
      c.tlsCert === undefined
        ? 'tlsCert: --tls-key needs --tls-cert (RIAK_MESOS_TLS_CERT), the certificate of the key'
        : 'tlsKey: --tls-cert needs --tls-key (RIAK_MESOS_TLS_KEY), the private key of the certificate',
    ]);
  if (c.tlsCaFile !== undefined && c.tlsCert === undefined)
    throw invalidConfiguration(['tlsCaFile: only for an https API (--tls-cert and --tls-key)']);
  if (c.secret && mesosInClear(c) && !c.allowInsecureMesosAuth)
    throw invalidConfiguration([
      `master: the Mesos secret would cross the network in clear text to ${c.master}; give an https:// master URL (--mesos-ca-file for a private CA; with a zk:// master, --mesos-ca-file reaches the masters over https), or --allow-insecure-mesos-auth to send it anyway`,
    ]);
  const config: SchedulerConfig = {
    ...c,
    riakVersions: catalogueOf(c.riakVersions, c.resourceUrls),
    permanentFailureTimeoutSeconds: permanentFailureTimeoutOf(c, resolved.values),
  };
  return { config, values: resolved.values };
}

/**
 * The permanent-failure timeout: the deprecated `replaceAfterAgentLostSeconds`, when given, stands
 * for it unless the new setting is given too (which wins).
 */
function permanentFailureTimeoutOf(
  c: Pick<SchedulerConfig, 'permanentFailureTimeoutSeconds' | 'replaceAfterAgentLostSeconds'>,
  values: readonly ResolvedValue[],
): number {
  const own = values.find((v) => v.key === 'permanentFailureTimeoutSeconds');
  if (c.replaceAfterAgentLostSeconds === undefined || (own && own.origin.kind !== 'default'))
    return c.permanentFailureTimeoutSeconds;
  return c.replaceAfterAgentLostSeconds;
}

export function loadConfig(
  flags: CliOptions,
  env: NodeJS.ProcessEnv = process.env,
  defaultHostname = 'localhost',
  defaultUser?: string,
): SchedulerConfig {
  return resolveConfig(flags, env, defaultHostname, defaultUser).config;
}

/** The catalogue: the `riakVersions` entries, then the old-style Riak entries of `resourceUrls`. */
function catalogueOf(versions: RiakVersion[], resourceUrls: Record<string, string>): RiakVersion[] {
  const catalogue = [...versions];
  for (const [name, url] of Object.entries(resourceUrls)) {
    if (name === 'executor') continue;
    if (catalogue.some((v) => v.name === name))
      throw invalidConfiguration([
        `resourceUrls.${name}: '${name}' is also in riakVersions; name each Riak version once`,
      ]);
    catalogue.push({ name, url, rootPath: 'root', flavour: guessFlavour(name) });
  }
  return catalogue;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Checks the sha256 of every catalogue entry that is a local file (an absolute path or a
 * file:// URL) and has one; answers the entries checked. Remote packages are the operator's to
 * check: the Mesos fetcher does not verify checksums. Throws ConfigError on a missing file or a
 * mismatch, so the scheduler refuses to start rather than deploy another package.
 */
export async function verifyRiakPackages(versions: RiakVersion[]): Promise<RiakVersion[]> {
  const checked: RiakVersion[] = [];
  for (const v of versions) {
    const file = localPackagePath(v.url);
    if (file === undefined || !v.sha256) continue;
    let actual: string;
    try {
      actual = await sha256Of(file);
    } catch (err) {
      throw new ConfigError(
        `Riak version '${v.name}': cannot read its package ${file}: ${(err as Error).message}`,
      );
    }
    if (actual !== v.sha256)
      throw new ConfigError(
        `Riak version '${v.name}': ${file} has sha256 ${actual}, the catalogue says ${v.sha256}; refusing to start with a package that is not the one configured`,
      );
    checked.push(v);
  }
  return checked;
}
