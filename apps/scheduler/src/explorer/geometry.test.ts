import type { StatsHistoryView } from '@riak-mesos/framework-contract';
import { arcPath, chartLines, colourOf, niceTop, percent, ringArcs } from './geometry';

describe('ring arcs', () => {
  it('gives each member an arc as long as its share, in order, one colour each', () => {
    const arcs = ringArcs([
      { name: 'a@h', status: 'valid', ring: '50.0%', pendingRing: '--' },
      { name: 'b@h', status: 'valid', ring: '25.0%', pendingRing: '--' },
      { name: 'c@h', status: 'joining', ring: '25.0%', pendingRing: '33.3%' },
    ]);
    expect(arcs.map((a) => [a.start, a.end])).toEqual([
      [0, 0.5],
      [0.5, 0.75],
      [0.75, 1],
    ]);
    expect(new Set(arcs.map((a) => a.colour)).size).toBe(3);
    expect(arcs[0].pending).toBeUndefined();
    expect(arcs[2].pending).toBe(33.3);
  });

  it("closes the turn despite Riak's rounding, and gives a member owning nothing no length", () => {
    const arcs = ringArcs([
      { name: 'a', status: 'valid', ring: '33.3%' },
      { name: 'b', status: 'valid', ring: '33.3%' },
      { name: 'c', status: 'valid', ring: '33.3%' },
      { name: 'd', status: 'joining', ring: '0.0%', pendingRing: '25.0%' },
    ]);
    expect(arcs[2].end).toBeCloseTo(1);
    expect(arcs[3].end - arcs[3].start).toBe(0);
    expect(arcs[3].pending).toBe(25);
  });

  it('reads percentages as Riak prints them', () => {
    expect(percent('40.6%')).toBe(40.6);
    expect(percent('100%')).toBe(100);
    expect(percent('--')).toBeUndefined();
    expect(percent(undefined)).toBeUndefined();
  });

  it('draws a segment clockwise from 12 o’clock, and a whole turn as two halves', () => {
    expect(arcPath(50, 50, 40, 20, 0, 0.25)).toBe(
      'M 50 10 A 40 40 0 0 1 90 50 L 70 50 A 20 20 0 0 0 50 30 Z',
    );
    expect(arcPath(50, 50, 40, 20, 0, 1).match(/M /g)).toHaveLength(2);
    expect(colourOf(0)).not.toBe(colourOf(1));
  });
});

describe('throughput chart', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  const at = (s: number) => new Date(now - s * 1000).toISOString();
  const history: StatsHistoryView = {
    cluster: 'default',
    interval_seconds: 10,
    window_seconds: 3600,
    sampling: true,
    nodes: {
      n1: [
        {
          at: at(20),
          gets_per_second: null,
          puts_per_second: null,
          get_p99_ms: 1,
          put_p99_ms: 2,
        },
        { at: at(10), gets_per_second: 30, puts_per_second: 5, get_p99_ms: 1, put_p99_ms: 2 },
        { at: at(0), gets_per_second: 70, puts_per_second: 8, get_p99_ms: 1, put_p99_ms: 3 },
      ],
    },
  };

  it('draws one line per node, leaving out samples without a value', () => {
    const chart = chartLines(history, 'gets_per_second', ['n1', 'n2'], now, 360, 100);
    expect(chart.top).toBe(100);
    // 20 s of samples at 10 s: the box spans 30 intervals (300 s), the samples its last 20 s.
    expect(chart.seconds).toBe(300);
    expect(chart.lines[0]).toMatchObject({ node: 'n1', count: 2, last: 70, max: 70 });
    expect(chart.lines[0].path).toBe('M 348 70 L 360 30');
    expect(chart.lines[1]).toMatchObject({ node: 'n2', count: 0, path: '', last: undefined });
  });

  it('spans from the oldest sample, at most the window', () => {
    const old = { ...history, nodes: { n1: [{ ...history.nodes.n1[1], at: at(7200) }] } };
    expect(chartLines(old, 'gets_per_second', ['n1'], now, 360, 100).seconds).toBe(3600);
    const mid = { ...history, nodes: { n1: [{ ...history.nodes.n1[1], at: at(1800) }] } };
    const chart = chartLines(mid, 'gets_per_second', ['n1'], now, 360, 100);
    expect(chart.seconds).toBe(1800);
    expect(chart.lines[0].path).toBe('M 0 40');
  });

  it('breaks the line where samples are missing', () => {
    const gappy = {
      ...history,
      nodes: {
        n1: [60, 50, 10, 0].map((ago) => ({ ...history.nodes.n1[1], at: at(ago) })),
      },
    };
    const chart = chartLines(gappy, 'gets_per_second', ['n1'], now, 300, 100);
    expect(chart.lines[0].path).toBe('M 240 40 L 250 40 M 290 40 L 300 40');
  });

  it('rounds the top up to 1, 2 or 5 times a power of ten', () => {
    expect(niceTop(0)).toBe(1);
    expect(niceTop(3)).toBe(5);
    expect(niceTop(120)).toBe(200);
    expect(niceTop(500)).toBe(500);
  });
});
