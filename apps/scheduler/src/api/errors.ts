import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@riak-mesos/logging';
import { InvalidDocumentError, InvalidNameError } from '@riak-mesos/zk';
import { InvalidTransitionError } from '../node-state';
import { ConflictError, NotFoundError } from '../store';

/** An error with an HTTP status, answered as `{"error": {"status", "code", "message"}}`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, details?: Record<string, unknown>) =>
  new HttpError(400, 'bad_request', message, details);
export const notFound = (message: string) => new HttpError(404, 'not_found', message);
export const conflict = (message: string) => new HttpError(409, 'conflict', message);
/**
 * A change the configuration rules refuse (config-rules.ts): 409 as other refusals of a change the
 * cluster's state does not allow, every violated rule in `violations`, the first's in `field`.
 */
export const rulesViolated = (violations: { rule: string; field: string; message: string }[]) =>
  new HttpError(409, 'rules_violated', violations.map((v) => v.message).join('; '), {
    field: violations[0]?.field ?? 'configuration',
    violations,
  });
/** A node (its executor or Riak) answered with an error, or not at all. */
export const badGateway = (message: string) => new HttpError(502, 'node_error', message);
export const unavailable = (message: string, details?: Record<string, unknown>) =>
  new HttpError(503, 'unavailable', message, details);

function classify(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof InvalidNameError) return badRequest(err.message);
  if (err instanceof NotFoundError) return notFound(err.message);
  if (err instanceof ConflictError || err instanceof InvalidTransitionError)
    return conflict(err.message);
  if (err instanceof RangeError) return badRequest(err.message);
  if (err instanceof InvalidDocumentError) return new HttpError(500, 'invalid_state', err.message);
  const e = err as { type?: string; status?: number; message?: string };
  // body-parser's errors: malformed JSON, too large, bad charset.
  if (e && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    const message =
      e.type === 'entity.too.large'
        ? 'request body is too large'
        : e.type === 'entity.parse.failed'
          ? `request body is not valid JSON: ${e.message}`
          : (e.message ?? 'bad request');
    return new HttpError(e.status, e.type ?? 'bad_request', message);
  }
  return new HttpError(500, 'internal', 'internal error');
}

export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const http = classify(err);
    if (http.status === 500)
      logger.error('request failed', {
        method: req.method,
        path: req.path,
        error: (err as Error)?.stack ?? String(err),
      });
    else
      logger.debug('request rejected', {
        method: req.method,
        path: req.path,
        status: http.status,
        message: http.message,
      });
    if (res.headersSent) return;
    res.status(http.status).json({
      error: { status: http.status, code: http.code, message: http.message, ...http.details },
    });
  };
}
