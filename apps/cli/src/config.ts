import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, readCaFile } from '@riak-mesos/config';
import { CliError } from './errors';

/**
 * The CLI's configuration file, in the original tools' shape (`resources` and `riak` objects;
 * see docs/cli.md). Every key is optional; flags and environment override it.
 */
const fileSchema = z
  .object({
    resources: z.record(z.string(), z.string()).default({}),
    riak: z
      .object({
        'framework-name': z.string().optional(),
        'scheduler-url': z.string().optional(),
        hostname: z.string().optional(),
        marathon: z.string().optional(),
        master: z.string().optional(),
        zk: z.string().optional(),
        user: z.string().optional(),
        role: z.string().optional(),
        'auth-principal': z.string().optional(),
        'auth-provider': z.string().optional(),
        'auth-secret-file': z.string().optional(),
        'api-token-file': z.string().optional(),
        /** The framework's ZooKeeper credentials file on the agents (RIAK_MESOS_ZK_AUTH_FILE). */
        'zk-auth-file': z.string().optional(),
        /** A PEM CA the CLI trusts for https (the scheduler's and Marathon's private CA). */
        'ca-file': z.string().min(1).optional(),
        /** The scheduler's certificate and key files (framework install: https API). */
        'tls-cert': z.string().min(1).optional(),
        'tls-key': z.string().min(1).optional(),
        /** The Mesos masters' CA (framework install: https masters) and the http escape hatch. */
        'mesos-ca-file': z.string().min(1).optional(),
        'allow-insecure-mesos-auth': z.boolean().optional(),
        instances: z.number().int().positive().optional(),
        'failover-timeout': z.number().nonnegative().optional(),
        'healthcheck-grace-period-seconds': z.number().nonnegative().optional(),
        'healthcheck-interval-seconds': z.number().positive().optional(),
        'healthcheck-timeout-seconds': z.number().positive().optional(),
        'healthcheck-max-consecutive-failures': z.number().int().nonnegative().optional(),
        scheduler: z
          .object({
            cpus: z.number().positive().optional(),
            mem: z.number().positive().optional(),
            constraints: z.unknown().optional(),
          })
          .partial()
          .optional(),
        executor: z
          .object({ cpus: z.number().positive(), mem: z.number().positive() })
          .partial()
          .optional(),
        node: z
          .object({
            cpus: z.number().positive(),
            mem: z.number().positive(),
            disk: z.number().positive(),
          })
          .partial()
          .optional(),
        director: z
          .object({
            'use-public': z.boolean(),
            cpus: z.number().positive(),
            mem: z.number().positive(),
            /** The director's ZooKeeper credential file on its agents (DIRECTOR_ZK_AUTH_FILE). */
            'zk-auth-file': z.string(),
            'tls-cert': z.string().min(1),
            'tls-key': z.string().min(1),
          })
          .partial()
          .optional(),
      })
      .passthrough()
      .default({}),
  })
  .passthrough();

export type CliFileConfig = z.infer<typeof fileSchema>;

export interface GlobalOptions {
  config?: string;
  url?: string;
  framework?: string;
  json?: boolean;
  timeout?: string;
  debug?: boolean;
  caFile?: string;
}

export interface CliConfig {
  file: CliFileConfig;
  frameworkName: string;
  /** Scheduler API base URL, when known without Marathon. */
  schedulerUrl?: string;
  marathonUrl?: string;
  apiToken?: string;
  /** Trusted for https: Node's roots plus `--ca-file`; undefined: Node's roots. */
  ca?: string[];
  json: boolean;
  timeoutMs: number;
}

export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.RIAK_MESOS_CONFIG ?? join(env.HOME ?? homedir(), '.config', 'riak-mesos', 'config.json')
  );
}

export function loadCliConfig(
  opts: GlobalOptions,
  env: NodeJS.ProcessEnv = process.env,
): CliConfig {
  const path = opts.config ?? defaultConfigPath(env);
  let raw: unknown = {};
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (opts.config || e.code !== 'ENOENT') {
      throw new CliError(
        e instanceof SyntaxError
          ? `config file ${path} is not valid JSON: ${e.message}`
          : `cannot read config file ${path}: ${e.message}`,
      );
    }
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new CliError(
      `config file ${path} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const file = parsed.data;
  const timeout = Number(opts.timeout ?? env.RIAK_MESOS_TIMEOUT ?? 600);
  if (!Number.isFinite(timeout) || timeout <= 0)
    throw new CliError('--timeout must be a positive number of seconds');
  let apiToken = env.RIAK_MESOS_API_TOKEN;
  const tokenFile = file.riak['api-token-file'];
  if (!apiToken && tokenFile) {
    try {
      apiToken = readFileSync(tokenFile, 'utf8').trim();
    } catch (err) {
      throw new CliError(`cannot read api-token-file ${tokenFile}: ${(err as Error).message}`);
    }
  }
  const caFile = opts.caFile ?? env.RIAK_MESOS_CA_FILE ?? file.riak['ca-file'];
  const caSetting = opts.caFile
    ? '--ca-file'
    : env.RIAK_MESOS_CA_FILE
      ? 'RIAK_MESOS_CA_FILE'
      : `riak.ca-file (config file ${path})`;
  let ca: string[] | undefined;
  try {
    ca = readCaFile(caFile, caSetting);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, 2);
    throw err;
  }
  const schedulerUrl = opts.url ?? env.RIAK_MESOS_URL ?? file.riak['scheduler-url'];
  if (schedulerUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(schedulerUrl))
    throw new CliError(`scheduler URL '${schedulerUrl}' must start with http:// or https://`);
  return {
    file,
    frameworkName:
      opts.framework ?? env.RIAK_MESOS_FRAMEWORK ?? file.riak['framework-name'] ?? 'riak',
    schedulerUrl: schedulerUrl?.replace(/\/+$/, ''),
    marathonUrl: (env.RIAK_MESOS_MARATHON ?? file.riak.marathon)?.replace(/\/+$/, ''),
    apiToken,
    ...(ca ? { ca } : {}),
    json: Boolean(opts.json),
    timeoutMs: timeout * 1000,
  };
}
