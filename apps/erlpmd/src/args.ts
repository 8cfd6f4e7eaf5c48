import { Command, Option } from 'commander';
import { TRANSPORT_KINDS } from '@riak-mesos/epmd';
import type { TransportKind } from '@riak-mesos/epmd';

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
  framework: string;
  host: string;
  names?: boolean;
  kill?: boolean;
  stop?: string;
  dump?: boolean;
  debug?: boolean;
  transport: TransportKind;
}

export class UsageError extends Error {}

export function buildCommand(): Command {
  return new Command('erlpmd')
    .description('An EPMD replacement whose registrations can live in ZooKeeper (shaped like epmd)')
    .addOption(
      new Option('--port <port>', 'port to listen on / to ask')
        .env('ERL_EPMD_PORT')
        .default('4369'),
    )
    .addOption(
      new Option(
        '--address <list>',
        'comma-separated addresses to listen on (default loopback only)',
      )
        .env('ERL_EPMD_ADDRESS')
        .default('127.0.0.1'),
    )
    .addOption(
      new Option('--relaxed-command-check', 'allow KILL with nodes registered, and STOP').env(
        'ERL_EPMD_RELAXED_COMMAND_CHECK',
      ),
    )
    .option(
      '--zk <connect>',
      'ZooKeeper connect string: registrations are shared through it (without it: memory only)',
    )
    .option('--framework <name>', 'framework name (ZooKeeper root /riak/frameworks/<name>)', 'riak')
    .option('--host <host>', 'host name recorded with registrations', 'localhost')
    .option('--names', 'client: list the nodes registered with the EPMD at --port')
    .option('--dump', 'client: dump the registrations')
    .option('--kill', 'client: ask the EPMD at --port to stop')
    .option('--stop <name>', 'client: unregister a node (the EPMD must be relaxed)')
    .addOption(
      new Option(
        '--transport <kind>',
        'how connections are carried: auto (TCP handles, else net), handle, or net',
      )
        .choices(TRANSPORT_KINDS)
        .env('ERLPMD_TRANSPORT')
        .default('auto'),
    )
    .option('--debug', 'debug logging')
    .option('--daemon', 'accepted for compatibility; run under a supervisor instead')
    .exitOverride();
}

export function parseOptions(argv: string[]): ErlpmdOptions {
  const cmd = buildCommand();
  cmd.parse(normalizeArgs(argv), { from: 'user' });
  const o = cmd.opts<Record<string, string | boolean | undefined>>();
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`-port must be 0-65535, got '${String(o.port)}'`);
  const address = String(o.address)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const a of address)
    if (!/^[0-9.]+$|^[0-9a-fA-F:]+$/.test(a))
      throw new UsageError(`-address takes IP addresses, got '${a}'`);
  return {
    port,
    address,
    relaxedCommandCheck: o.relaxedCommandCheck !== undefined && o.relaxedCommandCheck !== false,
    zk: o.zk as string | undefined,
    framework: String(o.framework),
    host: String(o.host),
    names: Boolean(o.names),
    dump: Boolean(o.dump),
    kill: Boolean(o.kill),
    stop: o.stop as string | undefined,
    debug: Boolean(o.debug),
    transport: o.transport as TransportKind,
  };
}
