import { Command } from 'commander';
import type { PrintFormat, Resolved, SettingsTable } from '@riak-mesos/config';
import type { TextReader } from '@riak-mesos/config';
import {
  addSettingOptions,
  json,
  loadSettings,
  printConfigFormat,
  privateFileContents,
} from '@riak-mesos/config';
import type { NodeZkAuth } from '@riak-mesos/framework-contract';
import { nodeZkAuthSchema } from '@riak-mesos/framework-contract';
import { TRANSPORT_KINDS } from '@riak-mesos/epmd';
import type { TransportKind } from '@riak-mesos/epmd';
import { z } from 'zod';

/** epmd takes single-dash long flags (`-port 4369`); commander wants `--port`. */
const EPMD_FLAGS = [
  'port',
  'address',
  'relaxed_command_check',
  'names',
  'kill',
  'stop',
  'dump',
  'zk',
  'zk_auth_file',
  'framework',
  'host',
  'daemon',
  'debug',
  'transport',
  'd',
];

export function normalizeArgs(argv: string[]): string[] {
  return argv.map((a) => {
    const m = /^-([a-z_]+)$/.exec(a);
    if (!m || !EPMD_FLAGS.includes(m[1])) return a;
    return m[1] === 'd' ? '--debug' : `--${m[1].replace(/_/g, '-')}`;
  });
}

export interface ErlpmdOptions {
  port: number;
  address: string[];
  relaxedCommandCheck: boolean;
  zk?: string;
  /** The node identity and the scheduler's and director's ids (docs/security.md, "ZooKeeper"). */
  zkAuth?: NodeZkAuth;
  framework: string;
  host: string;
  names?: boolean;
  kill?: boolean;
  stop?: string;
  dump?: boolean;
  debug?: boolean;
  transport: TransportKind;
}

const port = z.preprocess(
  (v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v),
  z
    .number({ error: (i) => `must be 0-65535, got '${String(i.input)}'` })
    .int()
    .min(0)
    .max(65535, { error: (i) => `must be 0-65535, got '${String(i.input)}'` }),
);

const addresses = z
  .string()
  .transform((list) =>
    list
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .superRefine((list, ctx) => {
    for (const a of list)
      if (!/^[0-9.]+$|^[0-9a-fA-F:]+$/.test(a))
        ctx.addIssue({ code: 'custom', message: `takes IP addresses, got '${a}'` });
  });

const transports = `${TRANSPORT_KINDS.slice(0, -1).join(', ')} or ${TRANSPORT_KINDS.at(-1)}`;

const zkAuthFile = privateFileContents('ZooKeeper credentials file');
const privateJson: TextReader = (path, from) => json(String(zkAuthFile(path, from)), from);

/** The daemon's settings; the client commands (`-names`, `-kill`, …) are plain flags. */
export const SETTINGS = {
  port: {
    description: 'port to listen on / to ask',
    schema: port,
    default: 4369,
    env: 'ERL_EPMD_PORT',
    flag: '--port <port>',
  },
  address: {
    description: 'comma-separated addresses to listen on (loopback only by default)',
    schema: addresses,
    default: '127.0.0.1',
    env: 'ERL_EPMD_ADDRESS',
    flag: '--address <list>',
  },
  relaxedCommandCheck: {
    description: 'allow KILL with nodes registered, and STOP',
    schema: z.boolean(),
    default: false,
    // As epmd: the variable being set (to anything) relaxes the check.
    env: { name: 'ERL_EPMD_RELAXED_COMMAND_CHECK', read: () => true },
    flag: '--relaxed-command-check',
  },
  zk: {
    description:
      'ZooKeeper connect string: registrations are shared through it (without it: memory only)',
    schema: z.string().min(1).optional(),
    flag: '--zk <connect>',
  },
  zkAuth: {
    description:
      'ZooKeeper credentials, JSON {"node":"user:password","schedulerId":"user:digest","directorId":"user:digest"} (a file readable by its owner only)',
    schema: nodeZkAuthSchema.optional(),
    env: [
      { name: 'ERLPMD_ZK_AUTH', read: json },
      { name: 'ERLPMD_ZK_AUTH_FILE', read: privateJson },
    ],
    flag: { flags: '--zk-auth-file <file>', read: privateJson },
    secret: true,
  },
  framework: {
    description: 'framework name (ZooKeeper root /riak/frameworks/<name>)',
    schema: z.string().min(1),
    default: 'riak',
    flag: '--framework <name>',
  },
  host: {
    description: 'host name recorded with registrations',
    schema: z.string().min(1),
    default: 'localhost',
    flag: '--host <host>',
  },
  transport: {
    description: 'how connections are carried: auto (TCP handles, else net), handle, or net',
    schema: z.enum(TRANSPORT_KINDS, {
      error: (i) => `must be ${transports}, got '${String(i.input)}'`,
    }),
    default: 'auto',
    env: 'ERLPMD_TRANSPORT',
    flag: '--transport <kind>',
    choices: TRANSPORT_KINDS,
  },
} satisfies SettingsTable;

export function buildCommand(): Command {
  const command = new Command('erlpmd').description(
    'An EPMD replacement whose registrations can live in ZooKeeper (shaped like epmd)',
  );
  addSettingOptions(command, SETTINGS);
  return command
    .option('--names', 'client: list the nodes registered with the EPMD at --port')
    .option('--dump', 'client: dump the registrations')
    .option('--kill', 'client: ask the EPMD at --port to stop')
    .option('--stop <name>', 'client: unregister a node (the EPMD must be relaxed)')
    .option('--debug', 'debug logging')
    .option('--daemon', 'accepted for compatibility; run under a supervisor instead')
    .exitOverride();
}

export interface ParsedOptions {
  options: ErlpmdOptions;
  /** The settings with their origins (for `--print-config`). */
  resolved: Resolved<unknown>;
  printConfig?: PrintFormat;
}

/**
 * Parses epmd-style arguments over `ERL_EPMD_*` / `ERLPMD_TRANSPORT` and the defaults. Throws
 * CommanderError for a bad flag and ConfigError naming every bad value.
 */
export function resolveOptions(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): ParsedOptions {
  const cmd = buildCommand();
  cmd.parse(normalizeArgs(argv), { from: 'user' });
  const o = cmd.opts<Record<string, string | boolean | undefined>>();
  const resolved = loadSettings(SETTINGS, { flags: o, env });
  const options: ErlpmdOptions = {
    ...resolved.config,
    names: Boolean(o.names),
    dump: Boolean(o.dump),
    kill: Boolean(o.kill),
    stop: typeof o.stop === 'string' ? o.stop : undefined,
    debug: Boolean(o.debug),
  };
  return { options, resolved, printConfig: printConfigFormat(o) };
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): ErlpmdOptions {
  return resolveOptions(argv, env).options;
}
