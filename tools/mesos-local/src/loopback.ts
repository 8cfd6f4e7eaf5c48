import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { Logger } from '@riak-mesos/logging';

/** iproute2's `ip`, also where /usr/sbin is not on the PATH. */
function ipCommand(): string {
  return ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => existsSync(p)) ?? 'ip';
}

/** Whether `ip` is an address of one of this machine's interfaces. */
export function hasInterfaceAddress(ip: string): boolean {
  return Object.values(networkInterfaces()).some((list) =>
    (list ?? []).some((a) => a.address === ip),
  );
}

/**
 * Makes an agent's loopback address (127.0.0.x) an address of `lo`, as root, with iproute2's
 * `ip addr add`. Linux routes all of 127.0.0.0/8 to `lo`, so binding works without it; but
 * programs that check their address against the interfaces (Riak's replication cluster manager
 * fails with `invalid_ip`) need it on an interface, as a real agent's address would be. The address
 * is left in place: other local systems or tests may use it, and it changes nothing else.
 * Answers whether the address is now on an interface.
 */
export async function ensureLoopbackAddress(ip: string, log: Logger): Promise<boolean> {
  if (hasInterfaceAddress(ip)) return true;
  if (!/^127\.\d+\.\d+\.\d+$/.test(ip)) return false;
  if (process.getuid?.() !== 0) {
    log.warn(
      'agent address is not on an interface and adding it needs root; Riak replication will fail to bind',
      { ip, fix: `sudo ip addr add ${ip}/8 dev lo` },
    );
    return false;
  }
  const err = await new Promise<string | undefined>((resolve) =>
    execFile(ipCommand(), ['addr', 'add', `${ip}/8`, 'dev', 'lo'], (e, _out, stderr) =>
      // Another process may have added it meanwhile: "File exists" is success.
      resolve(e && !/exists/i.test(stderr) ? stderr.trim() || e.message : undefined),
    ),
  );
  if (err) log.warn('could not add the agent address to lo', { ip, error: err });
  return hasInterfaceAddress(ip);
}
