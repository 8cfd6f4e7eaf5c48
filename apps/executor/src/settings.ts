import { Command } from 'commander';
import type { Resolved, SettingsTable } from '@riak-mesos/config';
import { addSettingOptions, loadSettings } from '@riak-mesos/config';
import { TRANSPORT_KINDS } from '@riak-mesos/epmd';
import { z } from 'zod';
import type { ExecutorSettings } from './riak-task';

/** `2.5` (text or number) seconds to milliseconds. */
const seconds = z
  .preprocess(
    (v) => (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? Number(v) : v),
    z.number({ error: (i) => `must be a number of seconds, got '${String(i.input)}'` }).min(0),
  )
  .transform((s) => s * 1000);

const count = z.preprocess(
  (v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v),
  z
    .number({ error: (i) => `must be a whole number, got '${String(i.input)}'` })
    .int()
    .min(0),
);

const choices = `${TRANSPORT_KINDS.slice(0, -1).join(', ')} or ${TRANSPORT_KINDS.at(-1)}`;

/**
 * The executor's settings: environment only (Mesos starts it with no arguments; the scheduler's
 * task environment or the agent's sets them). Documented in docs/executor.md.
 */
export const SETTINGS = {
  readyTimeoutMs: {
    description: 'seconds for Riak to become ready',
    schema: seconds,
    default: 120,
    env: 'RIAK_MESOS_READY_TIMEOUT',
  },
  stopGraceMs: {
    description: 'seconds `riak stop` may take before the group is killed',
    schema: seconds,
    default: 30,
    env: 'RIAK_MESOS_STOP_GRACE',
  },
  leaveTimeoutMs: {
    description:
      'seconds a waiting `leave` answer may take (handoff); past it the answer fails, the leave goes on',
    schema: seconds,
    default: 1800,
    env: 'RIAK_MESOS_LEAVE_TIMEOUT',
  },
  drainMs: {
    description:
      'seconds between unpublishing the node (the director stops sending to it) and stopping Riak',
    schema: seconds,
    default: 5,
    env: 'RIAK_MESOS_DRAIN',
  },
  replyTimeoutMs: {
    description: 'seconds an answer to the scheduler is retried while the agent cannot take it',
    schema: seconds,
    default: 300,
    env: 'RIAK_MESOS_REPLY_TIMEOUT',
  },
  zkSessionTimeoutMs: {
    description: 'ZooKeeper session timeout in seconds (EPMD registrations, published node)',
    schema: seconds,
    default: 15,
    env: 'RIAK_MESOS_ZK_SESSION_TIMEOUT',
  },
  templateRetries: {
    description: 'retries of the template GETs',
    schema: count,
    default: 4,
    env: 'RIAK_MESOS_TEMPLATE_RETRIES',
  },
  epmdTransport: {
    description: 'the EPMD replacement’s connections',
    schema: z.enum(TRANSPORT_KINDS, {
      error: (i) => `must be ${choices}, got '${String(i.input)}'`,
    }),
    default: 'auto',
    env: 'RIAK_MESOS_EPMD_TRANSPORT',
  },
} satisfies SettingsTable;

/** The executor's settings with their origins; throws ConfigError naming every bad variable. */
export function resolveSettings(
  env: NodeJS.ProcessEnv,
): Resolved<Omit<ExecutorSettings, 'sandbox' | 'beamDir'>> {
  const resolved = loadSettings(SETTINGS, { env });
  const settings: Omit<ExecutorSettings, 'sandbox' | 'beamDir'> = resolved.config;
  return { config: settings, values: resolved.values };
}

/** Executor settings from the environment (all optional; documented in docs/executor.md). */
export function settingsFrom(
  env: NodeJS.ProcessEnv,
  sandbox: string,
  beamDir: string,
): ExecutorSettings {
  return { sandbox, beamDir, ...resolveSettings(env).config };
}

/** The executor's command line: only `--print-config [format]` (and `--help`). */
export function buildCommand(): Command {
  const command = new Command('riak-mesos-executor').description(
    'Riak Mesos executor: runs one Riak node for the scheduler (started by the Mesos agent)',
  );
  return addSettingOptions(command, SETTINGS);
}
