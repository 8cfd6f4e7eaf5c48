import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type {
  AddNodesRequest,
  ConstraintsRequest,
  CreateClusterRequest,
  NodeListAnswer,
  OperationView,
  PermanentFailureTimeoutAnswer,
  PermanentFailureTimeoutRequest,
  RollingRequest,
  UpgradeRequest,
} from '@riak-mesos/framework-contract';
import {
  addNodesRequestSchema,
  clusterAnswerSchema,
  clusterListAnswerSchema,
  configValidationAnswerSchema,
  constraintsAnswerSchema,
  endpointsAnswerSchema,
  nodeAnswerSchema,
  nodeListAnswerSchema,
  constraintsRequestSchema,
  createClusterRequestSchema,
  operationAnswerSchema,
  permanentFailureTimeoutAnswerSchema,
  permanentFailureTimeoutRequestSchema,
  rollingRequestSchema,
  startedOperationAnswerSchema,
  upgradeRequestSchema,
} from '@riak-mesos/framework-contract';
import { parseAnswer } from '../answers';
import type { Context } from '../context';
import { CliError } from '../errors';
import { checkedRequest } from './request';

type Ctx = () => Context;

function readTemplate(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** `kind done/total state` of a rolling operation. */
const progress = (o: OperationView) => `${o.kind} ${o.done}/${o.order.length} ${o.state}`;

export async function clusterReady(
  ctx: Context,
  name: string,
): Promise<NodeListAnswer | undefined> {
  const body = await ctx.call(
    nodeListAnswerSchema,
    'GET',
    `/clusters/${encodeURIComponent(name)}/nodes`,
  );
  const wanted = body.nodes.filter((n) => n.wanted);
  return wanted.length > 0 && wanted.every((n) => n.state === 'running' && n.member)
    ? body
    : undefined;
}

export interface RollingFlags {
  wait?: boolean;
  strategy?: string;
  stepTimeout?: string;
}

export const STEP_TIMEOUT_HELP =
  'seconds a node may take to be back as a valid ring member before its step is an ERROR and the plan stops (default 1800)';

/** The rolling request's fields from the flags: a step timeout in digits is sent as a number. */
export function rollingFields(o: RollingFlags): Record<string, unknown> {
  const timeout = o.stepTimeout;
  return {
    ...(o.strategy ? { strategy: o.strategy } : {}),
    ...(timeout !== undefined
      ? { step_timeout_seconds: /^\d{1,9}$/.test(timeout) ? Number(timeout) : timeout }
      : {}),
  };
}

/** Starts a rolling plan through one of the older routes (`restart`, `config/apply`). */
export async function startRolling(
  c: Context,
  name: string,
  route: 'restart' | 'config/apply',
  o: RollingFlags,
) {
  const request: RollingRequest = checkedRequest(rollingRequestSchema, rollingFields(o), {
    strategy: '--strategy',
    step_timeout_seconds: '--step-timeout',
  });
  return c.call(
    startedOperationAnswerSchema,
    'POST',
    `/clusters/${encodeURIComponent(name)}/${route}`,
    request,
  );
}

export function registerCluster(program: Command, ctx: Ctx): void {
  const cluster = program
    .command('cluster')
    .description('create, inspect, change and destroy Riak clusters');

  cluster
    .command('list')
    .description('list clusters')
    .action(async () => {
      const c = ctx();
      const body = await c.call(clusterListAnswerSchema, 'GET', '/clusters');
      c.result(body, () =>
        body.clusters.length === 0
          ? c.print('no clusters')
          : c.table(
              ['Cluster', 'State', 'Riak version', 'Nodes', 'Operation'],
              body.clusters.map((x) => [
                x.name,
                x.state,
                x.riak_version,
                x.nodes.length,
                x.operation ? progress(x.operation) : '',
              ]),
            ),
      );
    });

  cluster
    .command('create <name> [riak-version]')
    .description('create a cluster (see `riak-mesos config riak-versions`)')
    .option(
      '--permanent-failure-timeout <seconds>',
      "the cluster's own permanent-failure timeout (0: never replace automatically)",
    )
    .action(
      async (
        name: string,
        version: string | undefined,
        o: { permanentFailureTimeout?: string },
      ) => {
        const c = ctx();
        const timeout = o.permanentFailureTimeout;
        if (timeout !== undefined && !/^\d+$/.test(timeout))
          throw new CliError('--permanent-failure-timeout must be a whole number of seconds', 2);
        const request: CreateClusterRequest = checkedRequest(
          createClusterRequestSchema,
          {
            ...(version ? { riak_version: version } : {}),
            ...(timeout !== undefined
              ? { permanent_failure_timeout_seconds: Number(timeout) }
              : {}),
          },
          {
            riak_version: '<riak-version>',
            permanent_failure_timeout_seconds: '--permanent-failure-timeout',
          },
        );
        const body = await c.call(
          clusterAnswerSchema,
          'POST',
          `/clusters/${encodeURIComponent(name)}/create`,
          request,
        );
        c.result(body, () =>
          c.print(
            `cluster ${body.cluster.name} created (Riak ${body.cluster.riak_version}); add nodes with 'riak-mesos cluster add-node ${name} --nodes 3'`,
          ),
        );
      },
    );

  cluster
    .command('info <name>')
    .description('show a cluster')
    .action(async (name: string) => {
      const c = ctx();
      const body = await c.call(
        clusterAnswerSchema,
        'GET',
        `/clusters/${encodeURIComponent(name)}`,
      );
      c.result(body, () => {
        const x = body.cluster;
        c.table(
          ['Field', 'Value'],
          [
            ['name', x.name],
            ['state', x.state],
            ['riak version', x.riak_version],
            ['nodes', x.nodes.join(', ')],
            ['custom riak.conf', x.has_riak_conf],
            ['custom advanced.config', x.has_advanced_config],
            ['operation', x.operation ? progress(x.operation) : 'none'],
          ],
        );
      });
    });

  for (const [cmd, route, what] of [
    ['config', 'config', 'riak.conf'],
    ['config-advanced', 'advancedConfig', 'advanced.config'],
  ] as const) {
    cluster
      .command(`${cmd} <name>`)
      .description(
        `show the cluster's ${what} template, or store one with --file (or remove it with --delete)`,
      )
      .option('-f, --file <path>', `${what} template to store`)
      .option('--delete', 'remove the stored template (nodes then use the package file)')
      .option('--dry-run', 'only check the change against the configuration rules; store nothing')
      .option('--force', "store an n_val above the cluster's node count")
      .action(
        async (
          name: string,
          o: { file?: string; delete?: boolean; dryRun?: boolean; force?: boolean },
        ) => {
          const c = ctx();
          const flags = [o.dryRun ? 'dry_run=true' : '', o.force ? 'force=true' : ''].filter(
            Boolean,
          );
          const base = `/clusters/${encodeURIComponent(name)}/${route}`;
          const path = flags.length ? `${base}?${flags.join('&')}` : base;
          if (o.file && o.delete) throw new CliError('give either --file or --delete');
          if ((o.dryRun || o.force) && !o.file && !o.delete)
            throw new CliError('--dry-run and --force go with --file or --delete', 2);
          if (o.dryRun) {
            const body = await c.call(
              configValidationAnswerSchema,
              o.delete ? 'DELETE' : 'PUT',
              path,
              o.delete ? undefined : readTemplate(o.file!),
            );
            return c.result(body, () =>
              c.print(
                body.changes.length
                  ? `the change passes the configuration rules; it changes ${body.changes.join(', ')}`
                  : 'the change passes the configuration rules; it changes nothing',
              ),
            );
          }
          if (o.delete) {
            await c.api('DELETE', path);
            c.result({ deleted: true }, () => c.print(`${what} template removed from ${name}`));
            return;
          }
          if (o.file) {
            const body = await c.api('PUT', path, readTemplate(o.file));
            c.result(body.body, () =>
              c.print(
                `${what} template stored for ${name} as a new configuration version; run 'riak-mesos cluster config-apply ${name}' to roll the nodes to it`,
              ),
            );
            return;
          }
          const res = await c.api('GET', path, undefined, { accept404: true, text: true });
          if (res.status === 404)
            throw new CliError(
              `cluster ${name} has no ${what} template (nodes use the package's own file)`,
            );
          const template = typeof res.body === 'string' ? res.body : '';
          c.result({ [route]: template }, () => c.print(template.replace(/\n$/, '')));
        },
      );
  }

  cluster
    .command('constraints <name>')
    .description(
      "show the cluster's own placement constraints (on top of the framework's), set them with --set, or remove them with --clear",
    )
    .option('--set <json>', 'constraints as JSON, e.g. \'[["rack_id","GROUP_BY","3"]]\'')
    .option('--clear', "remove the cluster's own constraints")
    .action(async (name: string, o: { set?: string; clear?: boolean }) => {
      const c = ctx();
      const path = `/clusters/${encodeURIComponent(name)}/constraints`;
      if (o.set !== undefined && o.clear) throw new CliError('give either --set or --clear');
      if (o.clear) {
        await c.api('DELETE', path);
        c.result({ constraints: [] }, () => c.print(`constraints of ${name} removed`));
        return;
      }
      let body: { constraints: string[][] };
      if (o.set !== undefined) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(o.set);
        } catch (err) {
          throw new CliError(`--set is not valid JSON: ${(err as Error).message}`);
        }
        const request: ConstraintsRequest = checkedRequest(
          constraintsRequestSchema,
          { constraints: parsed },
          { constraints: '--set' },
        );
        body = await c.call(constraintsAnswerSchema, 'PUT', path, request);
      } else body = await c.call(constraintsAnswerSchema, 'GET', path);
      c.result(body, () =>
        c.print(
          body.constraints.length
            ? body.constraints.map((x) => JSON.stringify(x)).join('\n')
            : `${name} has no constraints of its own`,
        ),
      );
    });

  cluster
    .command('restart <name>')
    .description('rolling restart: one node at a time, each back in the ring before the next')
    .option('--wait', 'wait until the restart is done')
    .option('--strategy <strategy>', 'serial (default), parallel or canary (see `plan continue`)')
    .option('--step-timeout <seconds>', STEP_TIMEOUT_HELP)
    .action(async (name: string, o: RollingFlags) => {
      const c = ctx();
      const body = await startRolling(c, name, 'restart', o);
      if (!o.wait)
        return c.result(body, () =>
          c.print(`rolling restart of ${name} started (${body.operation.order.length} nodes)`),
        );
      await waitOperation(c, name);
    });

  cluster
    .command('upgrade <name> <riak-version>')
    .description('rolling Riak version upgrade, one node at a time')
    .option('--wait', 'wait until the upgrade is done')
    .option('--strategy <strategy>', 'serial (default), parallel or canary (see `plan continue`)')
    .option('--step-timeout <seconds>', STEP_TIMEOUT_HELP)
    .action(async (name: string, version: string, o: RollingFlags) => {
      const c = ctx();
      const request: UpgradeRequest = {
        ...checkedRequest(
          upgradeRequestSchema,
          { riak_version: version, ...rollingFields(o) },
          {
            riak_version: '<riak-version>',
            strategy: '--strategy',
            step_timeout_seconds: '--step-timeout',
          },
        ),
        riak_version: version,
      };
      const body = await c.call(
        startedOperationAnswerSchema,
        'POST',
        `/clusters/${encodeURIComponent(name)}/upgrade`,
        request,
      );
      if (!o.wait) return c.result(body, () => c.print(`upgrade of ${name} to ${version} started`));
      await waitOperation(c, name);
    });

  cluster
    .command('operation <name> <action>')
    .description('pause, resume or abort the rolling operation of a cluster')
    .action(async (name: string, action: string) => {
      const c = ctx();
      if (!['pause', 'resume', 'abort'].includes(action))
        throw new CliError(`action must be pause, resume or abort; got '${action}'`);
      const body = await c.call(
        startedOperationAnswerSchema,
        'POST',
        `/clusters/${encodeURIComponent(name)}/operation/${action}`,
      );
      c.result(body, () => c.print(`${action}: done`));
    });

  cluster
    .command('destroy <name>')
    .description('remove every node of the cluster and release its reservations and volumes')
    .option('--wait', 'wait until the cluster is gone')
    .action(async (name: string, o: { wait?: boolean }) => {
      const c = ctx();
      await c.call(clusterAnswerSchema, 'DELETE', `/clusters/${encodeURIComponent(name)}`);
      if (!o.wait)
        return c.result({ destroying: name }, () => c.print(`cluster ${name} is being destroyed`));
      await c.wait(
        `destroying cluster ${name}`,
        async () =>
          (
            await c.api('GET', `/clusters/${encodeURIComponent(name)}`, undefined, {
              accept404: true,
            })
          ).status === 404,
      );
      c.result({ destroyed: name }, () => c.print(`cluster ${name} destroyed`));
    });

  cluster
    .command('add-node <name>')
    .description('add nodes to a cluster')
    .option('-n, --nodes <count>', 'how many nodes', '1')
    .action(async (name: string, o: { nodes: string }) => {
      const c = ctx();
      if (!/^\d+$/.test(o.nodes)) throw new CliError('--nodes must be a whole number', 2);
      const request: AddNodesRequest = checkedRequest(
        addNodesRequestSchema,
        { nodes: Number(o.nodes) },
        { nodes: '--nodes' },
      );
      const body = await c.call(
        nodeListAnswerSchema,
        'POST',
        `/clusters/${encodeURIComponent(name)}/nodes`,
        request,
      );
      c.result(body, () => c.print(`added ${body.nodes.map((n) => n.name).join(', ')}`));
    });

  cluster
    .command('scale <name>')
    .description(
      'bring a cluster to a node count: more nodes are added; fewer are removed one at a time, each leaving the ring and handing off first (newest first, keeping GROUP_BY constraints spread)',
    )
    .requiredOption('--count <n>', 'the number of nodes to reach')
    .option('--force', "allow a count below the cluster's n_val")
    .action(async (name: string, o: { count: string; force?: boolean }) => {
      const c = ctx();
      if (!/^\d+$/.test(o.count)) throw new CliError('--count must be a whole number', 2);
      const request: AddNodesRequest = checkedRequest(
        addNodesRequestSchema,
        { count: Number(o.count), ...(o.force ? { force: true } : {}) },
        { count: '--count', force: '--force' },
      );
      const path = `/clusters/${encodeURIComponent(name)}/nodes`;
      const answer = await c.api('POST', path, request);
      const body = parseAnswer(nodeListAnswerSchema, answer.body, `POST /api/v1${path}`);
      const names = body.nodes.map((n) => n.name).join(', ');
      c.result(body, () =>
        c.print(
          answer.status === 201
            ? `added ${names}`
            : answer.status === 202
              ? `removing ${names}, one at a time: each leaves the ring and hands off first ('riak-mesos plan show ${name}' follows it)`
              : `cluster ${name} already has ${o.count} nodes`,
        ),
      );
    });

  cluster
    .command('remove-node <name> <node>')
    .description('remove a node gracefully (it leaves the ring, hands off its data, then stops)')
    .action(async (name: string, node: string) => {
      const c = ctx();
      const body = await c.call(
        nodeAnswerSchema,
        'DELETE',
        `/clusters/${encodeURIComponent(name)}/nodes/${encodeURIComponent(node)}`,
      );
      c.result(body, () => c.print(`node ${node} is leaving ${name}`));
    });

  cluster
    .command('permanent-failure-timeout <name> [seconds]')
    .description(
      "show, or set, how long a node's agent may stay unreachable before the node is replaced on another agent (0: never; 'default': the scheduler's)",
    )
    .action(async (name: string, seconds?: string) => {
      const c = ctx();
      const path = `/clusters/${encodeURIComponent(name)}/permanent-failure-timeout`;
      let body: PermanentFailureTimeoutAnswer;
      if (seconds === undefined)
        body = await c.call(permanentFailureTimeoutAnswerSchema, 'GET', path);
      else {
        if (seconds !== 'default' && !/^\d+$/.test(seconds))
          throw new CliError("seconds must be a whole number, or 'default'", 2);
        const request: PermanentFailureTimeoutRequest = checkedRequest(
          permanentFailureTimeoutRequestSchema,
          { permanent_failure_timeout_seconds: seconds === 'default' ? null : Number(seconds) },
          { permanent_failure_timeout_seconds: '<seconds>' },
        );
        body = await c.call(permanentFailureTimeoutAnswerSchema, 'PUT', path, request);
      }
      c.result(body, () =>
        c.print(
          `${name}: ${body.permanent_failure_timeout_seconds === 0 ? 'never replaced automatically' : `replaced after ${body.permanent_failure_timeout_seconds} s unreachable`} (${body.own ? "the cluster's own" : "the scheduler's default"})`,
        ),
      );
    });

  cluster
    .command('endpoints <name>')
    .description(
      "the PB and HTTP addresses of the cluster's running ring members and of its registered directors, a line each: KIND NAME PB HTTP",
    )
    .action(async (name: string) => {
      const c = ctx();
      const body = await c.call(
        endpointsAnswerSchema,
        'GET',
        `/clusters/${encodeURIComponent(name)}/endpoints`,
      );
      const all = [...body.nodes, ...body.directors];
      c.result(body, () => {
        if (all.length === 0)
          c.print(`cluster ${name} has no running ring members and no registered directors`);
        for (const e of all) c.print(`${e.kind} ${e.name} ${e.pb} ${e.http}`);
      });
    });

  cluster
    .command('wait-for-service <name>')
    .description('wait until every node of the cluster runs and is a ring member')
    .action(async (name: string) => {
      const c = ctx();
      let note = '';
      const ready = await c.wait(
        `waiting for cluster ${name}`,
        async () => {
          const body = await c.call(
            nodeListAnswerSchema,
            'GET',
            `/clusters/${encodeURIComponent(name)}/nodes`,
          );
          const wanted = body.nodes.filter((n) => n.wanted);
          note =
            wanted.length === 0
              ? 'no nodes yet'
              : `${wanted.filter((n) => n.state === 'running' && n.member).length}/${wanted.length} nodes running and joined`;
          return clusterReady(c, name);
        },
        () => note,
      );
      c.result(ready, () => c.print(`cluster ${name} is ready`));
    });
}

export async function waitOperation(c: Context, name: string): Promise<void> {
  let note = '';
  const op = await c.wait(
    `rolling operation on ${name}`,
    async () => {
      const body = await c.call(
        operationAnswerSchema,
        'GET',
        `/clusters/${encodeURIComponent(name)}/operation`,
      );
      const o = body.operation;
      if (!o) return { state: 'done' };
      note = `${o.done}/${o.order.length}${o.current ? `, now ${o.current}` : ''}, ${o.state}`;
      return o.state === 'running' || o.state === 'paused' ? undefined : o;
    },
    () => note,
  );
  if (op.state !== 'done') throw new CliError(`the operation on ${name} ended ${op.state}`);
  c.result(op, () => c.print(`rolling operation on ${name} done`));
}
