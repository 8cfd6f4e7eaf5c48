/**
 * The director's memory limit in the benchmark, as its container has it on Mesos.
 *
 * Node.js sizes its heap from the memory cgroup it starts in (`process.constrainedMemory()`):
 * Node.js 20 in a 1,024 MiB cgroup gets a heap limit of 524 MiB, on this 24 GiB machine outside
 * one 4,144 MiB. V8 lets the old generation grow to a multiple of what survived the last full
 * collection, a smaller multiple for a smaller heap limit (outside a cgroup 4: 21 to 86 MiB at
 * 1,000 clients), so the director's resident memory under load depends on it. Measured outside a container, the director
 * would show the memory of a process no operator runs.
 *
 * So the benchmark starts the proxy in a memory cgroup of its own with the limit of the
 * director's Marathon app (`mem`, 1,024 MiB unless the operator sets it): cgroup v1's memory
 * controller, or v2's where the memory controller is delegated. Where neither can be made (no
 * privileges), it passes Node.js the heap size it would choose there, and says so.
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface MemoryLimit {
  /** What the run applies, for the benchmark's header. */
  readonly description: string;
  /** The command line to start `command args...` under the limit. */
  wrap(command: string, args: string[]): { command: string; args: string[] };
  /** Removes the cgroup once the processes in it have exited (it tries for a second). */
  remove(): Promise<void>;
}

interface Mount {
  root: string;
  point: string;
  type: string;
  superOptions: string[];
}

function mounts(): Mount[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [before, after = ''] = line.split(' - ');
      const f = before.split(' ');
      const [type = '', , superOptions = ''] = after.split(' ');
      return { root: f[3], point: f[4], type, superOptions: superOptions.split(',') };
    });
}

/** This process's cgroup directories that can hold a memory limit: v1's memory, then v2. */
function candidateParents(): { dir: string; limitFile: string }[] {
  const own = readFileSync('/proc/self/cgroup', 'utf8').split('\n').filter(Boolean);
  const out: { dir: string; limitFile: string }[] = [];
  const under = (m: Mount, path: string) => {
    const rel = relative(m.root, path);
    return rel.startsWith('..') ? undefined : join(m.point, rel);
  };
  for (const m of mounts()) {
    if (m.type === 'cgroup' && m.superOptions.includes('memory')) {
      const line = own.find((l) => l.split(':')[1]?.split(',').includes('memory'));
      const dir = line && under(m, line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1));
      if (dir) out.unshift({ dir, limitFile: 'memory.limit_in_bytes' });
    } else if (m.type === 'cgroup2') {
      const line = own.find((l) => l.startsWith('0::'));
      const dir = line && under(m, line.slice(3));
      if (dir) out.push({ dir, limitFile: 'memory.max' });
    }
  }
  return out;
}

/** A memory limit of `mib` MiB for one process tree named `name` (0: none). */
export function memoryLimit(mib: number, name: string): MemoryLimit {
  if (!Number.isInteger(mib) || mib < 0)
    throw new Error(`--director-mem must be a whole number of MiB (0: no limit), not ${mib}`);
  if (mib === 0)
    return {
      description: 'no memory limit (the heap is sized for the whole machine)',
      wrap: (command, args) => ({ command, args }),
      remove: () => Promise.resolve(),
    };
  const errors: string[] = [];
  for (const parent of candidateParents()) {
    const dir = join(parent.dir, `bench-${name}-${process.pid}`);
    try {
      mkdirSync(dir);
    } catch (err) {
      errors.push(`${dir}: ${(err as Error).message}`);
      continue;
    }
    try {
      writeFileSync(join(dir, parent.limitFile), String(mib * 1024 * 1024));
    } catch (err) {
      errors.push(`${join(dir, parent.limitFile)}: ${(err as Error).message}`);
      rmdirSync(dir);
      continue;
    }
    return {
      description: `a memory cgroup of ${mib} MiB (${parent.limitFile}), as the director's container`,
      // The shell joins the cgroup, then becomes the process: it starts inside it.
      wrap: (command, args) => ({
        command: '/bin/sh',
        args: ['-c', 'echo $$ > "$0" && exec "$@"', join(dir, 'cgroup.procs'), command, ...args],
      }),
      remove: async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            rmdirSync(dir);
            return;
          } catch (err) {
            // EBUSY for a moment after its last process is reaped
            if (attempt === 10) {
              process.stderr.write(`could not remove ${dir}: ${(err as Error).message}\n`);
              return;
            }
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      },
    };
  }
  // What Node.js 20 chooses in such a cgroup: half of it for the heap.
  const heap = Math.floor(mib / 2);
  return {
    description: `--max-old-space-size=${heap}, the heap Node.js gives itself in ${mib} MiB (no memory cgroup can be made here: ${errors.join('; ') || 'none mounted'})`,
    wrap: (command, args) => ({ command, args: [`--max-old-space-size=${heap}`, ...args] }),
    remove: () => Promise.resolve(),
  };
}
