import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';

/** Where the node's Erlang distribution listens, and why (for the log). */
export interface DistributionBinding {
  /** The IPv4 address to listen on; undefined: every interface (Erlang's default). */
  address?: string;
  reason: string;
}

/**
 * The address a node's distribution listener binds: the address its name uses, so that the
 * distribution port is not open on every interface of the agent. `host` is the host part of the
 * node's name (the agent's host name or address, as the other nodes reach it).
 *
 * - An IPv4 address: that address.
 * - A name: the first address it resolves to here that is an address of one of this machine's
 *   interfaces (`local`). A name resolving only elsewhere (Debian maps the machine's own name to
 *   127.0.1.1, which is on no interface and not what other hosts reach) binds every interface,
 *   as does IPv6 or a name that does not resolve; the reason says which.
 */
export function chooseDistributionAddress(
  host: string,
  resolved: string[],
  local: string[],
): DistributionBinding {
  if (isIPv4(host)) return { address: host, reason: 'the node name is an IPv4 address' };
  const v4 = resolved.filter((a) => isIPv4(a));
  const own = v4.find((a) => local.includes(a));
  if (own)
    return { address: own, reason: `${host} resolves to ${own}, an address of this machine` };
  return {
    reason: v4.length
      ? `${host} resolves to ${v4.join(', ')}, on none of this machine's interfaces; listening on every interface`
      : `${host} resolves to no IPv4 address here; listening on every interface`,
  };
}

/** The IPv4 addresses of this machine's interfaces. */
export function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((i) => i.family === 'IPv4')
    .map((i) => i.address);
}

/** `chooseDistributionAddress` for `host`, resolved the way the system resolves it. */
export async function distributionBinding(host: string): Promise<DistributionBinding> {
  if (isIPv4(host)) return chooseDistributionAddress(host, [host], []);
  const resolved = await lookup(host, { all: true }).then(
    (r) => r.map((x) => x.address),
    () => [] as string[],
  );
  return chooseDistributionAddress(host, resolved, localAddresses());
}
