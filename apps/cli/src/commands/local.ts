import { spawn } from 'node:child_process';
import { openSync, closeSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isSea } from 'node:sea';
import type { Command } from 'commander';
import { Option } from 'commander';
import ora from 'ora';
import { isAlive } from '@riak-mesos/process';
import { isValidName } from '@riak-mesos/zk';
import type { Context } from '../context';
import { CliError } from '../errors';
import { distDir, locateArtifacts, workDirOf } from '../local/artifacts';
import type { LocalEndpoints, LocalOptions, Progress } from '../local/stack';
import { LocalStack, RIAK_KINDS, RIAK_VERSION_OF, readState, stopRunning } from '../local/stack';
import type { RiakKind } from '../local/stack';

type Ctx = () => Context;

interface UpFlags {
  workDir?: string;
  dist?: string;
  agents: string;
  nodes: string;
  cluster: string;
  zkPort: string;
  mesosPort: string;
  apiPort: string;
  pbPort: string;
  httpPort: string;
  directorApiPort: string;
  nodeCpus: string;
  nodeMem: string;
  nodeDisk: string;
  detach?: boolean;
  riak: string;
  riakAlias: string[];
}

function int(flag: string, v: string, min: number, max: number): number {
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
    throw new CliError(`${flag} must be a whole number from ${min} to ${max}, got '${v}'`);
  return Number(v);
}

function positive(flag: string, v: string): number {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || !(n > 0))
    throw new CliError(`${flag} must be a positive number, got '${v}'`);
  return n;
}

/** `--riak-alias` names: catalogue names of their own, each once, none a packaged version's. */
function aliases(names: string[]): string[] {
  const taken = new Set<string>(Object.values(RIAK_VERSION_OF));
  for (const name of names) {
    if (!isValidName(name) || name === 'executor')
      throw new CliError(
        `--riak-alias '${name}' is not a version name: letters, digits, _ - . starting with a letter or digit (and not 'executor')`,
        2,
      );
    if (taken.has(name))
      throw new CliError(`--riak-alias '${name}' names a version the catalogue already has`, 2);
    taken.add(name);
  }
  return names;
}

function progressFor(c: Context, err: NodeJS.WritableStream): Progress {
  const tty = Boolean((err as NodeJS.WriteStream).isTTY) && !c.config.json;
  return {
    async step(what, fn) {
      const spinner = tty ? ora({ text: what, stream: err }).start() : undefined;
      if (!tty) err.write(`… ${what}\n`);
      const started = Date.now();
      try {
        const v = await fn();
        const took = `${((Date.now() - started) / 1000).toFixed(1)} s`;
        if (spinner) spinner.succeed(`${what} (${took})`);
        else err.write(`✔ ${what} (${took})\n`);
        return v;
      } catch (e) {
        if (spinner) spinner.fail(what);
        else err.write(`✖ ${what}\n`);
        throw e;
      }
    },
    warn(message) {
      err.write(`! ${message}\n`);
    },
  };
}

function printEndpoints(c: Context, e: LocalEndpoints, workDir: string): void {
  c.result({ endpoints: e, workDir }, () => {
    c.table(
      ['Endpoint', 'Address'],
      [
        ['Riak PB (director)', e.directorPb],
        ['Riak HTTP (director)', e.directorHttp],
        ['director API', e.directorApi],
        ['scheduler API', e.scheduler],
        ['explorer page', e.explorer],
        ['Mesos master', e.mesos],
        ['ZooKeeper', e.zookeeper],
      ],
    );
    c.print(`logs: ${join(workDir, 'logs')}`);
    c.print(
      "API tokens: the CLI uses them by itself; 'riak-mesos framework token' prints the scheduler's (the explorer asks for it), the director's is in the work directory's director-api-token",
    );
  });
}

export function registerLocal(program: Command, ctx: Ctx, err: NodeJS.WritableStream): void {
  const local = program
    .command('local')
    .description(
      'the whole system on this machine: ZooKeeper, local Mesos, scheduler, a Riak cluster, director',
    );

  local
    .command('up')
    .description(
      'start everything and create a Riak cluster; Ctrl-C (or `riak-mesos local down`) stops it all',
    )
    .option('--work-dir <dir>', 'state, logs and sandboxes (default <repo>/tmp/local)')
    .option('--dist <dir>', 'the built system (default <repo>/dist)')
    .option('--agents <n>', 'local Mesos agents', '3')
    .option('--nodes <n>', 'Riak nodes in the cluster', '3')
    .option('--cluster <name>', 'cluster name', 'default')
    .option('--zk-port <port>', 'ZooKeeper port', '2181')
    .option('--mesos-port <port>', 'Mesos master port', '5050')
    .option('--api-port <port>', 'scheduler API port', '9090')
    .option('--pb-port <port>', 'director protocol buffers port', '8087')
    .option('--http-port <port>', 'director HTTP port', '8098')
    .option('--director-api-port <port>', 'director API port', '9000')
    .option('--node-cpus <n>', 'CPUs per Riak node', '0.5')
    .option('--node-mem <mb>', 'memory per Riak node (MB)', '512')
    .option('--node-disk <mb>', 'persistent disk per Riak node (MB)', '512')
    .addOption(
      new Option(
        '--riak <kind>',
        'real: the real Riak release (.cache/riak/ or RIAK_PACKAGE); local: riak-local, the development node',
      )
        .choices([...RIAK_KINDS])
        .default('real'),
    )
    .option(
      '--riak-alias <name>',
      'for upgrade drills: the same release under a second name in the catalogue (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--detach', 'return once everything is up, leaving it running in the background')
    .addOption(new Option('--supervise').hideHelp())
    .action(async (f: UpFlags & { supervise?: boolean }) => {
      // The system's processes run on the Node.js that runs this CLI, which one file has not.
      if (isSea())
        throw new CliError(
          "the single-file riak-mesos cannot run the local system: run 'npx riak-mesos local up' in a built checkout",
        );
      const c = ctx();
      const dist = distDir(f.dist);
      const workDir = workDirOf(f.workDir, dist);
      const options: LocalOptions = {
        workDir,
        agents: int('--agents', f.agents, 1, 20),
        nodes: int('--nodes', f.nodes, 1, 20),
        framework: c.config.frameworkName,
        cluster: f.cluster,
        zkPort: int('--zk-port', f.zkPort, 1, 65535),
        mesosPort: int('--mesos-port', f.mesosPort, 1, 65535),
        apiPort: int('--api-port', f.apiPort, 1, 65535),
        pbPort: int('--pb-port', f.pbPort, 1, 65535),
        httpPort: int('--http-port', f.httpPort, 1, 65535),
        directorApiPort: int('--director-api-port', f.directorApiPort, 1, 65535),
        nodeCpus: positive('--node-cpus', f.nodeCpus),
        nodeMem: positive('--node-mem', f.nodeMem),
        nodeDisk: positive('--node-disk', f.nodeDisk),
        riak: f.riak as RiakKind,
        riakAliases: aliases(f.riakAlias),
        timeoutMs: c.config.timeoutMs,
      };
      if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(options.cluster))
        throw new CliError(
          `--cluster must be letters, digits, '-' and '_' (at most 63), got '${options.cluster}'`,
        );
      const artifacts = locateArtifacts(dist);
      if (f.detach) {
        await detach(c, err, workDir);
        return;
      }
      const stack = new LocalStack(options, artifacts, progressFor(c, err));
      await stack.prepare();
      let stopping: Promise<unknown> | undefined;
      const stop = () =>
        (stopping ??= stack.stop().then(({ leftovers }) => {
          if (leftovers > 0) err.write(`killed ${leftovers} leftover processes\n`);
          err.write('the local system is stopped\n');
        }));
      const signalled = new Promise<void>((res) => {
        process.once('SIGINT', () => res());
        process.once('SIGTERM', () => res());
      });
      let endpoints: LocalEndpoints;
      try {
        endpoints = await Promise.race([
          stack.up(),
          signalled.then(() => {
            throw new CliError('interrupted while starting', 130);
          }),
        ]);
      } catch (e) {
        await stop();
        throw e;
      }
      printEndpoints(c, endpoints, workDir);
      if (!f.supervise)
        err.write('the local system is up; Ctrl-C or `riak-mesos local down` stops it\n');
      await signalled;
      await stop();
    });

  local
    .command('down')
    .description('stop the local system started by `riak-mesos local up`; nothing is left running')
    .option('--work-dir <dir>', 'as given to `local up`')
    .option('--dist <dir>', 'the built system (default <repo>/dist)')
    .action(async (f: { workDir?: string; dist?: string }) => {
      const c = ctx();
      const workDir = workDirOf(f.workDir, distDir(f.dist));
      const result = await progressFor(c, err).step('stopping the local system', () =>
        stopRunning(workDir, 120000),
      );
      c.result(result, () =>
        c.print(
          result.wasRunning
            ? `the local system is stopped${result.leftovers ? ` (killed ${result.leftovers} leftover processes)` : ''}`
            : 'the local system was not running',
        ),
      );
    });

  local
    .command('status')
    .description('is the local system running, and where does it answer')
    .option('--work-dir <dir>', 'as given to `local up`')
    .option('--dist <dir>', 'the built system (default <repo>/dist)')
    .action((f: { workDir?: string; dist?: string }) => {
      const c = ctx();
      const workDir = workDirOf(f.workDir, distDir(f.dist));
      const state = readState(workDir);
      const running = Boolean(state && isAlive(state.pid));
      c.result({ running, ...(state ?? {}) }, () => {
        if (!state || !running) c.print('the local system is not running');
        else if (!state.ready)
          c.print(
            state.failed
              ? `the local system failed to start: ${state.failed}`
              : `the local system is starting (pid ${state.pid})`,
          );
        else if (state.endpoints) printEndpoints(c, state.endpoints, workDir);
      });
      if (state && running && state.failed) throw new CliError('the local system failed to start');
      if (!running) throw new CliError('not running', 3);
    });
}

/** Runs `local up --supervise` in the background and waits until it is ready or has failed. */
async function detach(c: Context, err: NodeJS.WritableStream, workDir: string): Promise<void> {
  const old = readState(workDir);
  if (old && isAlive(old.pid))
    throw new CliError(
      `the local system is already running (pid ${old.pid}); stop it with 'riak-mesos local down'`,
    );
  mkdirSync(dirname(workDir), { recursive: true });
  const logFile = `${workDir}.up.log`;
  const args = process.argv.slice(1).filter((a) => a !== '--detach');
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...process.execArgv, ...args, '--supervise'], {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: process.env,
  });
  closeSync(fd);
  child.unref();
  const pid = child.pid ?? 0;
  const seen = new Set<string>();
  const deadline = Date.now() + c.config.timeoutMs * 5;
  for (;;) {
    const state = readState(workDir);
    if (state?.pid === pid && state.ready && state.endpoints) {
      printEndpoints(c, state.endpoints, workDir);
      err.write(
        `the local system runs in the background (pid ${pid}); stop it with 'riak-mesos local down'\n`,
      );
      return;
    }
    if (state?.pid === pid && state.failed) {
      await stopRunning(workDir, 60000);
      throw new CliError(`the local system failed to start: ${state.failed} (log: ${logFile})`);
    }
    if (!isAlive(pid)) throw new CliError(`the local system failed to start; see ${logFile}`);
    for (const name of Object.keys(state?.pid === pid ? state.components : {}))
      if (!seen.has(name)) {
        seen.add(name);
        err.write(`started ${name}\n`);
      }
    if (Date.now() > deadline) {
      await stopRunning(workDir, 60000);
      throw new CliError(`timed out waiting for the local system to start (log: ${logFile})`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
