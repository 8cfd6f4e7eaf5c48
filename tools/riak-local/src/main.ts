/**
 * `bin/riak` and `bin/riak-admin` of the development node. The launchers call this bundle with
 * `riak` or `riak-admin` first and RIAK_LOCAL_ROOT set to the release's `riak/` directory.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { EpmdClient } from '@riak-mesos/epmd';
import { isValidName } from '@riak-mesos/zk';
import type { NodeConfig } from './config';
import { ConfigError, loadConfig } from './config';
import { startHttp } from './http-api';
import type { Transfer } from './node';
import { RiakNode, VERSION } from './node';
import { startPb } from './pb-api';
import type { Ring } from './ring';
import {
  formatAaeStatus,
  formatMemberStatus,
  formatPlan,
  formatRingStatus,
  replicas,
} from './ring';
import { Connection } from './wire';

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
const err = (s: string) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`);

class Exit extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

const notResponding = (c: NodeConfig) => new Exit(`Node '${c.nodename}' not responding to pings.`);

/** Connects to the running node the way nodetool does: EPMD lookup, then the cookie handshake. */
async function attach(c: NodeConfig): Promise<Connection> {
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
  } catch (e) {
    if ((e as Error).name === 'AuthError' || /cookie/.test((e as Error).message))
      throw new Exit(`Node '${c.nodename}' not responding to pings. (${(e as Error).message})`);
    throw notResponding(c);
  }
}

async function rpc<T>(c: NodeConfig, op: string, args?: unknown, timeoutMs = 60000): Promise<T> {
  const conn = await attach(c);
  try {
    return await conn.call<T>(op, args, timeoutMs);
  } catch (e) {
    throw new Exit((e as Error).message);
  } finally {
    conn.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pings(c: NodeConfig): Promise<boolean> {
  try {
    return (await rpc(c, 'ping', undefined, 3000)) === 'pong';
  } catch {
    return false;
  }
}

// ---- riak console -------------------------------------------------------------------------

async function consoleMode(c: NodeConfig): Promise<void> {
  mkdirSync(c.logDir, { recursive: true });
  const logFile = join(c.logDir, 'console.log');
  const log = (level: string, message: string) => {
    const line = `${new Date().toISOString().replace('T', ' ').replace('Z', '')} [${level}] <0.${process.pid}.0> ${message}`;
    out(line);
    try {
      appendFileSync(logFile, `${line}\n`);
    } catch {
      // The log directory went away; stdout still has it.
    }
  };
  const node = new RiakNode(c, log);
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    log('info', `stopping (${why})`);
    await node.stop();
    rmSync(join(c.root, 'run', 'riak.pid'), { force: true });
    log('info', 'stopped');
    process.exit(0);
  };
  node.onStop = () => void stop('riak stop');
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  log('info', `Riak (riak-local ${VERSION}) starting as ${c.nodename}`);
  try {
    await node.start();
    node.addServer(await startHttp(node, c.http.host, c.http.port));
    log('info', `HTTP listener on ${c.http.host}:${c.http.port}`);
    node.addServer(await startPb(node, c.pb.host, c.pb.port));
    log('info', `Protocol buffers listener on ${c.pb.host}:${c.pb.port}`);
  } catch (e) {
    log('error', `could not start: ${(e as Error).message}`);
    await node.stop().catch(() => undefined);
    process.exit(1);
  }
  mkdirSync(join(c.root, 'run'), { recursive: true });
  writeFileSync(join(c.root, 'run', 'riak.pid'), `${process.pid}\n`);
  node.kvUp = true;
  log('info', 'Wait complete for service riak_kv');
}

async function startDaemon(c: NodeConfig): Promise<void> {
  if (await pings(c)) throw new Exit('Node is already running!');
  mkdirSync(c.logDir, { recursive: true });
  const fd = openSync(join(c.logDir, 'run_erl.log'), 'a');
  const child = spawn(process.execPath, [process.argv[1], 'riak', 'console'], {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: process.env,
    cwd: c.root,
  });
  closeSync(fd);
  child.unref();
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    if (await pings(c)) return;
    if (child.exitCode !== null) break;
    await sleep(250);
  }
  throw new Exit(
    `riak failed to start within 60 seconds, see the output of 'riak console' for more information. (log: ${join(c.logDir, 'run_erl.log')})`,
  );
}

async function riak(cmd: string | undefined, c: () => NodeConfig): Promise<void> {
  switch (cmd) {
    case 'console':
    case 'foreground':
      return consoleMode(c());
    case 'start':
      return startDaemon(c());
    case 'stop': {
      const cfg = c();
      await rpc(cfg, 'stop');
      const deadline = Date.now() + 60000;
      while ((await pings(cfg)) && Date.now() < deadline) await sleep(200);
      out('ok');
      return;
    }
    case 'ping':
      if (!(await pings(c()))) throw notResponding(c());
      out('pong');
      return;
    case 'pid':
    case 'getpid':
      out(String(await rpc<number>(c(), 'pid')));
      return;
    case 'version':
      out(VERSION);
      return;
    default:
      throw new Exit(
        'Usage: riak {start | stop | ping | console | foreground | pid | getpid | version}',
      );
  }
}

// ---- riak-admin ---------------------------------------------------------------------------

function formatTransfers(t: { ring: Ring; transfers: Transfer[] }): string {
  if (t.transfers.length === 0) return 'No transfers active\n\nActive Transfers:\n';
  const waiting = new Map<string, number>();
  for (const x of t.transfers) waiting.set(x.from, (waiting.get(x.from) ?? 0) + 1);
  return [
    ...[...waiting].map(([n, k]) => `'${n}' waiting to handoff ${k} partitions`),
    '',
    'Active Transfers:',
    '',
    ...t.transfers.map(
      (x) =>
        `transfer type: ${x.kind === 'join' ? 'ownership_transfer' : 'hinted_handoff'}\n  '${x.from}' => '${x.to}' (${x.objects} objects so far)`,
    ),
    '',
  ].join('\n');
}

/** `{"props": {...}}` as riak-admin bucket-type create/update take it. */
function parseTypeProps(action: string, name: string, json: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Exit(`Cannot ${action} bucket type ${name}: invalid json`);
  }
  const props = (parsed as { props?: unknown } | null)?.props;
  if (typeof props !== 'object' || props === null || Array.isArray(props))
    throw new Exit(`Cannot ${action} bucket type ${name}: no props field found in json`);
  if (!isValidName(name))
    throw new Exit(`Cannot ${action} bucket type ${name as string}: invalid name`);
  return props as Record<string, unknown>;
}

function formatProp(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

async function riakAdmin(args: string[], c: () => NodeConfig): Promise<void> {
  const [cmd, sub, arg] = args;
  switch (cmd) {
    case 'cluster': {
      const cfg = c();
      switch (sub) {
        case 'join':
          if (!arg) throw new Exit('Usage: riak-admin cluster join <node>');
          out(await rpc<string>(cfg, 'admin_join', { target: arg }));
          return;
        case 'leave':
          out(
            await rpc<string>(cfg, 'admin_stage', { action: 'leave', node: arg ?? cfg.nodename }),
          );
          return;
        case 'force-remove':
          if (!arg) throw new Exit('Usage: riak-admin cluster force-remove <node>');
          out(await rpc<string>(cfg, 'admin_stage', { action: 'remove', node: arg }));
          return;
        case 'plan':
          out(formatPlan(await rpc<Ring>(cfg, 'admin_plan')));
          return;
        case 'commit':
          out(await rpc<string>(cfg, 'admin_commit'));
          return;
        case 'clear':
          out(await rpc<string>(cfg, 'admin_clear'));
          return;
        case 'status': {
          const { ring, down } = await rpc<{ ring: Ring; down: string[] }>(cfg, 'admin_down');
          out(`---- Cluster Status ----\nRing ready: ${down.length === 0}\n`);
          for (const m of [...ring.members].sort((a, b) => a.name.localeCompare(b.name)))
            out(
              `${m.name.padEnd(40)} ${m.status.padEnd(8)} ${down.includes(m.name) ? 'down' : 'up'}`,
            );
          return;
        }
        default:
          throw new Exit(
            'Usage: riak-admin cluster <join|leave|force-remove|plan|commit|clear|status>',
          );
      }
    }
    case 'member-status':
    case 'member_status':
      out(formatMemberStatus(await rpc<Ring>(c(), 'get_ring')));
      return;
    case 'ring-status':
    case 'ring_status': {
      const { ring, down } = await rpc<{ ring: Ring; down: string[] }>(c(), 'admin_down');
      out(formatRingStatus(ring, down));
      return;
    }
    case 'ringready': {
      const { ring, down } = await rpc<{ ring: Ring; down: string[] }>(c(), 'admin_down');
      if (down.length)
        throw new Exit(
          `FALSE [${down.map((d) => `'${d}'`).join(',')}] down.  All nodes need to be up to check.`,
        );
      out(`TRUE All nodes agree on the ring [${ring.members.map((m) => `'${m.name}'`).join(',')}]`);
      return;
    }
    case 'transfers':
      out(
        formatTransfers(await rpc<{ ring: Ring; transfers: Transfer[] }>(c(), 'admin_transfers')),
      );
      return;
    case 'wait-for-service':
    case 'wait_for_service': {
      const cfg = c();
      const service = sub ?? 'riak_kv';
      const target = arg ?? cfg.nodename;
      for (;;) {
        const conn = await attach(cfg);
        try {
          const services =
            target === cfg.nodename
              ? await conn.call<string[]>('services')
              : await conn.call<string[]>('remote', { node: target, op: 'services' });
          if (services.includes(service)) {
            out(`${service} is up`);
            return;
          }
          out(`${service} is not up: ${JSON.stringify(services)}`);
        } catch (e) {
          out(`${service} is not up: ${(e as Error).message}`);
        } finally {
          conn.close();
        }
        await sleep(1000);
      }
    }
    case 'services':
      out(`[${(await rpc<string[]>(c(), 'services')).join(',')}]`);
      return;
    case 'aae-status':
    case 'aae_status': {
      const cfg = c();
      out(formatAaeStatus(await rpc<Ring>(cfg, 'get_ring'), cfg.nodename));
      return;
    }
    case 'bucket-type':
    case 'bucket_type': {
      const cfg = c();
      const usage =
        "Usage: riak-admin bucket-type <list | status <type> | create <type> '<json>' | activate <type> | update <type> '<json>'>";
      switch (sub) {
        case 'list': {
          const ring = await rpc<Ring>(cfg, 'get_ring');
          out('default (active)');
          for (const [name, t] of Object.entries(ring.types ?? {}).sort(([a], [b]) =>
            a.localeCompare(b),
          ))
            out(`${name} (${t.active ? 'active' : 'not active'})`);
          return;
        }
        case 'status': {
          if (!arg) throw new Exit(usage);
          const ring = await rpc<Ring>(cfg, 'get_ring');
          // Every member keeps a copy of every object here, so n_val is the member count.
          const t =
            arg === 'default'
              ? { active: true, props: { n_val: replicas(ring).length, allow_mult: false } }
              : ring.types?.[arg];
          if (!t) throw new Exit(`${arg} is not an existing bucket type`);
          out(
            [
              t.active ? `${arg} is active` : `${arg} has been created and may be activated`,
              '',
              ...Object.keys(t.props)
                .sort()
                .map((k) => `${k}: ${formatProp(t.props[k])}`),
            ].join('\n'),
          );
          return;
        }
        case 'create':
        case 'update': {
          if (!arg || args[3] === undefined) throw new Exit(usage);
          const props = parseTypeProps(sub, arg, args[3]);
          out(await rpc<string>(cfg, 'admin_bucket_type', { action: sub, name: arg, props }));
          return;
        }
        case 'activate':
          if (!arg) throw new Exit(usage);
          out(await rpc<string>(cfg, 'admin_bucket_type', { action: 'activate', name: arg }));
          return;
        default:
          throw new Exit(usage);
      }
    }
    case 'status': {
      const cfg = c();
      const stats = await rpc<Record<string, unknown>>(cfg, 'stats');
      out(`1-minute stats for '${cfg.nodename}'\n-------------------------------------------`);
      for (const [k, v] of Object.entries(stats)) out(`${k} : ${JSON.stringify(v)}`);
      return;
    }
    case 'test': {
      const cfg = c();
      await rpc(cfg, 'ping');
      out(`Successfully completed 1 read/write cycle to '${cfg.nodename}'`);
      return;
    }
    default:
      throw new Exit(
        'Usage: riak-admin { cluster | member-status | ring-status | ringready | transfers | wait-for-service | services | status | test | aae-status | bucket-type }',
      );
  }
}

async function main(): Promise<void> {
  const [tool, ...args] = process.argv.slice(2);
  const root = resolve(process.env.RIAK_LOCAL_ROOT ?? join(dirname(process.argv[1]), '..'));
  const config = () => loadConfig(root);
  if (tool === 'riak') return riak(args[0], config);
  if (tool === 'riak-admin') return riakAdmin(args, config);
  throw new Exit('riak-local: run through bin/riak or bin/riak-admin', 2);
}

main().then(
  () => {
    if (!['console', 'foreground'].includes(process.argv[3] ?? '')) process.exit(0);
  },
  (e: Error) => {
    if (e instanceof Exit) {
      (e.code === 1 && !/^Usage/.test(e.message) ? out : err)(e.message);
      process.exit(e.code);
    }
    if (e instanceof ConfigError) {
      err(`riak: ${e.message}`);
      process.exit(1);
    }
    err(`riak: ${e.stack ?? e.message}`);
    process.exit(1);
  },
);
