import type { Command } from 'commander';
import type { PlanControl, PlanControlQuery, PlanView } from '@riak-mesos/framework-contract';
import {
  planAnswerSchema,
  planControlQuerySchema,
  planListAnswerSchema,
} from '@riak-mesos/framework-contract';
import type { Context } from '../context';
import { CliError } from '../errors';
import { checkedRequest } from './request';

type Ctx = () => Context;

const plansPath = (cluster: string) => `/clusters/${encodeURIComponent(cluster)}/plans`;
const FINISHED = ['COMPLETE', 'ABORTED'];

/** `done/total` steps of a plan. */
function progress(p: PlanView): string {
  const steps = p.phases.flatMap((ph) => ph.steps);
  return `${steps.filter((s) => s.status === 'COMPLETE').length}/${steps.length}`;
}

/** What holds a plan, if anything, in words. */
function held(p: PlanView): string {
  if (p.interrupted) return ' (interrupted: run `plan continue`)';
  if (p.phases.some((ph) => ph.awaitingContinue))
    return ' (canary done: check it, then run `plan continue`)';
  return '';
}

/** The plan a command means: the one named, else the cluster's active plan, else its newest. */
async function resolvePlan(c: Context, cluster: string, id?: string): Promise<PlanView> {
  if (id)
    return (
      await c.call(planAnswerSchema, 'GET', `${plansPath(cluster)}/${encodeURIComponent(id)}`)
    ).plan;
  const { plans } = await c.call(planListAnswerSchema, 'GET', plansPath(cluster));
  const active = plans.filter((p) => !FINISHED.includes(p.status));
  const plan = active[active.length - 1] ?? plans[plans.length - 1];
  if (!plan) throw new CliError(`cluster ${cluster} has no plans`);
  return plan;
}

/** The progress view: the plan, then each phase with its steps. */
export function printPlan(c: Context, p: PlanView): void {
  c.print(`${p.kind} plan ${p.id}: ${p.status}, ${progress(p)} steps complete${held(p)}`);
  if (p.targetRiakVersion) c.print(`target Riak version: ${p.targetRiakVersion}`);
  if (p.message) c.print(p.message);
  for (const ph of p.phases) {
    c.print(
      `phase ${ph.name} (${ph.strategy}): ${ph.status}${ph.interrupted ? ', interrupted' : ''}`,
    );
    c.table(
      ['Step', 'Status', 'Message', 'Updated'],
      ph.steps.map((s) => [
        s.name,
        s.nextAttemptAt ? `${s.status} until ${s.nextAttemptAt}` : s.status,
        s.message ?? '',
        s.updatedAt,
      ]),
    );
  }
}

export function registerPlan(program: Command, ctx: Ctx): void {
  const plan = program
    .command('plan')
    .description(
      'plans: deploy, rolling restart, config apply, upgrade, remove and destroy, step by step',
    );

  plan
    .command('list <cluster>')
    .description("list a cluster's plans (active and the last finished ones), oldest first")
    .action(async (cluster: string) => {
      const c = ctx();
      const body = await c.call(planListAnswerSchema, 'GET', plansPath(cluster));
      c.result(body, () =>
        body.plans.length === 0
          ? c.print(`cluster ${cluster} has no plans`)
          : c.table(
              ['Plan', 'Kind', 'Status', 'Steps done', 'Strategy', 'Created'],
              body.plans.map((p) => [
                p.id,
                p.kind,
                p.status + (p.interrupted ? ' (interrupted)' : ''),
                progress(p),
                p.phases.map((ph) => ph.strategy).join(', '),
                p.createdAt,
              ]),
            ),
      );
    });

  plan
    .command('show <cluster> [plan]')
    .description('show a plan step by step (default: the active plan, else the newest)')
    .option('--watch', 'follow the plan until it is finished, or waits for an operator')
    .action(async (cluster: string, id: string | undefined, o: { watch?: boolean }) => {
      const c = ctx();
      let p = await resolvePlan(c, cluster, id);
      if (o.watch) {
        const planId = p.id;
        p = await c.wait(
          `plan ${planId} on ${cluster}`,
          async () => {
            p = await resolvePlan(c, cluster, planId);
            return ['COMPLETE', 'ABORTED', 'ERROR', 'WAITING'].includes(p.status) ? p : undefined;
          },
          () => {
            const now = p.phases
              .flatMap((ph) => ph.steps)
              .filter((s) => ['PREPARED', 'STARTING', 'STARTED', 'DELAYED'].includes(s.status))
              .map((s) => `${s.name} ${s.status}`);
            return `${progress(p)} complete${now.length ? `, now ${now.join(', ')}` : ''}`;
          },
        );
      }
      const shown = p;
      c.result({ plan: shown }, () => printPlan(c, shown));
    });

  const controls: [PlanControl, string, boolean][] = [
    ['interrupt', 'pause a plan: no further step begins (steps under way finish)', false],
    ['continue', 'resume an interrupted plan, or let a canary go on to the other steps', false],
    ['force-complete', 'count a step as COMPLETE whatever its node does', true],
    ['restart', 'begin a step again (a rolling step restarts its node again)', true],
    ['abort', 'stop a rolling plan: no further step begins', false],
  ];
  for (const [control, description, needsStep] of controls) {
    const cmd = plan
      .command(`${control} <cluster> [plan]`)
      .description(`${description} (default plan: the active one)`)
      .option('--phase <phase>', 'only this phase');
    if (needsStep) cmd.requiredOption('--step <step>', 'the step (its node name)');
    cmd.action(
      async (cluster: string, id: string | undefined, o: { phase?: string; step?: string }) => {
        const c = ctx();
        const wanted: PlanControlQuery = checkedRequest(
          planControlQuerySchema,
          {
            ...(o.phase !== undefined ? { phase: o.phase } : {}),
            ...(o.step !== undefined ? { step: o.step } : {}),
          },
          { phase: '--phase', step: '--step' },
        );
        const target = await resolvePlan(c, cluster, id);
        const query = new URLSearchParams();
        if (wanted.phase) query.set('phase', wanted.phase);
        if (wanted.step) query.set('step', wanted.step);
        const qs = query.toString() ? `?${query.toString()}` : '';
        const body = await c.call(
          planAnswerSchema,
          'POST',
          `${plansPath(cluster)}/${encodeURIComponent(target.id)}/${control}${qs}`,
        );
        c.result(body, () => printPlan(c, body.plan));
      },
    );
  }
}
