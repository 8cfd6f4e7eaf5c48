import type { Command } from 'commander';
import { z } from 'zod';
import type { Context } from '../context';
import { CliError } from '../errors';

type Ctx = () => Context;

/** The scheduler's `GET /api/v1/riak/versions`; schedulers before the catalogue send names only. */
export const versionsAnswerSchema = z.object({
  versions: z.array(z.string()),
  catalogue: z
    .array(
      z.object({
        name: z.string(),
        url: z.string(),
        sha256: z.string().nullable().optional(),
        rootPath: z.string(),
        flavour: z.string(),
      }),
    )
    .optional(),
});
export type VersionsAnswer = z.infer<typeof versionsAnswerSchema>;

/** The scheduler's Riak versions, checked. */
export async function riakVersions(c: Context): Promise<VersionsAnswer> {
  const { body } = await c.api('GET', '/riak/versions');
  const parsed = versionsAnswerSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(
      `the scheduler's answer to GET /api/v1/riak/versions is not a version list (${issue?.path.join('.') || 'body'}: ${issue?.message})`,
    );
  }
  return parsed.data;
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
