import type { Command } from 'commander';
import type {
  BucketTypePropsRequest,
  NodeRiakView,
  NodeStatsView,
} from '@riak-mesos/framework-contract';
import {
  bucketTypePropsRequestSchema,
  nodeAnswerSchema,
  nodeListAnswerSchema,
  nodeRiakViewSchema,
  nodeStatsViewSchema,
  nodeTasksAnswerSchema,
  replaceAnswerSchema,
  startedOperationAnswerSchema,
  viewResultSchema,
} from '@riak-mesos/framework-contract';
import type { Context } from '../context';
import { CliError } from '../errors';
import { checkedRequest } from './request';

type Ctx = () => Context;

const nodePath = (cluster: string, node: string) =>
  `/clusters/${encodeURIComponent(cluster)}/nodes/${encodeURIComponent(node)}`;

export function registerNode(program: Command, ctx: Ctx): void {
  const node = program.command('node').description('inspect and manage the nodes of a cluster');

  node
    .command('list <cluster>')
    .description("list a cluster's nodes")
    .action(async (cluster: string) => {
      const c = ctx();
      const body = await c.call(
        nodeListAnswerSchema,
        'GET',
        `/clusters/${encodeURIComponent(cluster)}/nodes`,
      );
      // Why a node waits for an offer is shown only when some node does.
      const waiting = body.nodes.some((n) => n.pending_reason);
      c.result(body, () =>
        c.table(
          [
            'Node',
            'State',
            'Member',
            'Host',
            'HTTP',
            'PB',
            'Last task state',
            ...(waiting ? ['Waiting because'] : []),
          ],
          body.nodes.map((n) => [
            n.name + (n.wanted ? '' : ' (removing)'),
            n.relaunch_after
              ? `${n.state} (${n.failures} failures; next try ${n.relaunch_after})`
              : n.state,
            n.member,
            n.hostname,
            n.ports?.http,
            n.ports?.pb,
            n.last_task_state,
            ...(waiting ? [n.pending_reason?.text ?? ''] : []),
          ]),
        ),
      );
    });

  node
    .command('info <cluster> <node>')
    .description('show one node')
    .action(async (cluster: string, name: string) => {
      const c = ctx();
      const body = await c.call(nodeAnswerSchema, 'GET', nodePath(cluster, name));
      c.result(body, () =>
        c.table(
          ['Field', 'Value'],
          Object.entries(body.node).map(([k, v]) => [
            k,
            v !== null && typeof v === 'object' ? JSON.stringify(v) : v,
          ]),
        ),
      );
    });

  node
    .command('remove <cluster> <node>')
    .description('remove a node gracefully')
    .action(async (cluster: string, name: string) => {
      const c = ctx();
      const body = await c.call(nodeAnswerSchema, 'DELETE', nodePath(cluster, name));
      c.result(body, () => c.print(`node ${name} is leaving ${cluster}`));
    });

  node
    .command('restart <cluster> <node>')
    .description('restart one node (it keeps its data)')
    .action(async (cluster: string, name: string) => {
      const c = ctx();
      const body = await c.call(
        startedOperationAnswerSchema,
        'POST',
        `${nodePath(cluster, name)}/restart`,
      );
      c.result(body, () => c.print(`node ${name} is restarting`));
    });

  node
    .command('tasks <cluster> <node>')
    .description("the node's last Mesos task states, with Mesos' reason and message, oldest first")
    .action(async (cluster: string, name: string) => {
      const c = ctx();
      const body = await c.call(nodeTasksAnswerSchema, 'GET', `${nodePath(cluster, name)}/tasks`);
      c.result(body, () =>
        c.table(
          ['At', 'Task', 'State', 'Reason', 'Message'],
          body.tasks.map((t) => [t.at, t.task_id, t.state, t.reason, t.message]),
        ),
      );
    });

  node
    .command('replace <cluster> <node>')
    .description(
      'replace a node by a new one on another agent with a new volume: the new node joins, then the old one leaves (handoff), or is force-removed first when it is down; its volume is released once the new node is a member',
    )
    .action(async (cluster: string, name: string) => {
      const c = ctx();
      const body = await c.call(replaceAnswerSchema, 'POST', `${nodePath(cluster, name)}/replace`);
      c.result(body, () =>
        c.print(
          `node ${name} is being replaced by ${body.node.name} (plan ${body.plan.id}; 'riak-mesos plan show ${cluster}' follows it)`,
        ),
      );
    });

  for (const view of ['status', 'ringready', 'transfers', 'aae', 'stats'] as const) {
    const cmd = node.command(`${view} <cluster> <node>`);
    // The original CLI's name for it.
    if (view === 'aae') cmd.alias('aae-status');
    cmd
      .description(
        `the node's ${view === 'status' ? 'member status' : view === 'aae' ? 'active anti-entropy status' : view}, as Riak reports it`,
      )
      .action((cluster: string, name: string) =>
        view === 'stats'
          ? showStats(ctx(), `${nodePath(cluster, name)}/stats`)
          : showView(ctx(), `${nodePath(cluster, name)}/${view}`),
      );
  }

  const bucketType = node.command('bucket-type').description('bucket types of a node');
  bucketType
    .command('list <cluster> <node>')
    .description('list bucket types')
    .action((cluster: string, name: string) => showView(ctx(), `${nodePath(cluster, name)}/types`));
  for (const verb of ['create', 'update'] as const)
    bucketType
      .command(`${verb} <cluster> <node> <type> <props>`)
      .description(
        verb === 'create'
          ? 'create a bucket type and activate it; <props> is JSON: {"props": {...}} or just {...}'
          : "update a bucket type's properties; <props> as for create",
      )
      .action(async (cluster: string, name: string, type: string, props: string) => {
        const c = ctx();
        let parsed: unknown;
        try {
          parsed = JSON.parse(props);
        } catch (err) {
          throw new CliError(`<props> is not valid JSON: ${(err as Error).message}`, 2);
        }
        const body: BucketTypePropsRequest = checkedRequest(
          bucketTypePropsRequestSchema,
          typeof parsed === 'object' && parsed !== null && 'props' in parsed
            ? parsed
            : { props: parsed },
          { props: '<props>' },
        );
        const answer = await c.call(
          viewResultSchema,
          'POST',
          `${nodePath(cluster, name)}/types/${encodeURIComponent(type)}`,
          body,
        );
        c.result(answer, () => printView(c, answer));
      });
  bucketType
    .command('status <cluster> <node> <type>')
    .description("one bucket type's status and properties")
    .action((cluster: string, name: string, type: string) =>
      showView(ctx(), `${nodePath(cluster, name)}/types/${encodeURIComponent(type)}`),
    );

  node
    .command('wait-for-service <cluster> <node>')
    .description('wait until the node runs and is a ring member')
    .action(async (cluster: string, name: string) => {
      const c = ctx();
      let note = '';
      const n = await c.wait(
        `waiting for node ${name}`,
        async () => {
          const body = await c.call(nodeAnswerSchema, 'GET', nodePath(cluster, name));
          note = `${body.node.state}${body.node.member ? ', member' : ''}`;
          return body.node.state === 'running' && body.node.member ? body.node : undefined;
        },
        () => note,
      );
      c.result({ node: n }, () => c.print(`node ${name} is ready`));
    });
}

/** GETs a node's own view and prints it (JSON with --json). */
async function showView(c: Context, path: string): Promise<void> {
  const body = await c.call(nodeRiakViewSchema, 'GET', path);
  c.result(body, () => printView(c, body));
}

/** GETs a node's stats and prints them as name/value rows (JSON with --json). */
async function showStats(c: Context, path: string): Promise<void> {
  const body: NodeStatsView = await c.call(nodeStatsViewSchema, 'GET', path);
  c.result(body, () =>
    c.table(
      ['Stat', 'Value'],
      Object.entries(body).map(([k, x]) => [k, typeof x === 'string' ? x : JSON.stringify(x)]),
    ),
  );
}

/**
 * A node view for people: member status as a table, Riak's own text (ringready, transfers,
 * aae-status, bucket types) as riak-admin printed it.
 */
function printView(c: Context, v: NodeRiakView): void {
  if ('members' in v) {
    c.table(
      ['Member', 'Status', 'Ring', 'Pending'],
      v.members.map((m) => [m.name, m.status, m.ring, m.pendingRing ?? '--']),
    );
    c.print(`ring ready: ${v.ringReady}`);
    return;
  }
  c.print(v.output.replace(/\n+$/, ''));
}
