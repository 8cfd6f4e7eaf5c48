/**
 * The console's calls to the scheduler's API: every answer parsed with the framework contract's
 * schema (an answer that does not match is an error naming the field, never drawn from a guess).
 *
 * Authentication (docs/security.md): the page asks for the API token when the scheduler answers
 * 401, keeps it in sessionStorage (this tab only) and sends it as an `Authorization` header, never
 * in a cookie or a URL.
 */
import { z } from 'zod';
import { formatIssues } from '@riak-mesos/framework-contract';

const TOKEN_KEY = 'riak-mesos-token';
export const base = location.pathname.replace(/\/(explorer\/?)?$/, '');
export const api = `${base}/api/v1`;

let token = sessionStorage.getItem(TOKEN_KEY) ?? '';
let onUnauthorized: () => void = () => undefined;

export function currentToken(): string {
  return token;
}

export function setToken(t: string): void {
  token = t;
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

export function headers(): Record<string, string> {
  const h: Record<string, string> = { accept: 'application/json' };
  if (token) h.authorization = `Bearer ${token}`;
  return h;
}

/** An answer the console cannot use: its HTTP status (0: none) and what the API said. */
export class AnswerError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** `encodeURIComponent` of each name, joined into a path. */
export function path(...parts: string[]): string {
  return parts.map((p) => `/${encodeURIComponent(p)}`).join('');
}

async function answer<S extends z.ZodType>(
  p: string,
  r: Response,
  schema: S,
  anyStatus = false,
): Promise<z.output<S>> {
  if (r.status === 401) {
    onUnauthorized();
    throw new AnswerError('the API refused: sign in with the API token (401)', 401);
  }
  let body: unknown;
  try {
    body = await r.json();
  } catch {
    body = undefined;
  }
  if (!r.ok && !(anyStatus && r.status !== 404 && r.status < 600)) {
    const said = errorText(body);
    throw new AnswerError(`${p}: HTTP ${r.status}${said ? ` (${said})` : ''}`, r.status);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new AnswerError(`${p}: unexpected answer (${formatIssues(parsed.error)})`, r.status);
  return parsed.data;
}

/** What an API error body says: `{"error": {"message", "field"?}}` (docs/api.md). */
function errorText(body: unknown): string {
  if (!body || typeof body !== 'object' || !('error' in body)) return '';
  const e: unknown = body.error;
  if (!e || typeof e !== 'object') return String(e);
  const message = 'message' in e ? String(e.message) : '';
  const at = [
    'field' in e ? String(e.field) : '',
    'line' in e ? `line ${String(e.line)}` : '',
    'column' in e ? `column ${String(e.column)}` : '',
  ].filter(Boolean);
  return message + (at.length ? ` [${at.join(', ')}]` : '');
}

/** GETs an API path and parses its answer with the contract's schema. */
export async function get<S extends z.ZodType>(p: string, schema: S): Promise<z.output<S>> {
  return answer(p, await fetch(api + p, { headers: headers() }), schema);
}

/** As get, for routes that answer their state with its own HTTP status (health). */
export async function getAnyStatus<S extends z.ZodType>(
  p: string,
  schema: S,
): Promise<z.output<S>> {
  return answer(p, await fetch(api + p, { headers: headers() }), schema, true);
}

/** Sends a change (POST, PUT, DELETE) with a JSON body and parses the answer. */
export async function send<S extends z.ZodType>(
  method: 'POST' | 'PUT' | 'DELETE',
  p: string,
  body: unknown,
  schema: S,
): Promise<z.output<S>> {
  const r = await fetch(api + p, {
    method,
    headers: { ...headers(), 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  return answer(p, r, schema);
}

/** PUTs a text body (a configuration template) and parses the answer. */
export async function putText<S extends z.ZodType>(
  p: string,
  text: string,
  schema: S,
): Promise<z.output<S>> {
  const r = await fetch(api + p, {
    method: 'PUT',
    headers: { ...headers(), 'content-type': 'text/plain' },
    body: text,
  });
  return answer(p, r, schema);
}

/**
 * GETs a text resource (a template); `undefined` when the API answers 404 (none stored). Other
 * refusals are errors as for `get`.
 */
export async function getText(p: string): Promise<string | undefined> {
  const r = await fetch(api + p, { headers: { ...headers(), accept: 'text/plain' } });
  if (r.status === 404) return undefined;
  if (r.ok) return r.text();
  return answer(p, r, z.never());
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
