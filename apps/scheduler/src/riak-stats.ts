import type { StatsHistoryView, StatsSample } from '@riak-mesos/framework-contract';
import type { Logger } from '@riak-mesos/logging';
import { z } from 'zod';
import type { NodeDoc } from './model';
import type { SchedulerStore } from './store';

/** Riak's `/stats`: an object of stats. */
const riakStatsSchema = z.record(z.string(), z.unknown());
export type RiakStats = z.output<typeof riakStatsSchema>;

/** Why a node's `/stats` could not be had: not running, no answer, or not an object. */
export class StatsUnavailableError extends Error {
  constructor(
    message: string,
    readonly notRunning = false,
  ) {
    super(message);
    this.name = 'StatsUnavailableError';
  }
}

/** Reads a running node's `/stats` from its Riak HTTP listener (3 s at most). */
export async function fetchRiakStats(node: NodeDoc, timeoutMs = 3000): Promise<RiakStats> {
  if (node.state !== 'running' || !node.hostname || !node.ports)
    throw new StatsUnavailableError(`node '${node.key}' is ${node.state}, not running`, true);
  const answer = await fetch(`http://${node.hostname}:${node.ports.http}/stats`, {
    signal: AbortSignal.timeout(timeoutMs),
  }).catch((err: Error) => {
    throw new StatsUnavailableError(`node '${node.key}' did not answer: ${err.message}`);
  });
  if (!answer.ok)
    throw new StatsUnavailableError(
      `node '${node.key}' answered /stats with HTTP ${answer.status}`,
    );
  const stats = riakStatsSchema.safeParse(await answer.json().catch(() => undefined));
  if (!stats.success)
    throw new StatsUnavailableError(
      `node '${node.key}' answered /stats with something else than an object`,
    );
  return stats.data;
}

/** A node's counters at one sample, to compute the next sample's rates from. */
export interface StatCounters {
  at: number;
  gets: number;
  puts: number;
}

const count = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;

/**
 * One sample from a node's stats and its previous counters: rates from Riak's cumulative
 * `node_gets_total` / `node_puts_total` (null on the first sample, after a counter went back, as
 * when the node restarted, or when the stat is missing); p99 latencies from Riak's
 * `node_get_fsm_time_99` / `node_put_fsm_time_99` (microseconds over Riak's last minute).
 */
export function nextSample(
  prev: StatCounters | undefined,
  stats: RiakStats,
  now: number,
): { counters?: StatCounters; sample: StatsSample } {
  const gets = count(stats.node_gets_total);
  const puts = count(stats.node_puts_total);
  const counters = gets !== undefined && puts !== undefined ? { at: now, gets, puts } : undefined;
  const seconds = prev ? (now - prev.at) / 1000 : 0;
  const rate = (cur: number | undefined, before: number | undefined) =>
    cur === undefined || before === undefined || seconds <= 0 || cur < before
      ? null
      : round((cur - before) / seconds);
  const ms = (v: unknown) => {
    const us = count(v);
    return us === undefined ? null : round(us / 1000);
  };
  return {
    ...(counters ? { counters } : {}),
    sample: {
      at: new Date(now).toISOString(),
      gets_per_second: rate(gets, prev?.gets),
      puts_per_second: rate(puts, prev?.puts),
      get_p99_ms: ms(stats.node_get_fsm_time_99),
      put_p99_ms: ms(stats.node_put_fsm_time_99),
    },
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Keeps samples no older than `windowMs` before `now` (oldest first), and appends one. */
export function appendSample(
  samples: StatsSample[],
  sample: StatsSample,
  now: number,
  windowMs: number,
): StatsSample[] {
  const kept = samples.filter((s) => now - Date.parse(s.at) < windowMs);
  kept.push(sample);
  return kept;
}

export interface StatsHistoryDeps {
  store: Pick<SchedulerStore, 'listClusters' | 'listNodes'>;
  logger: Logger;
  /** Seconds between samples; 0 = off. */
  intervalSeconds: number;
  /** How long samples are kept (default one hour). */
  windowSeconds?: number;
  fetchStats?: (node: NodeDoc) => Promise<RiakStats>;
}

/**
 * The leading scheduler's sampler: every `intervalSeconds`, each running node's `/stats` becomes
 * one sample (./nextSample), kept in memory for the window (an hour: 360 samples a node at the
 * default 10 s). Nodes not running are not asked; a node that does not answer gets no sample
 * that round. Samples of nodes that are gone are dropped. A new leader starts empty.
 */
export class StatsHistory {
  private readonly counters = new Map<string, StatCounters>();
  private readonly samples = new Map<string, { cluster: string; list: StatsSample[] }>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly windowMs: number;
  private readonly fetchStats: (node: NodeDoc) => Promise<RiakStats>;

  constructor(private readonly d: StatsHistoryDeps) {
    this.windowMs = (d.windowSeconds ?? 3600) * 1000;
    this.fetchStats = d.fetchStats ?? ((n) => fetchRiakStats(n));
  }

  get sampling(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer || this.d.intervalSeconds <= 0) return;
    this.timer = setInterval(() => void this.sampleOnce(), this.d.intervalSeconds * 1000);
    this.timer.unref();
    void this.sampleOnce();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round over every running node (a round still going is not started again). */
  sampleOnce(): Promise<void> {
    this.running ??= this.round().finally(() => (this.running = undefined));
    return this.running;
  }

  private async round(): Promise<void> {
    const seen = new Set<string>();
    try {
      for (const c of await this.d.store.listClusters()) {
        const nodes = await this.d.store.listNodes(c.name);
        await Promise.all(
          nodes.map(async (n) => {
            seen.add(n.key);
            if (n.state !== 'running') return;
            const stats = await this.fetchStats(n).catch((err: Error) => {
              this.d.logger.debug('no stats from a running node this round', {
                node: n.key,
                error: err.message,
              });
              return undefined;
            });
            if (stats) this.add(n, stats, Date.now());
          }),
        );
      }
    } catch (err) {
      this.d.logger.warn('stats sampling round failed', { error: (err as Error).message });
      return;
    }
    for (const key of [...this.samples.keys()])
      if (!seen.has(key)) {
        this.samples.delete(key);
        this.counters.delete(key);
      }
  }

  private add(n: NodeDoc, stats: RiakStats, now: number): void {
    const { counters, sample } = nextSample(this.counters.get(n.key), stats, now);
    if (counters) this.counters.set(n.key, counters);
    else this.counters.delete(n.key);
    const cur = this.samples.get(n.key)?.list ?? [];
    this.samples.set(n.key, {
      cluster: n.cluster,
      list: appendSample(cur, sample, now, this.windowMs),
    });
  }

  view(cluster: string): StatsHistoryView {
    const nodes: Record<string, StatsSample[]> = {};
    for (const [key, s] of this.samples) if (s.cluster === cluster) nodes[key] = [...s.list];
    return {
      cluster,
      interval_seconds: Math.max(0, Math.round(this.d.intervalSeconds)),
      window_seconds: this.windowMs / 1000,
      sampling: this.sampling,
      nodes,
    };
  }
}
