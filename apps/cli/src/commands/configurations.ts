import type { Command } from 'commander';
import type { FieldDiffView } from '@riak-mesos/framework-contract';
import {
  configVersionAnswerSchema,
  configurationsAnswerSchema,
} from '@riak-mesos/framework-contract';
import type { Context } from '../context';
import { CliError } from '../errors';
import type { RollingFlags } from './cluster';
import { STEP_TIMEOUT_HELP, startRolling, waitOperation } from './cluster';

type Ctx = () => Context;

function printDiff(c: Context, diff: FieldDiffView[]): void {
  for (const d of diff) {
    c.print(`--- ${d.field}`);
    for (const l of d.lines) c.print(l);
  }
}

/**
 * Configuration versions (docs/cli.md): `cluster configurations <name> [--diff ID]`,
 * `cluster configuration <name> <id>` and `cluster config-apply <name>` (rolls the nodes to the
 * target version). A change the rules refuse is printed one rule per line (http.ts).
 */
export function registerConfigurations(cluster: Command, ctx: Ctx): void {
  cluster
    .command('configurations <name>')
    .description(
      "the cluster's configuration versions (time, author, what changed) and the target; --diff shows one version's diff to the target",
    )
    .option('--diff <id>', 'the version to diff against the target')
    .action(async (name: string, o: { diff?: string }) => {
      const c = ctx();
      if (o.diff !== undefined && !/^[1-9]\d{0,8}$/.test(o.diff))
        throw new CliError('--diff must be a version id (a whole number from 1)', 2);
      const query = o.diff !== undefined ? `?diff=${o.diff}` : '';
      const body = await c.call(
        configurationsAnswerSchema,
        'GET',
        `/clusters/${encodeURIComponent(name)}/configurations${query}`,
      );
      c.result(body, () => {
        if (o.diff !== undefined) {
          const v = body.versions[0];
          if (v.diff_to_target.length === 0)
            return c.print(`version ${v.id} is the same as the target (${body.target})`);
          c.print(`version ${v.id} -> target ${body.target}`);
          return printDiff(c, v.diff_to_target);
        }
        c.table(
          ['Version', 'Created', 'Author', 'Changes', 'Target'],
          body.versions.map((v) => [
            v.id,
            v.created_at,
            v.author,
            v.changes.join(', ') || (v.note ?? '-'),
            v.id === body.target ? '*' : '',
          ]),
        );
        c.print(`the last ${body.kept} versions are kept`);
      });
    });

  cluster
    .command('configuration <name> <id>')
    .description('one configuration version in full (templates, Riak version, node resources)')
    .action(async (name: string, id: string) => {
      const c = ctx();
      if (!/^[1-9]\d{0,8}$/.test(id))
        throw new CliError('<id> must be a version id (a whole number from 1)', 2);
      const body = await c.call(
        configVersionAnswerSchema,
        'GET',
        `/clusters/${encodeURIComponent(name)}/configurations/${id}`,
      );
      const v = body.configuration;
      c.result(body, () => {
        c.print(`version ${v.id}${v.target ? ' (target)' : ''} by ${v.author} at ${v.created_at}`);
        c.print(`riak version: ${v.riak_version}`);
        c.print(
          `resources: cpus ${v.resources.cpus}, mem ${v.resources.mem} MB, disk ${v.resources.disk} MB`,
        );
        for (const w of v.warnings) c.print(`warning: ${w}`);
        c.print('--- riak.conf');
        c.print(v.riak_conf?.replace(/\n$/, '') ?? "(the package's own file)");
        c.print('--- advanced.config');
        c.print(v.advanced_config?.replace(/\n$/, '') ?? "(the package's own file)");
      });
    });

  cluster
    .command('config-apply <name>')
    .description(
      'roll the nodes to the target configuration version, one at a time, each back in the ring before the next',
    )
    .option('--wait', 'wait until every node runs the target version')
    .option('--strategy <strategy>', 'serial (default), parallel or canary (see `plan continue`)')
    .option('--step-timeout <seconds>', STEP_TIMEOUT_HELP)
    .action(async (name: string, o: RollingFlags) => {
      const c = ctx();
      const body = await startRolling(c, name, 'config/apply', o);
      if (!o.wait)
        return c.result(body, () =>
          c.print(
            `config apply of ${name} started (${body.operation.order.length} nodes${body.target_config_version !== undefined ? `, to version ${body.target_config_version}` : ''})`,
          ),
        );
      await waitOperation(c, name);
    });
}
