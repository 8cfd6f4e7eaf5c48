import { hostname } from 'node:os';
import { CommanderError } from 'commander';
import type { Resolved, TlsServerFiles } from '@riak-mesos/config';
import {
  printConfig,
  printConfigFormat,
  readCaFile,
  readCertificates,
  readTlsServerFiles,
} from '@riak-mesos/config';
import { createLogger } from '@riak-mesos/logging';
import { validateAdvancedConfigTemplate, validateRiakConfTemplate } from '@riak-mesos/riak-config';
import type { ZkClient } from '@riak-mesos/zk';
import { LeaderElection, parseConnectString } from '@riak-mesos/zk';
import type { ApiAuth } from './api/auth';
import { schedulerSecrets } from './api/auth';
import type { ApiServer } from './api/server';
import { shownUrl } from './api/routes';
import { startApiServer } from './api/server';
import type { CliOptions, SchedulerConfig } from './config';
import {
  ConfigError,
  buildCommand,
  localPackagePath,
  mesosInClear,
  resolveConfig,
  verifyRiakPackages,
} from './config';
import { EventHub } from './events';
import { Driver } from './framework/driver';
import { driverNodeViews } from './framework/node-views';
import { SchedulerMetrics } from './metrics';
import { StatsHistory } from './riak-stats';
import { SchedulerStore } from './store';
import { ConfigVersions } from './config-versions';
import { connectSchedulerZk } from './zk-access';

const log = createLogger('scheduler');

function fail(message: string, code = 2): never {
  process.stderr.write(`riak-mesos-scheduler: ${message}\n`);
  process.exit(code);
}

/** Checks the local Riak packages' sha256 (exit 2 on a mismatch) and says what is not checked. */
async function checkRiakPackages(config: SchedulerConfig): Promise<void> {
  try {
    for (const v of await verifyRiakPackages(config.riakVersions))
      log.info('Riak package checked', { version: v.name, file: v.url, sha256: v.sha256 });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  for (const v of config.riakVersions) {
    const local = localPackagePath(v.url) !== undefined;
    if (local && v.sha256) continue;
    log.info(
      local
        ? 'Riak package not checked: no sha256 (an old-style resourceUrls entry)'
        : 'Riak package not checked here: the Mesos fetcher does not verify checksums',
      { version: v.name, url: shownUrl(v.url), ...(v.sha256 ? { sha256: v.sha256 } : {}) },
    );
  }
  if (config.riakVersions.length === 0)
    log.warn('no Riak versions configured (--riak-versions): clusters cannot be created');
}

/**
 * Who may use the API (docs/security.md): the configured credentials, else the token kept in
 * ZooKeeper (made at the first start); executors' credentials under the key kept beside it.
 */
async function apiAuth(
  config: SchedulerConfig,
  zk: ZkClient,
  store: SchedulerStore,
): Promise<ApiAuth> {
  const configured = Boolean(config.apiToken || config.apiBasic);
  const secrets = await schedulerSecrets(zk, store.layout, !configured && !config.insecureNoAuth);
  if (config.insecureNoAuth)
    log.warn(
      'the API runs WITHOUT authentication (--insecure-no-auth): anyone who reaches it can change or destroy clusters',
      { ip: config.ip, port: config.port },
    );
  else
    log.info('API authentication', {
      credentials: configured ? 'configured' : 'token in ZooKeeper (riak-mesos framework token)',
    });
  return {
    ...(config.apiToken ? { token: config.apiToken } : {}),
    ...(config.apiBasic ? { basic: config.apiBasic } : {}),
    ...(secrets.apiToken ? { token: secrets.apiToken } : {}),
    executorKey: secrets.executorKey,
    insecure: config.insecureNoAuth,
    metricsOpen: config.metricsAuth === 'open',
    allowedHosts: [...new Set([config.hostname, hostname(), config.ip, ...config.allowedHosts])],
  };
}

/** The TLS material of the configuration, read and checked; what executors trust. */
interface TlsMaterial {
  /** The API's certificate and key (https), or none (http). */
  api?: TlsServerFiles;
  /** PEM the executors trust for the API (`--tls-ca-file`, else the certificate file). */
  executorCa?: string;
  /** Trusted for https Mesos masters: Node's roots and `--mesos-ca-file`. */
  mesosCa?: string[];
}

/** Reads the TLS files (docs/security.md); throws ConfigError naming the setting. */
function readTls(config: SchedulerConfig): TlsMaterial {
  const api = readTlsServerFiles({ cert: config.tlsCert, key: config.tlsKey });
  const executorCa =
    api &&
    (config.tlsCaFile
      ? readCertificates(config.tlsCaFile, 'tlsCaFile (--tls-ca-file)')
      : readCertificates(config.tlsCert!, 'tlsCert (--tls-cert)'));
  const mesosCa = readCaFile(config.mesosCaFile, 'mesosCaFile (--mesos-ca-file)');
  return {
    ...(api ? { api } : {}),
    ...(executorCa ? { executorCa } : {}),
    ...(mesosCa ? { mesosCa } : {}),
  };
}

async function run(config: SchedulerConfig): Promise<void> {
  let tls: TlsMaterial;
  try {
    tls = readTls(config);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  if (config.secret && mesosInClear(config))
    log.warn(
      'the Mesos secret goes to the master over plain http (--allow-insecure-mesos-auth): anyone on the path can read it',
      { master: config.master },
    );
  await checkRiakPackages(config);
  let zk: ZkClient;
  try {
    zk = await connectSchedulerZk({
      connect: config.zk,
      framework: config.name,
      ...(config.zkAuth ? { credentials: config.zkAuth } : {}),
      connectTimeoutMs: 30000,
      logger: log,
    });
  } catch (err) {
    fail(`cannot use ZooKeeper at ${config.zk}: ${(err as Error).message}`, 1);
  }
  const store = new SchedulerStore(zk, config.name);
  await store.init();
  const auth = await apiAuth(config, zk, store);
  const events = new EventHub();
  events.follow(store);
  const metrics = new SchedulerMetrics(store);
  const zkParsed = parseConnectString(config.zk);
  let driver: Driver | undefined;
  let statsHistory: StatsHistory | undefined;
  // Set once the API listens (its address goes into the election data).
  const ref: { election?: LeaderElection } = {};

  const api: ApiServer = await startApiServer({
    host: config.ip,
    port: config.port,
    store,
    events,
    logger: log,
    metrics,
    riakCatalogue: () => config.riakVersions,
    nodeResources: () => config.node,
    permanentFailureTimeoutSeconds: config.permanentFailureTimeoutSeconds,
    isLeader: () => ref.election?.isLeader ?? false,
    leaderUrl: async () => {
      const data = await ref.election?.leaderData().catch(() => null);
      return data ? (JSON.parse(data.toString()) as { url?: string }).url : undefined;
    },
    frameworkStatus: () => ({
      registered: driver?.registered ?? false,
      frameworkId: driver?.client.frameworkId,
    }),
    validateRiakConf: validateRiakConfTemplate,
    validateAdvancedConfig: validateAdvancedConfigTemplate,
    nodeViews: driverNodeViews(() => driver),
    handoffOf: (cluster) => driver?.handoff.status(cluster),
    offerEvaluations: () => driver?.offerLog.latest(),
    unknownReservations: () => driver?.unknown,
    orphanTasks: () => {
      const d = driver;
      return d
        ? {
            list: () => d.orphans.list(),
            kill: (taskId: string) => d.killOrphan(taskId),
            adopt: (taskId: string) => d.adoptOrphan(taskId),
          }
        : undefined;
    },
    statsHistory: () => statsHistory,
    statsIntervalSeconds: config.statsIntervalSeconds,
    auth,
    ...(tls.api ? { tls: tls.api } : {}),
  });
  const url = `${tls.api ? 'https' : 'http'}://${config.hostname}:${api.port}`;
  log.info('API listening', { url, tls: Boolean(tls.api) });
  // SIGHUP: read the certificate, key and CA files again (renewed certificates); new
  // connections and tasks launched from now on use them. A bad file keeps the previous ones.
  // Only with TLS: otherwise SIGHUP keeps its default (the process ends), as before.
  if (tls.api)
    process.on('SIGHUP', () => {
      try {
        const next = readTls(config);
        api.reloadTls(next.api!);
        tls = next;
        log.info('TLS certificate reloaded (SIGHUP)', { cert: config.tlsCert });
      } catch (err) {
        log.error('TLS certificate NOT reloaded; the previous one stays in use', {
          error: (err as Error).message,
        });
      }
    });

  const stopAll = async (code: number) => {
    await driver?.stop().catch(() => undefined);
    await statsHistory?.stop().catch(() => undefined);
    await ref.election?.stop().catch(() => undefined);
    await api.close().catch(() => undefined);
    await zk.close().catch(() => undefined);
    process.exit(code);
  };

  const election = new LeaderElection(
    zk,
    store.layout.schedulerLeader,
    JSON.stringify({ url }),
    log,
  );
  ref.election = election;
  election.on('elected', () => {
    // Fencing: from now on every write of this scheduler also checks that its own election node
    // still exists, so nothing it still had queued can land once another scheduler may lead.
    zk.setFence(`${store.layout.schedulerLeader}/${election.memberNode!}`);
    void (async () => {
      metrics.leader.set(1);
      events.publish({ type: 'scheduler', state: 'leader' });
      // Configuration versions: version 1 for clusters of an older scheduler, and a new version
      // when the leader's node resources settings differ from the target's (docs/operations.md).
      await new ConfigVersions(store, log).migrate(
        config.node,
        config.riakVersions.map((v) => v.name),
      );
      const doc = await store.getScheduler();
      log.info('leading: subscribing to Mesos', {
        frameworkId: doc.frameworkId ?? null,
        master: config.master,
      });
      const d = new Driver(
        {
          config,
          store,
          events,
          metrics,
          logger: log,
          schedulerUrl: url,
          schedulerCa: () => tls.executorCa,
          ...(tls.mesosCa ? { mesosCa: tls.mesosCa } : {}),
          executorKey: auth.executorKey,
          zookeepers: zkParsed.servers.map((s) => `${s.host}:${s.port}`),
          zookeeperChroot: zkParsed.chroot,
        },
        doc.frameworkId,
      );
      d.onFatal = (err) => {
        void (async () => {
          if (config.reregisterOnUnknownFrameworkId && doc.frameworkId) {
            log.warn('Mesos no longer knows our framework id; registering anew as configured', {
              error: err.message,
            });
            await store.updateScheduler((x) => ({ ...x, frameworkId: undefined }));
          } else
            log.error(
              'Mesos refused the framework (its failover timeout may have passed); start with --reregister-on-unknown-framework-id to register anew',
              { error: err.message, frameworkId: doc.frameworkId },
            );
          await stopAll(1);
        })();
      };
      driver = d;
      d.start();
      // Throughput and latency of the running nodes for the explorer (the leader samples).
      statsHistory = new StatsHistory({
        store,
        logger: log,
        intervalSeconds: config.statsIntervalSeconds,
      });
      statsHistory.start();
    })().catch((err: Error) => {
      log.error('could not start leading', { error: err.message });
      void stopAll(1);
    });
  });
  election.on('revoked', (reason: string) => {
    // Another instance may lead from now on: stop at once, Marathon restarts us as a standby.
    log.error('leadership lost; exiting so that only one scheduler acts', { reason });
    metrics.leader.set(0);
    void stopAll(1);
  });
  await election.start();
  if (!election.isLeader) {
    events.publish({ type: 'scheduler', state: 'standby' });
    log.info('standing by: another scheduler leads', {
      leader: (await election.leaderData().catch(() => null))?.toString(),
    });
  }
  for (const sig of ['SIGTERM', 'SIGINT'] as const)
    process.once(sig, () => {
      log.info('stopping (the framework keeps running in Mesos for failover)', { signal: sig });
      void stopAll(0);
    });
}

function main(): void {
  const program = buildCommand().exitOverride();
  let opts: CliOptions;
  try {
    program.parse(process.argv);
    opts = program.opts<CliOptions>();
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
    throw err;
  }
  let resolved: Resolved<SchedulerConfig>;
  try {
    resolved = resolveConfig(opts, process.env, hostname());
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const format = printConfigFormat({ ...opts });
  if (format) {
    process.stdout.write(printConfig(resolved, format));
    return;
  }
  const config = resolved.config;
  run(config).catch((err: Error) => fail(`unexpected error: ${err.stack ?? err.message}`, 1));
}

main();
