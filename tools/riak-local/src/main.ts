/**
 * `bin/riak` and `bin/riak-admin` of the development node. The launchers call this bundle with
 * `riak` or `riak-admin` first and RIAK_LOCAL_ROOT set to the release's `riak/` directory; what
 * each command prints and how it exits follows Riak KV 3.2's scripts.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Outcome } from './admin';
import { Exit, notResponding, riakAdmin, rpc } from './admin';
import type { NodeConfig } from './config';
import { ConfigError, loadConfig } from './config';
import { startHttp } from './http-api';
import { RiakNode, VERSION } from './node';
import { startPb } from './pb-api';

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
const err = (s: string) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const running = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function pings(c: NodeConfig): Promise<boolean> {
  try {
    return (await rpc(c, 'ping', undefined, 3000)) === 'pong';
  } catch {
    return false;
  }
}

// ---- riak console / foreground -----------------------------------------------------------

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
  // As Riak: the node answers ping (and riak-admin) a while before riak_kv is up.
  setTimeout(() => {
    node.kvUp = true;
    log('info', 'Wait complete for service riak_kv');
  }, c.kvStartDelayMs).unref();
}

/** Riak's start hook warns when the open-files limit (passed by the launcher) is low. */
function ulimitWarning(): string[] {
  const n = Number(process.env.RIAK_LOCAL_NOFILE);
  if (!Number.isInteger(n) || n >= 65536) return [];
  return ['!!!!', `!!!! WARNING: ulimit -n is ${n}; 65536 is the recommended minimum.`, '!!!!'];
}

const START_DEPRECATED =
  'riak start is deprecated, and scripts should be change to use riak daemon where riak cannot be started as a service. Riak starting ..';

/** `riak daemon` (and the deprecated `riak start`): runs the node in the background. */
async function startDaemon(c: NodeConfig, deprecated: boolean): Promise<Outcome> {
  if (await pings(c)) return { text: 'Node is already running!', code: 1 };
  for (const line of [...ulimitWarning(), ...(deprecated ? [START_DEPRECATED] : [])]) out(line);
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
    if (await pings(c)) return { text: '', code: 0 };
    if (child.exitCode !== null) break;
    await sleep(250);
  }
  return {
    text: `riak failed to start within 60 seconds, see the output of 'riak console' for more information. (log: ${join(c.logDir, 'run_erl.log')})`,
    code: 1,
  };
}

const RIAK_USAGE =
  'Usage: riak {daemon | start | stop | ping | console | foreground | pid | chkconfig | admin <command> | version}';

async function riak(args: string[], c: () => NodeConfig): Promise<Outcome> {
  const [cmd, ...rest] = args;
  switch (cmd) {
    case 'console':
    case 'foreground':
      await consoleMode(c());
      return { text: '', code: -1 };
    case 'daemon':
    case 'start':
      return startDaemon(c(), cmd === 'start');
    case 'stop': {
      const cfg = c();
      // Riak's script prints nothing and exits 1 when the node is not running.
      if (!(await pings(cfg))) return { text: '', code: 1 };
      const pid = Number(await rpc(cfg, 'pid'));
      await rpc(cfg, 'stop');
      // As Riak's script: until the node's process is gone.
      const deadline = Date.now() + 60000;
      while (running(pid) && Date.now() < deadline) await sleep(200);
      return running(pid) ? { text: '', code: 1 } : { text: 'ok', code: 0 };
    }
    case 'ping':
      if (!(await pings(c()))) throw notResponding(c());
      return { text: 'pong', code: 0 };
    case 'pid':
    case 'getpid':
      return { text: String(await rpc(c(), 'pid')), code: 0 };
    case 'chkconfig':
      // Cuttlefish's way: the problems as `[error]` lines on stdout, and exit 1.
      try {
        c();
      } catch (e) {
        if (e instanceof ConfigError) return { text: `[error] ${e.message}`, code: 1 };
        throw e;
      }
      return { text: 'config is OK', code: 0 };
    case 'admin':
      return riakAdmin(rest, c, out);
    case 'version':
      return { text: VERSION, code: 0 };
    default:
      return { text: RIAK_USAGE, code: 1 };
  }
}

async function main(): Promise<Outcome> {
  const [tool, ...args] = process.argv.slice(2);
  const root = resolve(process.env.RIAK_LOCAL_ROOT ?? join(dirname(process.argv[1]), '..'));
  const config = () => loadConfig(root);
  if (tool === 'riak') return riak(args, config);
  if (tool === 'riak-admin') return riakAdmin(args, config, out);
  return { text: 'riak-local: run through bin/riak or bin/riak-admin', code: 2 };
}

main().then(
  (o) => {
    if (o.code < 0) return; // the node runs until stopped
    if (o.text) out(o.text);
    process.exit(o.code);
  },
  (e: Error) => {
    if (e instanceof Exit) {
      out(e.message);
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
