import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { spawn } from 'node:child_process';
import { openSync, closeSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface GroupSpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Append stdout and stderr to these files (as a Mesos sandbox has `stdout` and `stderr`). */
  stdoutFile?: string;
  stderrFile?: string;
  /** Or get output line by line. */
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  /** Run `command` through `/bin/sh -c` (CommandInfo.shell). */
  shell?: boolean;
}

/**
 * A child process in its own process group, so that stopping it stops everything it started
 * (Riak's `bin/riak console` starts a whole tree).
 */
export class ProcessGroup {
  readonly child: ChildProcess;
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;

  constructor(command: string, args: string[], o: GroupSpawnOptions = {}) {
    const stdio: SpawnOptions['stdio'] = ['ignore', 'pipe', 'pipe'];
    const fds: number[] = [];
    if (o.stdoutFile) fds.push((stdio[1] = openSync(o.stdoutFile, 'a')));
    if (o.stderrFile) fds.push((stdio[2] = openSync(o.stderrFile, 'a')));
    this.child = o.shell
      ? spawn('/bin/sh', ['-c', command], { cwd: o.cwd, env: o.env, stdio, detached: true })
      : spawn(command, args, { cwd: o.cwd, env: o.env, stdio, detached: true });
    for (const fd of fds) closeSync(fd);
    lines(this.child.stdout, o.onStdoutLine);
    lines(this.child.stderr, o.onStderrLine);
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err) => {
        this.exitInfo = { code: 127, signal: null };
        (this.child as ChildProcess & { spawnError?: Error }).spawnError = err;
        resolve(this.exitInfo);
      });
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Sends a signal to the whole group. */
  signal(sig: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, sig);
    } catch {
      // The group is already gone.
    }
  }

  /**
   * SIGTERM to the group, then SIGKILL to the group after `graceMs`; resolves when the leader has
   * exited and no process of the group is left.
   */
  async stop(graceMs = 5000): Promise<ExitInfo> {
    const pid = this.child.pid;
    if (pid !== undefined && groupMembers(pid).length > 0) {
      this.signal('SIGTERM');
      const deadline = Date.now() + graceMs;
      while (groupMembers(pid).length > 0 && Date.now() < deadline) await sleep(50);
      if (groupMembers(pid).length > 0) this.signal('SIGKILL');
      while (groupMembers(pid).length > 0) await sleep(20);
    }
    return this.exited;
  }
}

function lines(stream: NodeJS.ReadableStream | null, fn: ((l: string) => void) | undefined): void {
  if (!stream) return;
  if (!fn) {
    stream.resume();
    return;
  }
  let rest = '';
  stream.on('data', (d: Buffer) => {
    const parts = (rest + d.toString('utf8')).split('\n');
    rest = parts.pop() ?? '';
    for (const p of parts) fn(p);
  });
  stream.on('end', () => rest && fn(rest));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Pids in /proc for which `test` holds; a process that ends while we look is skipped. */
function scanProcesses(test: (pid: string) => boolean): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (test(e)) out.push(Number(e));
    } catch {
      // The process ended while we looked, or is not ours to look at.
    }
  }
  return out;
}

/** Live (not zombie) processes whose process group is `pgid`, from /proc. */
export function groupMembers(pgid: number): number[] {
  return scanProcesses((pid) => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is the state, fields[2] the process group.
    return Number(fields[2]) === pgid && fields[0] !== 'Z';
  });
}

export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Live processes whose working directory is `dir` or below it, from /proc: what is left of
 * everything started in a work directory (sandboxes included) once its parents are gone.
 */
export function processesUnder(dir: string): number[] {
  const root = dir.endsWith('/') ? dir : `${dir}/`;
  return scanProcesses((pid) => {
    if (Number(pid) === process.pid) return false;
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    return (cwd === dir || cwd.startsWith(root)) && isAlive(Number(pid));
  });
}

/** SIGKILLs every process `processesUnder(dir)` finds; answers how many there were. */
export function killProcessesUnder(dir: string): number {
  const pids = processesUnder(dir);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  return pids.length;
}

export interface RunResult {
  /** The exit code; null when killed by a signal (the timeout included), 127 when it could not start. */
  code: number | null;
  /** stdout and stderr together, as they came, trimmed. */
  out: string;
}

/**
 * Runs a command to completion in its own process group, capturing its output; after
 * `timeoutMs` the whole group is killed. Never rejects: a program that cannot start answers
 * code 127 with the reason.
 */
export function runCommand(
  file: string,
  args: string[],
  o: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env: o.env, cwd: o.cwd, detached: true });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Gone.
      }
    }, o.timeoutMs ?? 60000);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 127, out: err.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out: out.trim() });
    });
  });
}
