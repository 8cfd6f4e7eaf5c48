import { z } from 'zod';
import { CliError } from './errors';

/** An error answer: the scheduler's `{"error": {"message"}}`, or Marathon's `{"message"}`. */
const errorAnswerSchema = z.union([
  z.object({ error: z.object({ message: z.string() }) }).transform((e) => e.error.message),
  z.object({ message: z.string() }).transform((e) => e.message),
]);

export interface HttpResult<T> {
  status: number;
  body: T;
}

/** A small JSON-over-HTTP client that turns every failure into a CliError naming what failed. */
export class HttpClient {
  constructor(
    readonly baseUrl: string,
    private readonly what: string,
    private readonly headers: Record<string, string> = {},
    private readonly timeoutMs = 15000,
  ) {}

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    options: { accept404?: boolean; text?: boolean; anyStatus?: boolean } = {},
  ): Promise<HttpResult<T>> {
    const url = this.baseUrl + path;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          accept: 'application/json',
          ...this.headers,
          ...(body === undefined
            ? {}
            : { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' }),
        },
        body:
          body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const c = (err as { cause?: { code?: string; message?: string } }).cause;
      const cause = c?.code ?? c?.message ?? (err as Error).message;
      throw new CliError(`cannot reach the ${this.what} at ${this.baseUrl}: ${cause}`);
    }
    const text = await res.text();
    let parsed: unknown = text;
    if (!options.text) {
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    // `anyStatus`: the status is the answer (health states), except a refusal of the request.
    const answered = options.anyStatus && ![400, 401, 403, 404].includes(res.status);
    if (res.ok || answered || (options.accept404 && res.status === 404))
      return { status: res.status, body: parsed as T };
    const answer = errorAnswerSchema.safeParse(parsed);
    const message = answer.success ? answer.data : text.slice(0, 200) || res.statusText;
    throw new CliError(`${this.what} answered ${res.status} to ${method} ${path}: ${message}`);
  }

  get<T = unknown>(
    path: string,
    options?: { accept404?: boolean; text?: boolean; anyStatus?: boolean },
  ) {
    return this.request<T>('GET', path, undefined, options);
  }
}
