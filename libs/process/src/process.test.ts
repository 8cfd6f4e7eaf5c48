import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ProcessGroup,
  groupMembers,
  isAlive,
  killProcessesUnder,
  processesUnder,
  runCommand,
} from './process';

const dir = mkdtempSync(join(tmpdir(), 'process-'));

/** A sleeper running in `<work>/sandbox`, and one outside `work`. */
async function sleepersAround(
  work: string,
): Promise<{ inside: ProcessGroup; outside: ProcessGroup }> {
  mkdirSync(join(work, 'sandbox'), { recursive: true });
  const inside = new ProcessGroup('sleep', ['60'], { cwd: join(work, 'sandbox') });
  const outside = new ProcessGroup('sleep', ['60'], { cwd: dir });
  await new Promise((r) => setTimeout(r, 100));
  return { inside, outside };
}

describe('ProcessGroup', () => {
  it('stops the whole group: SIGTERM first, SIGKILL after the grace period', async () => {
    // A shell that ignores SIGTERM and starts a grandchild that ignores it too.
    const p = new ProcessGroup("trap '' TERM; sh -c \"trap '' TERM; sleep 60\" & sleep 60", [], {
      shell: true,
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(groupMembers(p.pid!).length).toBeGreaterThanOrEqual(2);
    const started = Date.now();
    const exit = await p.stop(300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(exit.signal).toBe('SIGKILL');
    expect(groupMembers(p.pid!)).toEqual([]);
  });

  it('ends politely when the process honours SIGTERM', async () => {
    const p = new ProcessGroup('sleep', ['60']);
    await new Promise((r) => setTimeout(r, 100));
    const exit = await p.stop(5000);
    expect(exit.signal).toBe('SIGTERM');
    expect(isAlive(p.pid!)).toBe(false);
  });

  it('writes output to files and reports the exit code', async () => {
    const p = new ProcessGroup('echo out; echo err >&2; exit 3', [], {
      shell: true,
      stdoutFile: join(dir, 'stdout'),
      stderrFile: join(dir, 'stderr'),
    });
    expect(await p.exited).toEqual({ code: 3, signal: null });
    expect(readFileSync(join(dir, 'stdout'), 'utf8')).toBe('out\n');
    expect(readFileSync(join(dir, 'stderr'), 'utf8')).toBe('err\n');
  });

  it('gives lines to callbacks and reports a missing program as exit 127', async () => {
    const seen: string[] = [];
    const p = new ProcessGroup('printf', ['a\\nb\\nc'], { onStdoutLine: (l) => seen.push(l) });
    await p.exited;
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['a', 'b', 'c']);
    const missing = new ProcessGroup('/nonexistent/program', []);
    expect((await missing.exited).code).toBe(127);
  });
});

describe('processesUnder', () => {
  it('finds processes by working directory, below it too, and not others', async () => {
    const work = join(dir, 'work');
    const { inside, outside } = await sleepersAround(work);
    try {
      expect(processesUnder(work)).toEqual([inside.pid]);
      expect(processesUnder(`${work}/`)).toEqual([inside.pid]);
      expect(processesUnder(join(dir, 'wor'))).toEqual([]);
    } finally {
      await inside.stop(1000);
      await outside.stop(1000);
    }
    expect(processesUnder(work)).toEqual([]);
  });
});

describe('killProcessesUnder', () => {
  it('kills what runs below a directory and leaves the rest', async () => {
    const work = join(dir, 'kill');
    const { inside, outside } = await sleepersAround(work);
    try {
      expect(killProcessesUnder(work)).toBe(1);
      expect((await inside.exited).signal).toBe('SIGKILL');
      expect(outside.running).toBe(true);
      expect(killProcessesUnder(work)).toBe(0);
    } finally {
      await outside.stop(1000);
    }
  });
});

describe('runCommand', () => {
  it('captures both streams and the exit code', async () => {
    const r = await runCommand('sh', ['-c', 'echo out; echo err >&2; exit 3'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.out.split('\n').sort()).toEqual(['err', 'out']);
  });

  it('answers 127 for a program that cannot start', async () => {
    const r = await runCommand(join(dir, 'no-such-program'), []);
    expect(r.code).toBe(127);
    expect(r.out).toMatch(/ENOENT/);
  });

  it('kills the whole group after the timeout', async () => {
    const marker = join(dir, 'grandchild-ran');
    const r = await runCommand('sh', ['-c', `(sleep 1; touch ${marker}) & sleep 30`], {
      timeoutMs: 200,
    });
    expect(r.code).toBeNull();
    await new Promise((res) => setTimeout(res, 1500));
    expect(existsSync(marker)).toBe(false);
  });
});
