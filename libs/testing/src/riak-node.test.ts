import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, processesUnder } from '@riak-mesos/process';
import { RiakPbClient } from '@riak-mesos/riak-pb';
import type { RealRiakCluster } from './riak-node';
import { listenersOn, patchAdvancedConfig, setRiakConf, startRealRiakCluster } from './riak-node';

jest.setTimeout(300000);

describe('riak.conf and advanced.config edits', () => {
  it('replaces a key in place and appends a missing one', () => {
    const conf = 'nodename = riak@127.0.0.1\n## ring_size = 64\nstorage_backend = bitcask\n';
    const out = setRiakConf(setRiakConf(conf, 'storage_backend', 'leveled'), 'ring_size', 16);
    expect(out).toBe(
      'nodename = riak@127.0.0.1\n## ring_size = 64\nstorage_backend = leveled\nring_size = 16\n',
    );
    // A dot in a key is not a wildcard.
    expect(setRiakConf('handoffXport = 1\n', 'handoff.port', 2)).toBe(
      'handoffXport = 1\nhandoff.port = 2\n',
    );
  });

  it('moves cluster_mgr, adds -start_epmd false and fast handoff timers', () => {
    const adv =
      '[\n {riak_core,\n  [\n   {cluster_mgr, {"127.0.0.1", 9080 } },\n   {x, 1}\n  ]}\n].\n';
    const out = patchAdvancedConfig(adv, 12345);
    expect(out).toContain('{cluster_mgr, {"127.0.0.1", 12345}}');
    expect(out).not.toContain('9080');
    expect(out).toMatch(/^\[\n {vm_args, \[\{"-start_epmd", "false"\}\]\},/);
    expect(out).toContain('{vnode_inactivity_timeout, 1000}');
    expect(() => patchAdvancedConfig('[].', 1)).toThrow(/no cluster_mgr entry/);
  });
});

describe('real Riak: startRealRiakCluster', () => {
  let cluster: RealRiakCluster | undefined;

  afterAll(async () => {
    await cluster?.stop();
  });

  it('starts two joined nodes on private ports, kills and restarts one, and stops clean', async () => {
    cluster = await startRealRiakCluster({ nodes: 2 });
    const [a, b] = cluster.nodes;
    expect(a.nodeName).not.toBe(b.nodeName);
    expect(a.nodeName.split('@')[0]).not.toBe(b.nodeName.split('@')[0]);
    expect(cluster.epmdPort).not.toBe(4369);
    // The generated config really carries what the harness wrote.
    const conf = readFileSync(join(a.dir, 'root', 'riak', 'etc', 'riak.conf'), 'utf8');
    expect(conf).toMatch(new RegExp(`^listener.protobuf.internal = 127.0.0.1:${a.pbPort}$`, 'm'));
    const generated = join(a.dir, 'root', 'riak', 'generated.conf');
    const vmArgs = readdirSync(generated).filter((f) => f.startsWith('vm.'));
    expect(readFileSync(join(generated, vmArgs[0]), 'utf8')).toMatch(/^-start_epmd false$/m);
    // Only our epmd listens on the private port.
    const epmds = listenersOn(cluster.epmdPort);
    expect(epmds).toHaveLength(1);

    // One cluster: a write on one node is read on the other, and both see two members.
    const pa = await RiakPbClient.connect(a.pbPort);
    await pa.put('harness', 'k', 'v1');
    pa.close();
    const pb = await RiakPbClient.connect(b.pbPort);
    expect((await pb.get('harness', 'k'))?.value.toString()).toBe('v1');
    expect((await pb.serverInfo()).node).toBe(b.nodeName);
    pb.close();
    const members = await cluster.admin(1, 'member-status');
    expect(members.out).toMatch(/Valid:2 /);

    // kill: the whole node is gone at once, and the other one notices.
    const pid = b.pid!;
    await cluster.kill(1);
    expect(isAlive(pid)).toBe(false);
    expect(processesUnder(b.dir)).toEqual([]);
    expect(b.pid).toBeUndefined();
    await expect(RiakPbClient.connect(b.pbPort, '127.0.0.1', 1000)).rejects.toThrow(/ECONNREFUSED/);
    const down = await cluster.admin(0, 'ringready');
    expect(down.out).toMatch(/FALSE .*down/);

    // restart: same ports, same data.
    await cluster.restart(1);
    const again = await RiakPbClient.connect(b.pbPort);
    expect((await again.get('harness', 'k'))?.value.toString()).toBe('v1');
    again.close();

    // stop: nothing left running, on the private port or in the directories.
    const { dir, epmdPort } = cluster;
    const all = cluster.nodes.map((n) => n.pid!);
    await cluster.stop();
    cluster = undefined;
    expect(all.filter((p) => isAlive(p))).toEqual([]);
    expect(epmds.filter((p) => isAlive(p))).toEqual([]);
    expect(listenersOn(epmdPort)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });
});
