import { TRANSPORT_KINDS } from '@riak-mesos/epmd';
import type { TransportKind } from '@riak-mesos/epmd';
import type { ExecutorSettings } from './riak-task';

function seconds(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const v = env[key];
  if (v === undefined || v === '') return fallback * 1000;
  if (!/^\d+(\.\d+)?$/.test(v)) throw new Error(`${key} must be a number of seconds, got '${v}'`);
  return Number(v) * 1000;
}

function count(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const v = env[key];
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(v)) throw new Error(`${key} must be a whole number, got '${v}'`);
  return Number(v);
}

function transport(env: NodeJS.ProcessEnv, key: string): TransportKind {
  const v = env[key];
  if (v === undefined || v === '') return 'auto';
  const kind = TRANSPORT_KINDS.find((k) => k === v);
  if (!kind) {
    const choices = `${TRANSPORT_KINDS.slice(0, -1).join(', ')} or ${TRANSPORT_KINDS.at(-1)}`;
    throw new Error(`${key} must be ${choices}, got '${v}'`);
  }
  return kind;
}

/** Executor settings from the environment (all optional; documented in docs/executor.md). */
export function settingsFrom(
  env: NodeJS.ProcessEnv,
  sandbox: string,
  beamDir: string,
): ExecutorSettings {
  return {
    sandbox,
    beamDir,
    readyTimeoutMs: seconds(env, 'RIAK_MESOS_READY_TIMEOUT', 120),
    stopGraceMs: seconds(env, 'RIAK_MESOS_STOP_GRACE', 30),
    leaveTimeoutMs: seconds(env, 'RIAK_MESOS_LEAVE_TIMEOUT', 1800),
    zkSessionTimeoutMs: seconds(env, 'RIAK_MESOS_ZK_SESSION_TIMEOUT', 15),
    templateRetries: count(env, 'RIAK_MESOS_TEMPLATE_RETRIES', 4),
    epmdTransport: transport(env, 'RIAK_MESOS_EPMD_TRANSPORT'),
  };
}
