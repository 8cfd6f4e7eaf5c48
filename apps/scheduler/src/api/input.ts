import type { Request } from 'express';
import type { z } from 'zod';
import { emptyRequestSchema, requestIssue } from '@riak-mesos/framework-contract';
import { HttpError, badRequest } from './errors';

type Output<S> = S extends z.ZodType ? z.output<S> : Record<never, never>;

/** Whether the request came with a body (whatever its type). */
function sentBody(req: Request): boolean {
  const length = Number(req.get('content-length') ?? '0');
  return req.get('transfer-encoding') !== undefined || length > 0;
}

function parsed<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query') {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { field, message } = requestIssue(result.error, where);
  throw badRequest(message, { field });
}

/**
 * A route's input, parsed on receipt with its contract schemas (strict: unknown fields refused):
 * the JSON body (absent: `{}`) and the query parameters. A route without a body schema takes `{}`
 * at most; without a query schema, no query parameters. A parameter both schemas know may come
 * in either place, not in both. Throws 400 naming the first bad field, 415 for a body not JSON.
 * `textBody`: the route reads a text body itself; only its query is checked here.
 */
export function requestInput<
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
>(req: Request, schemas: { body?: B; query?: Q; textBody?: boolean }): Output<B> & Output<Q> {
  const rawBody: unknown = schemas.textBody ? undefined : req.body;
  if (rawBody === undefined && !schemas.textBody && sentBody(req))
    throw new HttpError(
      415,
      'unsupported_media_type',
      'send the body as JSON (content-type: application/json)',
      { field: 'content-type' },
    );
  const body = parsed(schemas.body ?? emptyRequestSchema, rawBody ?? {}, 'body') as Record<
    string,
    unknown
  >;
  const query = parsed(schemas.query ?? emptyRequestSchema, req.query, 'query') as Record<
    string,
    unknown
  >;
  for (const key of Object.keys(query))
    if (body[key] !== undefined && query[key] !== undefined)
      throw badRequest(`${key} is given twice: send it in the body or in the query, not both`, {
        field: key,
      });
  const merged: Record<string, unknown> = { ...body };
  for (const [key, value] of Object.entries(query)) if (value !== undefined) merged[key] = value;
  return merged as Output<B> & Output<Q>;
}
