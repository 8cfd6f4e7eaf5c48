import type { z } from 'zod';
import { requestIssue } from '@riak-mesos/framework-contract';
import { CliError } from '../errors';

/**
 * A request a command builds, checked with the schema the scheduler parses it with (the
 * contract's `api-requests`): one it would refuse is a usage error here (exit 2), before anything
 * is sent. `flags` names the command's option or argument for a field, for the message.
 */
export function checkedRequest<S extends z.ZodType>(
  schema: S,
  value: unknown,
  flags: Record<string, string> = {},
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const { field, message } = requestIssue(parsed.error);
  const flag = flags[field.split('.')[0] ?? field];
  throw new CliError(flag ? `${flag}: ${message}` : message, 2);
}
