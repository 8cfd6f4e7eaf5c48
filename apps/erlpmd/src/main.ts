import { CommanderError } from 'commander';
import { printConfig } from '@riak-mesos/config';
import { createLogger } from '@riak-mesos/logging';
import { EpmdClient, EpmdServer, MemoryStore, ZkStore } from '@riak-mesos/epmd';
import type { NodeZkAuth } from '@riak-mesos/framework-contract';
import { splitZkCredential } from '@riak-mesos/framework-contract';
import { ZkClient, digestId, frameworkLayout, frameworkZkOptions } from '@riak-mesos/zk';
import { resolveOptions } from './args';

/** Acts as the node identity; registrations get the framework's ACL rule. */
function zkOptions(framework: string, auth: NodeZkAuth) {
  const node = splitZkCredential(auth.node);
  return frameworkZkOptions(frameworkLayout(framework), node, {
    scheduler: auth.schedulerId,
    node: digestId(node.user, node.password),
    director: auth.directorId,
  });
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = resolveOptions(process.argv.slice(2));
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    process.stderr.write(`erlpmd: ${(err as Error).message}\n`);
    return 2;
  }
  if (parsed.printConfig) {
    process.stdout.write(printConfig(parsed.resolved, parsed.printConfig));
    return 0;
  }
  const o = parsed.options;
  const client = new EpmdClient({
    port: o.port,
    host: o.address[0] === '0.0.0.0' ? '127.0.0.1' : o.address[0],
  });
  try {
    if (o.names) {
      const { epmdPort, nodes } = await client.names();
      process.stdout.write(
        `epmd: up and running on port ${epmdPort} with data:\n${nodes.map((n) => `name ${n.name} at port ${n.port}\n`).join('')}`,
      );
      return 0;
    }
    if (o.dump) {
      process.stdout.write(await client.dump());
      return 0;
    }
    if (o.kill) {
      const answer = await client.kill();
      process.stdout.write(
        answer === 'OK' ? 'Killed\n' : 'Killing not allowed - living nodes in database.\n',
      );
      return answer === 'OK' ? 0 : 1;
    }
    if (o.stop) {
      const answer = await client.stop(o.stop);
      process.stdout.write(
        answer ? `${answer}\n` : 'STOP not allowed (start the EPMD with -relaxed_command_check)\n',
      );
      return answer === 'STOPPED' ? 0 : 1;
    }
  } catch (err) {
    process.stderr.write(
      `erlpmd: cannot talk to the EPMD on port ${o.port}: ${(err as Error).message}\n`,
    );
    return 1;
  }

  const logger = createLogger('erlpmd', o.debug ? { level: 'debug' } : {});
  let zk: ZkClient | undefined;
  try {
    if (o.zk && !o.zkAuth)
      logger.warn(
        'ZooKeeper is OPEN: no credentials (--zk-auth-file, ERLPMD_ZK_AUTH_FILE), so anyone who reaches ZooKeeper can change the registrations',
        { framework: o.framework },
      );
    zk = o.zk
      ? await ZkClient.connect({
          connect: o.zk,
          logger,
          ...(o.zkAuth ? zkOptions(o.framework, o.zkAuth) : {}),
        })
      : undefined;
  } catch (err) {
    logger.error('cannot connect to ZooKeeper', { error: (err as Error).message });
    return 1;
  }
  const store = zk ? new ZkStore(zk, o.framework, o.host, logger) : new MemoryStore();
  let stopping = false;
  const server = new EpmdServer({
    port: o.port,
    addresses: o.address,
    relaxedCommandCheck: o.relaxedCommandCheck,
    transport: o.transport,
    store,
    logger,
    onKill: () => void stop('KILL'),
  });
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { reason: why });
    await server.stop();
    await zk?.close();
    process.exit(0);
  };
  try {
    await server.start();
  } catch (err) {
    logger.error('cannot listen', {
      port: o.port,
      addresses: o.address,
      error: (err as Error).message,
    });
    await zk?.close();
    return 1;
  }
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  return -1;
}

main().then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`erlpmd: ${err.message}\n`);
    process.exitCode = 1;
  },
);
