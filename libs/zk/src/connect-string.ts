import { InvalidNameError } from './errors';
import { validatePath } from './names';

export interface ParsedConnectString {
  /** `host:port,host:port` */
  hosts: string;
  servers: { host: string; port: number }[];
  /** `''` for none, else an absolute path such as `/riak`. */
  chroot: string;
}

/**
 * Parses `h1:2181,h2:2181/chroot`, also accepting a `zk://` prefix (as operators write it for
 * Mesos). A server without a port gets 2181.
 */
export function parseConnectString(input: string): ParsedConnectString {
  let s = input.trim();
  if (s.startsWith('zk://')) s = s.slice(5);
  if (!s) throw new InvalidNameError('ZooKeeper connect string is empty');
  const slash = s.indexOf('/');
  const hostPart = slash === -1 ? s : s.slice(0, slash);
  let chroot = slash === -1 ? '' : s.slice(slash);
  if (chroot === '/') chroot = '';
  if (chroot) validatePath(chroot);
  const servers = hostPart.split(',').map((entry) => {
    const e = entry.trim();
    const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+)(?::(\d{1,5}))?$/.exec(e);
    if (!m) throw new InvalidNameError(`ZooKeeper server '${e}' in '${input}' is not host:port`);
    const port = m[2] === undefined ? 2181 : Number(m[2]);
    if (port < 1 || port > 65535)
      throw new InvalidNameError(`ZooKeeper server '${e}' has an invalid port`);
    return { host: m[1], port };
  });
  return { hosts: servers.map((x) => `${x.host}:${x.port}`).join(','), servers, chroot };
}
