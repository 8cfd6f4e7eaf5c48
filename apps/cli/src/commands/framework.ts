import type { Command } from 'commander';
import {
  healthAnswerSchema,
  nodeAnswerSchema,
  orphanTaskAnswerSchema,
  orphanTasksAnswerSchema,
  healthcheckViewSchema,
  unknownReservationAnswerSchema,
  unknownReservationsAnswerSchema,
} from '@riak-mesos/framework-contract';
import { parseAnswer } from '../answers';
import type { Context } from '../context';
import { CliError } from '../errors';
import { readFrameworkToken } from '../framework-token';
import { Marathon, directorApp, directorAppId, schedulerApp } from '../marathon';

type Ctx = () => Context;

export function registerFramework(program: Command, ctx: Ctx): void {
  const fw = program
    .command('framework')
    .description('install, inspect and remove the framework (scheduler)');

  fw.command('install')
    .description('install the scheduler as a Marathon app')
    .option('--dry-run', 'print the Marathon app definition instead of installing it')
    .action(async (o: { dryRun?: boolean }) => {
      const c = ctx();
      const app = schedulerApp(c.config);
      if (o.dryRun) return c.print(JSON.stringify(app, null, 2));
      await new Marathon(c.config).install(app);
      c.result({ installed: app.id }, () =>
        c.print(
          `scheduler installed as Marathon app ${app.id}; 'riak-mesos framework wait-for-service' waits for it`,
        ),
      );
    });

  fw.command('uninstall')
    .description(
      'remove the scheduler app from Marathon (clusters keep running until the failover timeout)',
    )
    .action(async () => {
      const c = ctx();
      const id = `/${c.config.frameworkName}`;
      const removed = await new Marathon(c.config).uninstall(id);
      if (!removed) throw new CliError(`Marathon has no app ${id}`);
      c.result({ uninstalled: id }, () => c.print(`Marathon app ${id} removed`));
    });

  const status = async (c: Context) => {
    const scheduler = await c.scheduler();
    const { body } = await scheduler.get('/healthcheck');
    return parseAnswer(healthcheckViewSchema, body, 'GET /healthcheck');
  };

  fw.command('status')
    .description('scheduler health, leadership and registration')
    .action(async () => {
      const c = ctx();
      const s = await status(c);
      c.result(s, () =>
        c.table(
          ['Field', 'Value'],
          [
            ['status', s.status],
            ['leader', s.leader],
            ['registered', s.registered],
            ['framework id', s.framework_id],
          ],
        ),
      );
    });

  fw.command('reservations')
    .description(
      'reservations offered in the role that no record of this framework owns (kept, never released by the scheduler); --release ID --yes releases one, destroying its volume',
    )
    .option('--release <id>', 'release this reservation and destroy its volumes')
    .option('--yes', 'confirm --release: the data on its volumes is lost')
    .action(async (o: { release?: string; yes?: boolean }) => {
      const c = ctx();
      if (o.release !== undefined) {
        if (!o.yes)
          throw new CliError(
            `releasing reservation ${o.release} destroys its volumes and their data; add --yes to confirm`,
          );
        const body = await c.call(
          unknownReservationAnswerSchema,
          'DELETE',
          `/debug/reservations/${encodeURIComponent(o.release)}`,
        );
        c.result(body, () =>
          c.print(
            `reservation ${body.reservation.id} on ${body.reservation.hostname} will be released with the next offer holding it`,
          ),
        );
        return;
      }
      const body = await c.call(unknownReservationsAnswerSchema, 'GET', '/debug/reservations');
      c.result(body, () =>
        body.reservations.length
          ? c.table(
              ['Id', 'Agent', 'Labels', 'Volumes', 'Why kept', 'Release asked'],
              body.reservations.map((r) => [
                r.id,
                r.hostname,
                Object.entries(r.labels)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(' '),
                r.volumes.join(' ') || '-',
                r.reason,
                r.release_requested,
              ]),
            )
          : c.print('no unknown reservations have been offered to the scheduler'),
      );
    });

  fw.command('orphans')
    .description(
      'tasks Mesos reports for the framework that no node record owns (kept running, never stopped by the scheduler); --adopt TASK --yes makes a node record for one, --kill TASK --yes kills one',
    )
    .option(
      '--adopt <task>',
      'make a node record for this task from its reservation (its cluster must exist)',
    )
    .option('--kill <task>', 'kill this task')
    .option('--yes', 'confirm --adopt or --kill')
    .action(async (o: { adopt?: string; kill?: string; yes?: boolean }) => {
      const c = ctx();
      if (o.adopt !== undefined && o.kill !== undefined)
        throw new CliError('--adopt and --kill exclude each other: give one');
      if (o.adopt !== undefined) {
        if (!o.yes)
          throw new CliError(
            `adopting task ${o.adopt} makes the scheduler manage it as a node of its cluster (relaunch, joins, removal); add --yes to confirm`,
          );
        const body = await c.call(
          nodeAnswerSchema,
          'POST',
          `/debug/orphans/${encodeURIComponent(o.adopt)}/adopt`,
        );
        c.result(body, () =>
          c.print(
            `task ${o.adopt} adopted as node ${body.node.name} of ${body.node.cluster} (volume ${body.node.persistence_id})`,
          ),
        );
        return;
      }
      if (o.kill !== undefined) {
        if (!o.yes)
          throw new CliError(
            `killing task ${o.kill} stops the Riak node it runs, which may be a ring member serving data; add --yes to confirm`,
          );
        const body = await c.call(
          orphanTaskAnswerSchema,
          'DELETE',
          `/debug/orphans/${encodeURIComponent(o.kill)}`,
        );
        c.result(body, () => c.print(`task ${body.task.task_id} is being killed`));
        return;
      }
      const body = await c.call(orphanTasksAnswerSchema, 'GET', '/debug/orphans');
      c.result(body, () =>
        body.tasks.length
          ? c.table(
              ['Task', 'Agent', 'Executor', 'State', 'First seen', 'Kill asked'],
              body.tasks.map((t) => [
                t.task_id,
                t.agent_id ?? '-',
                t.executor_id ?? '-',
                t.state,
                t.first_seen,
                t.kill_requested,
              ]),
            )
          : c.print('every task Mesos reported has a node record'),
      );
    });

  fw.command('token')
    .description(
      "print the scheduler API's token, which the scheduler made at its first start and keeps in ZooKeeper",
    )
    .option('--zk <connect>', 'ZooKeeper (default: RIAK_MESOS_ZK, riak.zk, or the local system)')
    .option(
      '--zk-auth-file <file>',
      "the framework's ZooKeeper credentials, as the scheduler's (default: RIAK_MESOS_ZK_AUTH_FILE, or the local system's)",
    )
    .action(async (o: { zk?: string; zkAuthFile?: string }) => {
      const c = ctx();
      const zk = o.zk ?? c.zkConnect();
      if (!zk)
        throw new CliError(
          'where is ZooKeeper? give --zk host:port[/chroot], set RIAK_MESOS_ZK or riak.zk in the config file, or start the local system',
        );
      const token = await readFrameworkToken(
        zk,
        c.config.frameworkName,
        undefined,
        c.zkAuth(o.zkAuthFile),
      );
      if (!token)
        throw new CliError(
          `ZooKeeper at ${zk} holds no API token for framework '${c.config.frameworkName}': the scheduler has not started yet, was given credentials (--api-token-file, --api-basic-file), or runs with --insecure-no-auth`,
        );
      c.result({ token }, () => c.print(token));
    });

  fw.command('health')
    .description(
      "the framework's health in one word (running, deploying, recovering, degraded, delayed, waiting_for_operator, error, initializing) and why; exits 1 on error and initializing",
    )
    .option('--cluster <cluster>', 'one cluster only')
    .action(async (o: { cluster?: string }) => {
      const c = ctx();
      const scheduler = await c.scheduler();
      const path = o.cluster
        ? `/api/v1/clusters/${encodeURIComponent(o.cluster)}/health?verbose=true`
        : '/api/v1/health?verbose=true';
      const { body } = await scheduler.get(path, { anyStatus: true });
      const h = parseAnswer(healthAnswerSchema, body, `GET ${path}`);
      c.result(h, () => {
        c.print(`${o.cluster ?? 'framework'}: ${h.state}`);
        const clusters = Object.entries(h.clusters ?? {});
        if (clusters.length)
          c.table(
            ['Cluster', 'State'],
            clusters.map(([name, state]) => [name, state]),
          );
        if (h.reasons?.length)
          c.table(
            ['State', 'Cluster', 'Why'],
            h.reasons.map((r) => [r.state, r.cluster ?? '-', r.text]),
          );
      });
      if (h.code >= 500) throw new CliError(`${o.cluster ?? 'the framework'} is ${h.state}`);
    });

  fw.command('endpoints')
    .description("the scheduler's API address")
    .action(async () => {
      const c = ctx();
      const s = await c.scheduler();
      c.result(
        { scheduler: s.baseUrl, api: `${s.baseUrl}/api/v1`, explorer: `${s.baseUrl}/explorer` },
        () => {
          c.print(`scheduler API: ${s.baseUrl}/api/v1`);
          c.print(`explorer:      ${s.baseUrl}/explorer`);
        },
      );
    });

  fw.command('wait-for-service')
    .description('wait until the scheduler answers, leads and is registered with Mesos')
    .action(async () => {
      const c = ctx();
      let note = '';
      const s = await c.wait(
        'waiting for the scheduler',
        async () => {
          try {
            const st = await status(c);
            note = st.registered ? 'registered' : 'not yet registered with Mesos';
            return st.leader && st.registered ? st : undefined;
          } catch (err) {
            note = (err as Error).message;
            return undefined;
          }
        },
        () => note,
      );
      c.result(s, () => c.print(`scheduler ready (framework ${s.framework_id})`));
    });

  const director = program
    .command('director')
    .description('the smart proxy beside client applications');
  director
    .command('install <cluster>')
    .description('install a director for a cluster as a Marathon app')
    .option('--dry-run', 'print the Marathon app definition instead of installing it')
    .action(async (cluster: string, o: { dryRun?: boolean }) => {
      const c = ctx();
      const app = directorApp(c.config, cluster);
      if (o.dryRun) return c.print(JSON.stringify(app, null, 2));
      await new Marathon(c.config).install(app);
      c.result({ installed: app.id }, () =>
        c.print(`director installed as Marathon app ${app.id}`),
      );
    });
  director
    .command('uninstall <cluster>')
    .description('remove the director app from Marathon')
    .action(async (cluster: string) => {
      const c = ctx();
      const id = directorAppId(c.config.frameworkName, cluster);
      if (!(await new Marathon(c.config).uninstall(id)))
        throw new CliError(`Marathon has no app ${id}`);
      c.result({ uninstalled: id }, () => c.print(`Marathon app ${id} removed`));
    });
  const directorEndpoints = async (c: Context, cluster: string) => {
    const tasks = await new Marathon(c.config).tasks(
      directorAppId(c.config.frameworkName, cluster),
    );
    const t = tasks?.find((x) => x.ports.length >= 3);
    if (!t) return undefined;
    return {
      riak_http: `${t.host}:${t.ports[0]}`,
      riak_pb: `${t.host}:${t.ports[1]}`,
      director_http: `${t.host}:${t.ports[2]}`,
      healthy:
        (t.healthCheckResults ?? []).every((h) => h.alive) &&
        (t.healthCheckResults ?? []).length > 0,
    };
  };
  director
    .command('endpoints <cluster>')
    .description("the director's Riak HTTP, PB and API addresses")
    .action(async (cluster: string) => {
      const c = ctx();
      const e = await directorEndpoints(c, cluster);
      if (!e) throw new CliError(`no running director for cluster ${cluster}`);
      c.result(e, () =>
        c.table(
          ['Endpoint', 'Address'],
          [
            ['riak_http', e.riak_http],
            ['riak_pb', e.riak_pb],
            ['director_http', e.director_http],
          ],
        ),
      );
    });
  director
    .command('wait-for-service <cluster>')
    .description('wait until the director runs and passes its health check')
    .action(async (cluster: string) => {
      const c = ctx();
      const e = await c.wait(`waiting for the director of ${cluster}`, async () => {
        const x = await directorEndpoints(c, cluster);
        return x?.healthy ? x : undefined;
      });
      c.result(e, () => c.print(`director ready: riak http ${e.riak_http}, pb ${e.riak_pb}`));
    });
}
