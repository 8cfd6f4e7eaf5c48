import type { z } from 'zod';
import { formatIssues } from '@riak-mesos/framework-contract';
import { CliError } from './errors';

/**
 * A scheduler answer checked with its schema from @riak-mesos/framework-contract: the value, or a
 * CliError naming the request and the field that is not what the contract says.
 */
export function parseAnswer<S extends z.ZodType>(
  schema: S,
  body: unknown,
  what: string,
): z.output<S> {
  const checked = schema.safeParse(body);
  if (checked.success) return checked.data;
  throw new CliError(
    `the scheduler's answer to ${what} is not what this CLI understands (${formatIssues(checked.error, 'body')}); are the CLI and the scheduler of the same version?`,
  );
}
