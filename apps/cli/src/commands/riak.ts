import type { Command } from 'commander';
import type { RiakVersionsView } from '@riak-mesos/framework-contract';
import { riakVersionsViewSchema } from '@riak-mesos/framework-contract';
import type { Context } from '../context';

type Ctx = () => Context;

/** The scheduler's `GET /api/v1/riak/versions`, checked; schedulers before the catalogue send names only. */
export function riakVersions(c: Context): Promise<RiakVersionsView> {
  return c.call(riakVersionsViewSchema, 'GET', '/riak/versions');
}

/** `ff9760abb817…` for a sha256, `-` for none. */
export function shortSha(sha256: string | null | undefined): string {
  return sha256 ? `${sha256.slice(0, 12)}…` : '-';
}

export function registerRiak(program: Command, ctx: Ctx): void {
  const riak = program.command('riak').description('the Riak packages the scheduler deploys');
  riak
    .command('versions')
    .description(
      "the scheduler's Riak package catalogue (name, flavour, root path, sha256, url); --json for its answer",
    )
    .action(async () => {
      const c = ctx();
      const answer = await riakVersions(c);
      c.result(answer, () => {
        if (answer.versions.length === 0) {
          c.print('the scheduler has no Riak packages configured (scheduler flag --riak-versions)');
          return;
        }
        const entries = new Map((answer.catalogue ?? []).map((e) => [e.name, e]));
        c.table(
          ['Name', 'Flavour', 'Root path', 'sha256', 'URL'],
          answer.versions.map((name) => {
            const e = entries.get(name);
            return [name, e?.flavour, e?.rootPath, e ? shortSha(e.sha256) : '-', e?.url];
          }),
        );
        c.print(`new clusters get ${answer.versions[0]} unless told otherwise`);
      });
    });
}
