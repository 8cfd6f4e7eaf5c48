/**
 * `riak-admin <cmd>` (also `riak admin <cmd>`): what each command prints and how it exits, as
 * Riak KV 3.2 does. Commands Riak runs on the node end with the line `ok` or `error` (the value
 * the node's function returned); `services`, `wait-for-service` and `test` do not.
 *
 * Exit codes: Riak exits 0 whenever the node answered, even after `error`. riak-local exits 1 after
 * `error` (except `ringready`, which exits 0 as Riak's does), because the executor reads the exit
 * code of join, force-remove, commit and bucket-type; docs/riak-local.md lists this difference.
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import { EpmdClient } from '@riak-mesos/epmd';
import { isValidName } from '@riak-mesos/zk';
import type { NodeConfig } from './config';
import {
  formatAaeStatus,
  formatClusterStatus,
  formatMemberStatus,
  formatPlan,
  formatRingReady,
  formatRingStatus,
  formatTransfers,
  serviceList,
} from './format';
import type { TransfersView } from './format';
import { adminResult, localTransfers } from './node-admin';
import type { Ring } from './ring';
import { replicas } from './ring';
import { Connection } from './wire';

/** What a command prints (stdout) and its exit code. */
export interface Outcome {
  text: string;
  code: number;
}

/** A command that cannot run: its message on stdout and its exit code, as Riak's scripts do. */
export class Exit extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

export const notResponding = (c: NodeConfig): Exit =>
  new Exit(`Node ${c.nodename} is not responding to pings`);

/** Connects to the running node the way nodetool does: EPMD lookup, then the cookie handshake. */
export async function attach(c: NodeConfig): Promise<Connection> {
  let port: number | undefined;
  try {
    port = (await new EpmdClient({ port: c.epmdPort, timeoutMs: 3000 }).portPlease(c.alive))?.port;
  } catch {
    throw notResponding(c);
  }
  if (!port) throw notResponding(c);
  try {
    return await Connection.open({
      host: c.host,
      port,
      name: `riak-admin-${process.pid}@${hostname()}`,
      cookie: c.cookie,
      timeoutMs: 5000,
    });
  } catch {
    throw notResponding(c);
  }
}

export async function rpc(c: NodeConfig, op: string, args?: unknown, timeoutMs = 60000) {
  const conn = await attach(c);
  try {
    return await conn.call(op, args, timeoutMs);
  } catch (e) {
    throw new Exit((e as Error).message);
  } finally {
    conn.close();
  }
}

const ringSchema = z.custom<Ring>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    Array.isArray((v as Ring).members) &&
    Array.isArray((v as Ring).staged) &&
    typeof (v as Ring).ringSize === 'number',
  'a ring',
);

const clusterSchema = z.object({
  ring: ringSchema,
  down: z.array(z.string()),
  ringReady: z.boolean(),
  disagree: z.tuple([z.string(), z.string()]).optional(),
});

const transfersSchema = z.object({
  down: z.array(z.string()),
  waiting: z.array(z.tuple([z.string(), z.number()])),
  active: localTransfers.shape.active,
});

/** Text followed by Riak's `ok`/`error` line; `error` exits 1 (see the top of this file). */
const done = (text: string, ok = true, code = ok ? 0 : 1): Outcome => ({
  text: `${text}\n${ok ? 'ok' : 'error'}`,
  code,
});

const usage = (text: string): Outcome => ({ text, code: 1 });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** riak-admin's polling interval in wait-for-service (Riak's script waits 3 s). */
const WAIT_INTERVAL_MS = 1000;

/**
 * `wait-for-service <service> [node]`: asks until the service is up, printing a line each time,
 * as Riak's script does (it keeps asking while the node does not answer, too).
 */
async function waitForService(
  c: NodeConfig,
  service: string,
  target: string | undefined,
  print: (line: string) => void,
): Promise<Outcome> {
  for (;;) {
    let shown: string;
    try {
      // The local node first: when it does not answer, that is what the line says.
      const local = await rpc(c, 'services');
      const remote =
        target && target !== c.nodename
          ? await rpc(c, 'remote', { node: target, op: 'services' }).catch(() => [])
          : local;
      const list = z.array(z.string()).parse(remote);
      if (list.includes(service)) return { text: `${service} is up`, code: 0 };
      shown = serviceList(list);
    } catch (e) {
      shown = (e as Error).message;
    }
    print(`${service} is not up: ${shown}`);
    await sleep(WAIT_INTERVAL_MS);
  }
}

/** `{"props": {...}}` as riak-admin bucket-type create/update take it. */
function typeProps(action: string, name: string, json: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Exit(`Cannot ${action} bucket type ${name}: invalid json\nerror`);
  }
  const props = (parsed as { props?: unknown } | null)?.props;
  if (typeof props !== 'object' || props === null || Array.isArray(props))
    throw new Exit(`Cannot ${action} bucket type ${name}: no props field found in json\nerror`);
  if (!isValidName(name)) throw new Exit(`Cannot ${action} bucket type: invalid name\nerror`);
  return props as Record<string, unknown>;
}

const formatProp = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

async function bucketType(c: NodeConfig, args: string[]): Promise<Outcome> {
  const [sub, name, json] = args;
  const change = async (action: string, props?: Record<string, unknown>) => {
    const r = adminResult.parse(await rpc(c, 'admin_bucket_type', { action, name, props }));
    if (!r.ok && /is not an existing bucket type/.test(r.text))
      return { text: `${r.text}\n{error,undefined}`, code: 1 };
    return done(r.text, r.ok);
  };
  switch (sub) {
    case 'list': {
      if (args.length !== 1) return usage('Usage: riak-admin bucket-type list');
      const ring = ringSchema.parse(await rpc(c, 'get_ring'));
      const types = Object.entries(ring.types ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
      return done(
        [
          'default (active)',
          ...types.map(([n, t]) => `${n} (${t.active ? 'active' : 'not active'})`),
        ].join('\n'),
      );
    }
    case 'status': {
      if (args.length !== 2) return usage('Usage: riak-admin bucket-type status <type>');
      const ring = ringSchema.parse(await rpc(c, 'get_ring'));
      // Every member keeps a copy of every object here, so n_val is the member count.
      const t =
        name === 'default'
          ? { active: true, props: { n_val: replicas(ring).length, allow_mult: false } }
          : ring.types?.[name];
      if (!t) return { text: `${name} is not an existing bucket type\n{error,undefined}`, code: 1 };
      const props = Object.keys(t.props)
        .sort()
        .map((k) => `${k}: ${formatProp(t.props[k])}`);
      const head = t.active ? `${name} is active` : `${name} has been created and may be activated`;
      return done([head, '', ...props].join('\n'));
    }
    case 'activate':
      if (args.length !== 2) return usage('Usage: riak-admin bucket-type activate <type>');
      return change('activate');
    case 'create':
      if (args.length < 2)
        return usage(`Usage: riak-admin bucket-type create <type> ['{"props": { ... }}']`);
      return change('create', typeProps('create', name, json ?? '{"props":{}}'));
    case 'update':
      if (args.length < 3)
        return usage(`Usage: riak-admin bucket-type update <type> '{"props": { ... }}'`);
      return change('update', typeProps('update', name, json));
    default:
      return {
        text: [
          'Usage: riak-admin bucket-type <command>',
          '',
          'list | status <type> | activate <type> | create <type> <json> | update <type> <json>',
        ].join('\n'),
        code: 0,
      };
  }
}

async function cluster(c: NodeConfig, args: string[]): Promise<Outcome> {
  const [sub, node] = args;
  const result = async (op: string, a?: unknown) => {
    const r = adminResult.parse(await rpc(c, op, a));
    return done(r.text, r.ok);
  };
  switch (sub) {
    case 'join':
      if (args.length !== 2) return usage('Usage: riak-admin cluster join <node>');
      return result('admin_join', { target: node });
    case 'leave':
      if (args.length > 2) return usage('Usage: riak-admin cluster leave [<node>]');
      return result('admin_stage', { action: 'leave', node: node ?? c.nodename });
    case 'force-remove':
      if (args.length !== 2) return usage('Usage: riak-admin cluster force-remove <node>');
      return result('admin_stage', { action: 'remove', node });
    case 'plan':
      return done(formatPlan(ringSchema.parse(await rpc(c, 'admin_plan'))));
    case 'commit':
      return result('admin_commit');
    case 'clear':
      return result('admin_clear');
    case 'status':
      return done(formatClusterStatus(clusterSchema.parse(await rpc(c, 'admin_cluster'))));
    default:
      // Riak prints its usage and exits 0 here.
      return {
        text: [
          'Usage: riak-admin cluster <command>',
          '',
          'join <node> | leave [<node>] | force-remove <node> | plan | commit | clear | status',
        ].join('\n'),
        code: 0,
      };
  }
}

export const ADMIN_USAGE =
  'Usage: riak-admin { cluster | member-status | ring-status | ringready | transfers | wait-for-service | services | status | test | aae-status | bucket-type }';

/** Runs one riak-admin command; `print` shows lines as they come (wait-for-service). */
export async function riakAdmin(
  args: string[],
  config: () => NodeConfig,
  print: (line: string) => void,
): Promise<Outcome> {
  const [cmd, ...rest] = args;
  const one = (run: (c: NodeConfig) => Promise<Outcome>) =>
    rest.length === 0 ? run(config()) : Promise.resolve(usage(`Usage: riak-admin ${cmd}`));
  switch (cmd) {
    case 'cluster':
      return cluster(config(), rest);
    case 'member-status':
    case 'member_status':
      return one(async (c) => done(formatMemberStatus(ringSchema.parse(await rpc(c, 'get_ring')))));
    case 'ring-status':
    case 'ring_status':
      return one(async (c) =>
        done(formatRingStatus(clusterSchema.parse(await rpc(c, 'admin_cluster')))),
      );
    case 'ringready':
      return one(async (c) => {
        const v = clusterSchema.parse(await rpc(c, 'admin_cluster'));
        const r = formatRingReady(v.ring, v.down, v.disagree);
        return done(r.text, r.ok, 0);
      });
    case 'transfers':
      return one(async (c) => {
        const v: TransfersView = transfersSchema.parse(await rpc(c, 'admin_transfers'));
        return done(formatTransfers(v));
      });
    case 'wait-for-service':
    case 'wait_for_service':
      if (rest.length < 1) return usage(`Usage: riak-admin ${cmd} <service_name> [<target_node>]`);
      return waitForService(config(), rest[0], rest[1], print);
    case 'services':
      return one(async (c) => ({
        text: serviceList(z.array(z.string()).parse(await rpc(c, 'services'))),
        code: 0,
      }));
    case 'aae-status':
    case 'aae_status':
      return one(async (c) =>
        done(formatAaeStatus(ringSchema.parse(await rpc(c, 'get_ring')), c.nodename)),
      );
    case 'bucket-type':
      return bucketType(config(), rest);
    case 'status':
      return one(async (c) => {
        const stats = z.record(z.string(), z.unknown()).parse(await rpc(c, 'stats'));
        const lines = Object.entries(stats).map(([k, v]) => `${k} : ${JSON.stringify(v)}`);
        return done(
          [`1-minute stats for '${c.nodename}'`, '-'.repeat(43), ...lines, ''].join('\n'),
        );
      });
    case 'test': {
      const c = config();
      await rpc(c, 'ping');
      return { text: `Successfully completed 1 read/write cycle to '${c.nodename}'`, code: 0 };
    }
    default:
      return usage(ADMIN_USAGE);
  }
}
