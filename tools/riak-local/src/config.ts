import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { getSetting, parseRiakConf } from '@riak-mesos/riak-config';

/** The settings of `etc/riak.conf` the dev node honours; everything else is ignored. */
export interface NodeConfig {
  /** The `riak/` directory: relative paths in riak.conf are relative to it, as in Riak. */
  root: string;
  nodename: string;
  alive: string;
  host: string;
  cookie: string;
  http: { host: string; port: number };
  pb: { host: string; port: number };
  handoffPort: number;
  /** 0 lets the system choose (no port range set). */
  distPort: number;
  dataDir: string;
  logDir: string;
  ringSize: number;
  epmdPort: number;
  /**
   * How long after it answers ping the node starts serving KV (RIAK_LOCAL_KV_START_DELAY_MS,
   * default 1000): Riak's riak_kv comes up seconds after the node answers ping.
   */
  kvStartDelayMs: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function listener(key: string, value: string): { host: string; port: number } {
  const m = /^(.+):(\d+)$/.exec(value.trim());
  if (!m || Number(m[2]) > 65535) throw new ConfigError(`${key} must be host:port, got '${value}'`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

function port(key: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value.trim()) || Number(value) > 65535)
    throw new ConfigError(`${key} must be a port number, got '${value}'`);
  return Number(value);
}

/** Reads `<root>/etc/riak.conf` and the environment (ERL_EPMD_PORT). */
export function loadConfig(root: string, env: NodeJS.ProcessEnv = process.env): NodeConfig {
  const file = join(root, 'etc', 'riak.conf');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let conf;
  try {
    conf = parseRiakConf(text);
  } catch (err) {
    throw new ConfigError(`${file}: ${(err as Error).message}`);
  }
  const get = (k: string) => getSetting(conf, k);
  const nodename = get('nodename') ?? 'riak@127.0.0.1';
  const at = /^([A-Za-z0-9_-]+)@([A-Za-z0-9_.-]+)$/.exec(nodename);
  if (!at) throw new ConfigError(`nodename must be name@host, got '${nodename}'`);
  const min = get('erlang.distribution.port_range.minimum');
  const max = get('erlang.distribution.port_range.maximum');
  const distPort = port('erlang.distribution.port_range.minimum', min, 0);
  if (max !== undefined && port('erlang.distribution.port_range.maximum', max, 0) < distPort)
    throw new ConfigError('erlang.distribution.port_range.maximum is below the minimum');
  const dir = (v: string) => (isAbsolute(v) ? v : resolve(root, v));
  const ringSize = Number(get('ring_size') ?? 64);
  if (!Number.isInteger(ringSize) || ringSize < 8 || (ringSize & (ringSize - 1)) !== 0)
    throw new ConfigError(`ring_size must be a power of 2 from 8, got '${get('ring_size')}'`);
  const epmd = env.ERL_EPMD_PORT ?? '4369';
  if (!/^\d+$/.test(epmd) || Number(epmd) < 1 || Number(epmd) > 65535)
    throw new ConfigError(`ERL_EPMD_PORT must be a port number, got '${epmd}'`);
  const delay = env.RIAK_LOCAL_KV_START_DELAY_MS ?? '1000';
  if (!/^\d+$/.test(delay) || Number(delay) > 600000)
    throw new ConfigError(
      `RIAK_LOCAL_KV_START_DELAY_MS must be milliseconds from 0 to 600000, got '${delay}'`,
    );
  return {
    root,
    nodename,
    alive: at[1],
    host: at[2],
    cookie: get('distributed_cookie') ?? 'riak',
    http: listener('listener.http.internal', get('listener.http.internal') ?? '127.0.0.1:8098'),
    pb: listener(
      'listener.protobuf.internal',
      get('listener.protobuf.internal') ?? '127.0.0.1:8087',
    ),
    handoffPort: port('handoff.port', get('handoff.port'), 8099),
    distPort,
    dataDir: dir(get('platform_data_dir') ?? './data'),
    logDir: dir(get('platform_log_dir') ?? './log'),
    ringSize,
    epmdPort: Number(epmd),
    kvStartDelayMs: Number(delay),
  };
}
