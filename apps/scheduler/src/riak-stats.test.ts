import { createLogger } from '@riak-mesos/logging';
import type { ClusterDoc, NodeDoc } from './model';
import { StatsHistory, appendSample, nextSample } from './riak-stats';

const t0 = Date.parse('2026-11-30T12:00:00Z');

describe('nextSample', () => {
  it('has no rates on a first sample, and latencies in ms', () => {
    const { counters, sample } = nextSample(
      undefined,
      {
        node_gets_total: 10,
        node_puts_total: 4,
        node_get_fsm_time_99: 2500,
        node_put_fsm_time_99: 0,
      },
      t0,
    );
    expect(counters).toEqual({ at: t0, gets: 10, puts: 4 });
    expect(sample).toEqual({
      at: '2026-11-30T12:00:00.000Z',
      gets_per_second: null,
      puts_per_second: null,
      get_p99_ms: 2.5,
      put_p99_ms: 0,
    });
  });

  it('computes rates over the time between samples', () => {
    const prev = { at: t0, gets: 10, puts: 4 };
    const { sample } = nextSample(prev, { node_gets_total: 110, node_puts_total: 34 }, t0 + 10_000);
    expect(sample.gets_per_second).toBe(10);
    expect(sample.puts_per_second).toBe(3);
    expect(sample.get_p99_ms).toBeNull();
  });

  it('has no rate after a counter went back (a restarted node) or when a stat is missing', () => {
    const prev = { at: t0, gets: 500, puts: 40 };
    const back = nextSample(prev, { node_gets_total: 3, node_puts_total: 41 }, t0 + 5000);
    expect(back.sample.gets_per_second).toBeNull();
    expect(back.sample.puts_per_second).toBe(0.2);
    const missing = nextSample(prev, { node_gets_total: 'x' }, t0 + 5000);
    expect(missing.counters).toBeUndefined();
    expect(missing.sample.gets_per_second).toBeNull();
  });
});

describe('appendSample', () => {
  it('keeps only the window', () => {
    const s = (at: number) => ({
      at: new Date(at).toISOString(),
      gets_per_second: 1,
      puts_per_second: 1,
      get_p99_ms: null,
      put_p99_ms: null,
    });
    const kept = appendSample(
      [s(t0), s(t0 + 30_000), s(t0 + 61_000)],
      s(t0 + 70_000),
      t0 + 70_000,
      60_000,
    );
    expect(kept.map((x) => x.at)).toEqual(
      [t0 + 30_000, t0 + 61_000, t0 + 70_000].map((x) => new Date(x).toISOString()),
    );
  });
});

describe('StatsHistory', () => {
  const node = (key: string, cluster: string, state: NodeDoc['state']): NodeDoc =>
    ({ key, cluster, state }) as NodeDoc;
  it('samples running nodes only, per cluster, and forgets nodes that are gone', async () => {
    let nodes: NodeDoc[] = [
      node('a', 'c1', 'running'),
      node('b', 'c1', 'starting'),
      node('x', 'c2', 'running'),
    ];
    let gets = 0;
    const asked: string[] = [];
    const history = new StatsHistory({
      store: {
        listClusters: () => Promise.resolve([{ name: 'c1' }, { name: 'c2' }] as ClusterDoc[]),
        listNodes: (c?: string) => Promise.resolve(nodes.filter((n) => n.cluster === c)),
      },
      logger: createLogger('test', { level: 'error' }),
      intervalSeconds: 10,
      fetchStats: (n) => {
        asked.push(n.key);
        if (n.key === 'x') return Promise.reject(new Error('no answer'));
        gets += 50;
        return Promise.resolve({ node_gets_total: gets, node_puts_total: 0 });
      },
    });
    await history.sampleOnce();
    await new Promise((r) => setTimeout(r, 20));
    await history.sampleOnce();
    expect(asked.sort()).toEqual(['a', 'a', 'x', 'x']);
    const v = history.view('c1');
    expect(v.sampling).toBe(false);
    expect(v.interval_seconds).toBe(10);
    expect(Object.keys(v.nodes)).toEqual(['a']);
    expect(v.nodes.a).toHaveLength(2);
    expect(v.nodes.a[1].gets_per_second).toBeGreaterThan(0);
    expect(history.view('c2').nodes).toEqual({});
    nodes = nodes.filter((n) => n.key !== 'a');
    await history.sampleOnce();
    expect(history.view('c1').nodes).toEqual({});
  });
});
