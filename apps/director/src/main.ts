import { CommanderError } from 'commander';
import type { TlsServerFiles } from '@riak-mesos/config';
import { printConfig, printConfigFormat, readTlsServerFiles } from '@riak-mesos/config';
import { createLogger } from '@riak-mesos/logging';
import { randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { Logger } from '@riak-mesos/logging';
import type { CliOptions, DirectorConfig } from './config';
import { ConfigError, buildCommand, resolveConfig } from './config';
import cluster from 'node:cluster';
import { Director } from './director';
import { DirectorPrimary, runWorker } from './workers';

/** Where a director without a configured token keeps the one it makes (its working directory). */
const TOKEN_FILE = 'director-api-token';

/**
 * The API's token: the configured one, else a random one made now and written (readable by this
 * user only) to `director-api-token` in the working directory (docs/security.md).
 */
function withApiToken(config: DirectorConfig, logger: Logger): DirectorConfig {
  if (!config.api.enabled || config.apiToken) return config;
  if (config.insecureNoAuth) {
    logger.warn(
      'the API takes changes WITHOUT authentication (--insecure-no-auth): anyone who reaches it can re-point the director',
      { host: config.api.host, port: config.api.port },
    );
    return config;
  }
  const token = randomBytes(32).toString('base64url');
  const file = resolvePath(TOKEN_FILE);
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  logger.info('API token made (changes need it as Authorization: Bearer)', { file });
  return { ...config, apiToken: token };
}

/** Exit codes: 0 normal stop, 1 runtime failure (e.g. a port in use), 2 bad configuration. */
async function main(argv: string[]): Promise<number> {
  const command = buildCommand()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
    });
  let flags: CliOptions;
  try {
    command.parse(argv);
    flags = command.opts<CliOptions>();
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      return 2;
    }
    throw err;
  }
  let logger;
  try {
    logger = createLogger('director');
  } catch (err) {
    process.stderr.write(`riak-mesos-director: ${(err as Error).message}\n`);
    return 2;
  }
  let resolved;
  try {
    resolved = resolveConfig(flags);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`riak-mesos-director: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const format = printConfigFormat(flags);
  if (format) {
    process.stdout.write(printConfig(resolved, format));
    return 0;
  }
  const tlsFiles = () =>
    readTlsServerFiles({ cert: resolved.config.tlsCert, key: resolved.config.tlsKey });
  let tls: TlsServerFiles | undefined;
  try {
    tls = resolved.config.api.enabled ? tlsFiles() : undefined;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`riak-mesos-director: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  // A worker of `--workers N` proxies and follows its primary, which owns everything else.
  if (resolved.config.workers > 1 && cluster.isWorker) return runWorker(resolved.config, logger);
  const config = withApiToken(resolved.config, logger);
  const director =
    config.workers > 1
      ? new DirectorPrimary(config, logger, tls)
      : new Director(config, { logger, ...(tls ? { tls } : {}) });
  try {
    await director.start();
  } catch (err) {
    logger.error('cannot start', { error: (err as Error).message });
    return 1;
  }
  logger.info('director started', {
    framework: config.framework,
    cluster: config.cluster,
    pb: director.ports.pb,
    http: director.ports.http,
    api: director.ports.api ?? 'disabled',
    workers: config.workers,
    ...(config.workers > 1 ? { workerAccept: config.workerAccept } : {}),
  });
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        logger.warn('second signal: exiting now', { signal });
        resolve(1);
        return;
      }
      stopping = true;
      logger.info('stopping', { signal, graceMs: config.shutdownGraceMs });
      director.stop().then(
        () => resolve(0),
        (err: unknown) => {
          logger.error('error while stopping', { error: (err as Error).message });
          resolve(1);
        },
      );
    };
    // SIGHUP: the certificate and key files again (renewed); a bad pair keeps the previous one.
    // Only with TLS: otherwise SIGHUP keeps its default (the process ends), as before.
    if (tls)
      process.on('SIGHUP', () => {
        try {
          const next = tlsFiles();
          if (next && director.reloadTls(next))
            logger.info('TLS certificate reloaded (SIGHUP)', { cert: config.tlsCert });
        } catch (err) {
          logger.error('TLS certificate NOT reloaded; the previous one stays in use', {
            error: (err as Error).message,
          });
        }
      });
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}

main(process.argv).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`riak-mesos-director: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
