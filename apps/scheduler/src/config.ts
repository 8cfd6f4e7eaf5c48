// Over 400 lines: the scheduler's whole configuration is one module (every source, the schema,
// and the Riak package catalogue built from it), so that one place says what a setting may be.
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { isValidName, parseConnectString } from '@riak-mesos/zk';
import { z } from 'zod';
import type { Constraint } from '@riak-mesos/placement';
import { ConstraintError, parseConstraints } from '@riak-mesos/placement';

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
 * (`--config`), environment variables `RIAK_MESOS_<KEY>` (as the original), and flags.
 */
export interface SchedulerConfig {
  name: string;
  /** `http(s)://host:port` of a master, or `zk://h1:p,h2:p/mesos`. */
  master: string;
  /** ZooKeeper connect string for the framework's state (`h:p,h:p[/chroot]` or `zk://...`). */
  zk: string;
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
  /** After an agent has been gone this long, replace its nodes elsewhere; 0 = never (default). */
  replaceAfterAgentLostSeconds: number;
  relaunchBackoff: { initialSeconds: number; maxSeconds: number };
  /** Optional API authentication: a bearer token and/or basic credentials `user:password`. */
  apiToken?: string;
  apiBasic?: string;
}

const positive = z.coerce.number().positive();
const bool = z.union([
  z.boolean(),
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .transform((v) => ['true', '1', 'yes'].includes(v)),
]);

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

const schema = z.object({
  name: z
    .string()
    .refine(
      isValidName,
      'must be letters, digits, _ - . (start with a letter or digit), at most 100 characters',
    ),
  master: z
    .string()
    .refine(
      (m) => /^(https?:\/\/[^/\s]+\/?|zk:\/\/[^/\s]+\/.+|[^:/\s]+:\d{1,5})$/.test(m),
      'must be http(s)://host:port, host:port, or zk://host:port,.../path',
    ),
  zk: z.string().superRefine((v, ctx) => {
    try {
      parseConnectString(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  }),
  user: z.string().min(1),
  role: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'must be a Mesos role name')
    .refine((r) => r !== '*', "must not be '*': reservations need a role"),
  principal: z.string().min(1).optional(),
  secret: z.string().min(1).optional(),
  failoverTimeoutSeconds: z.coerce.number().min(0),
  checkpoint: bool,
  reregisterOnUnknownFrameworkId: bool,
  ip: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  hostname: z.string().min(1),
  node: z.object({ cpus: positive, mem: positive, disk: positive }),
  executor: z.object({ cpus: positive, mem: positive }),
  persistentPath: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'must be a plain directory name inside the sandbox'),
  constraints: z.array(
    z.object({ field: z.string(), operator: z.string(), value: z.string().optional() }),
  ),
  resourceUrls: z.record(z.string(), z.string().min(1)),
  riakVersions: riakVersionsSchema,
  nodeIface: z.string().min(1).optional(),
  reconcileIntervalSeconds: positive,
  replaceAfterAgentLostSeconds: z.coerce.number().min(0),
  relaunchBackoff: z.object({ initialSeconds: positive, maxSeconds: positive }),
  apiToken: z.string().min(8, 'must be at least 8 characters').optional(),
  apiBasic: z
    .string()
    .regex(/^[^:]+:.+$/, 'must be user:password')
    .optional(),
});

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const DEFAULTS: Omit<SchedulerConfig, 'hostname'> = {
  name: 'riak',
  master: 'http://master.mesos:5050',
  zk: 'master.mesos:2181',
  user: 'root',
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
  replaceAfterAgentLostSeconds: 0,
  relaunchBackoff: { initialSeconds: 2, maxSeconds: 120 },
};

/** Environment keys (after `RIAK_MESOS_`) and the config field each sets. */
const ENV: Record<string, (c: Record<string, unknown>, v: string) => void> = {
  NAME: (c, v) => (c.name = v),
  MASTER: (c, v) => (c.master = v),
  ZK: (c, v) => (c.zk = v),
  USER: (c, v) => (c.user = v),
  ROLE: (c, v) => (c.role = v),
  PRINCIPAL: (c, v) => (c.principal = v),
  SECRET: (c, v) => (c.secret = v),
  SECRET_FILE: (c, v) => (c.secret = readSecret(v)),
  FAILOVER_TIMEOUT: (c, v) => (c.failoverTimeoutSeconds = v),
  CHECKPOINT: (c, v) => (c.checkpoint = v),
  REREGISTER_ON_UNKNOWN_FRAMEWORK_ID: (c, v) => (c.reregisterOnUnknownFrameworkId = v),
  IP: (c, v) => (c.ip = v),
  PORT: (c, v) => (c.port = v),
  HOSTNAME: (c, v) => (c.hostname = v),
  CPUS: (c, v) => ((c.node as Record<string, unknown>).cpus = v),
  MEM: (c, v) => ((c.node as Record<string, unknown>).mem = v),
  DISK: (c, v) => ((c.node as Record<string, unknown>).disk = v),
  PERSISTENT_PATH: (c, v) => (c.persistentPath = v),
  CONSTRAINTS: (c, v) => (c.constraints = v),
  RESOURCE_URLS: (c, v) => (c.resourceUrls = parseJson('RIAK_MESOS_RESOURCE_URLS', v)),
  RIAK_VERSIONS: (c, v) => (c.riakVersions = parseJson('RIAK_MESOS_RIAK_VERSIONS', v)),
  NODE_IFACE: (c, v) => (c.nodeIface = v),
  RECONCILE_INTERVAL: (c, v) => (c.reconcileIntervalSeconds = v),
  REPLACE_AFTER_AGENT_LOST: (c, v) => (c.replaceAfterAgentLostSeconds = v),
  API_TOKEN: (c, v) => (c.apiToken = v),
  API_BASIC: (c, v) => (c.apiBasic = v),
};

function parseJson(where: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${where} is not valid JSON: ${(err as Error).message}`);
  }
}

function readSecret(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new ConfigError(`cannot read the secret file ${path}: ${(err as Error).message}`);
  }
}

export function buildCommand(): Command {
  return new Command('riak-mesos-scheduler')
    .description(
      'Riak Mesos Framework scheduler: runs Riak clusters on Mesos and serves the framework API',
    )
    .option('-c, --config <file>', 'JSON configuration file')
    .option('--name <name>', 'framework name (ZooKeeper root /riak/frameworks/<name>)')
    .option('--master <url>', 'Mesos master: http(s)://host:port or zk://host:port,.../mesos')
    .option('--zk <connect>', 'ZooKeeper connect string for framework state')
    .option('--user <user>', 'user that runs executors')
    .option('--role <role>', 'Mesos role for reservations')
    .option('--principal <principal>', 'Mesos principal (authentication and reservations)')
    .option('--secret-file <file>', 'file holding the Mesos secret')
    .option('--failover-timeout <seconds>', 'framework failover timeout')
    .addOption(
      new Option(
        '--no-checkpoint',
        'do not ask agents to checkpoint (executors die with their agent)',
      ),
    )
    .option(
      '--reregister-on-unknown-framework-id',
      'register anew if Mesos no longer knows the stored framework id',
    )
    .option('--ip <ip>', 'API listen address')
    .option('--port <port>', 'API port')
    .option('--hostname <host>', 'host name executors and operators use to reach the API')
    .option('--node-cpus <n>', 'CPUs per Riak node')
    .option('--node-mem <mb>', 'memory per Riak node (MB)')
    .option('--node-disk <mb>', 'persistent disk per Riak node (MB)')
    .option('--constraints <json>', 'placement constraints, e.g. \'[["hostname","UNIQUE"]]\'')
    .option(
      '--resource-urls <json>',
      'package URLs: {"executor": "..."} (and, old style, Riak versions: "riak-kv-2-2": "...")',
    )
    .option(
      '--riak-versions <json>',
      'Riak packages: [{"name","url","sha256","rootPath","flavour"}, ...] (the first is the default)',
    )
    .option('--persistent-path <dir>', 'container path of the persistent volume')
    .option('--node-iface <iface>', 'network interface Riak binds to')
    .option('--reconcile-interval <seconds>', 'periodic reconciliation interval')
    .option(
      '--replace-after-agent-lost <seconds>',
      'replace nodes of an agent gone this long (0 = never)',
    )
    .option('--api-token-file <file>', 'require this bearer token on the API')
    .option(
      '--api-basic-file <file>',
      'require basic authentication user:password (from file) on the API',
    );
}

export interface CliOptions {
  config?: string;
  name?: string;
  master?: string;
  zk?: string;
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
  replaceAfterAgentLost?: string;
  apiTokenFile?: string;
  apiBasicFile?: string;
}

/**
 * Merges defaults, file, environment and flags, and validates. Throws ConfigError with every
 * problem. (About 90 lines: every setting's sources, in precedence order, read in one place.)
 */
export function loadConfig(
  flags: CliOptions,
  env: NodeJS.ProcessEnv = process.env,
  defaultHostname = 'localhost',
): SchedulerConfig {
  const merged: Record<string, unknown> = structuredClone({
    ...DEFAULTS,
    hostname: defaultHostname,
  });
  if (flags.config) {
    let text: string;
    try {
      text = readFileSync(flags.config, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${flags.config}: ${(err as Error).message}`);
    }
    const file = parseJson(`config file ${flags.config}`, text);
    if (!file || typeof file !== 'object' || Array.isArray(file))
      throw new ConfigError(`config file ${flags.config} must hold a JSON object`);
    for (const [k, v] of Object.entries(file as Record<string, unknown>)) {
      if (
        !(k in merged) &&
        !['principal', 'secret', 'nodeIface', 'apiToken', 'apiBasic'].includes(k)
      ) {
        throw new ConfigError(`config file ${flags.config}: unknown key '${k}'`);
      }
      merged[k] =
        v && typeof v === 'object' && !Array.isArray(v) && typeof merged[k] === 'object'
          ? { ...(merged[k] as object), ...v }
          : v;
    }
  }
  for (const [key, apply] of Object.entries(ENV)) {
    const v = env[`RIAK_MESOS_${key}`];
    if (v !== undefined && v !== '') apply(merged, v);
  }
  // Marathon gives the app's port as PORT0; RIAK_MESOS_PORT and --port win over it.
  if (env.PORT0 && !env.RIAK_MESOS_PORT) merged.port = env.PORT0;
  const node = merged.node as Record<string, unknown>;
  const set = (k: string, v: unknown) => v !== undefined && (merged[k] = v);
  set('name', flags.name);
  set('master', flags.master);
  set('zk', flags.zk);
  set('user', flags.user);
  set('role', flags.role);
  set('principal', flags.principal);
  if (flags.secretFile) merged.secret = readSecret(flags.secretFile);
  set('failoverTimeoutSeconds', flags.failoverTimeout);
  if (flags.checkpoint === false) merged.checkpoint = false;
  if (flags.reregisterOnUnknownFrameworkId) merged.reregisterOnUnknownFrameworkId = true;
  set('ip', flags.ip);
  set('port', flags.port);
  set('hostname', flags.hostname);
  if (flags.nodeCpus !== undefined) node.cpus = flags.nodeCpus;
  if (flags.nodeMem !== undefined) node.mem = flags.nodeMem;
  if (flags.nodeDisk !== undefined) node.disk = flags.nodeDisk;
  set('constraints', flags.constraints);
  if (flags.resourceUrls !== undefined)
    merged.resourceUrls = parseJson('--resource-urls', flags.resourceUrls);
  if (flags.riakVersions !== undefined)
    merged.riakVersions = parseJson('--riak-versions', flags.riakVersions);
  set('persistentPath', flags.persistentPath);
  set('nodeIface', flags.nodeIface);
  set('reconcileIntervalSeconds', flags.reconcileInterval);
  set('replaceAfterAgentLostSeconds', flags.replaceAfterAgentLost);
  if (flags.apiTokenFile) merged.apiToken = readSecret(flags.apiTokenFile);
  if (flags.apiBasicFile) merged.apiBasic = readSecret(flags.apiBasicFile);

  try {
    merged.constraints = parseConstraints(merged.constraints);
  } catch (err) {
    if (err instanceof ConstraintError) throw new ConfigError(`constraints: ${err.message}`);
    throw err;
  }
  let master = String(merged.master);
  if (/^[^:/\s]+:\d{1,5}$/.test(master)) master = `http://${master}`;
  merged.master = master;
  const checked = schema.safeParse(merged);
  if (!checked.success) {
    const problems = checked.error.issues.map(
      (i) => `${issuePath(i.path, merged) || '(config)'}: ${i.message}`,
    );
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  if (checked.data.secret && !checked.data.principal)
    throw new ConfigError('invalid configuration:\n  secret: a secret needs a principal');
  return {
    ...checked.data,
    riakVersions: catalogueOf(checked.data.riakVersions, checked.data.resourceUrls),
  } as SchedulerConfig;
}

/** The catalogue: the `riakVersions` entries, then the old-style Riak entries of `resourceUrls`. */
function catalogueOf(versions: RiakVersion[], resourceUrls: Record<string, string>): RiakVersion[] {
  const catalogue = [...versions];
  for (const [name, url] of Object.entries(resourceUrls)) {
    if (name === 'executor') continue;
    if (catalogue.some((v) => v.name === name))
      throw new ConfigError(
        `invalid configuration:\n  resourceUrls.${name}: '${name}' is also in riakVersions; name each Riak version once`,
      );
    catalogue.push({ name, url, rootPath: 'root', flavour: guessFlavour(name) });
  }
  return catalogue;
}

/** `riakVersions[1] (riak-kv-3.2).sha256` for zod's `['riakVersions', 1, 'sha256']`. */
function issuePath(path: PropertyKey[], input: Record<string, unknown>): string {
  let out = '';
  let at: unknown = input;
  for (const p of path) {
    at = (at as Record<PropertyKey, unknown> | undefined)?.[p];
    if (typeof p === 'number') {
      const name = (at as { name?: unknown } | undefined)?.name;
      out += `[${p}]${typeof name === 'string' && name ? ` (${name})` : ''}`;
    } else out += `${out ? '.' : ''}${String(p)}`;
  }
  return out;
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
