import type { Command } from 'commander';
import type { Context } from '../context';
import { riakVersions } from './riak';

type Ctx = () => Context;

export function registerConfig(program: Command, ctx: Ctx): void {
  const config = program
    .command('config')
    .description('the CLI configuration and what the scheduler offers');
  config
    .command('show')
    .description('the configuration in effect (file, environment and flags)')
    .action(() => {
      const c = ctx();
      const { file, ...rest } = c.config;
      const shown = { ...rest, apiToken: rest.apiToken ? '(set)' : undefined, file };
      c.print(JSON.stringify(shown, null, 2));
    });
  const versions = async () => {
    const c = ctx();
    const body = await riakVersions(c);
    c.result(body, () =>
      body.versions.length
        ? body.versions.forEach((v) => c.print(v))
        : c.print('the scheduler has no Riak packages configured'),
    );
  };
  config
    .command('riak-versions')
    .description('Riak packages the scheduler can deploy')
    .action(versions);
  config.command('riak-version', { hidden: true }).action(versions);
}
