import { z } from 'zod';

/**
 * Erlang node names as the framework gives them: `<node key>@<agent host>`. The name part is what
 * Riak's scripts accept before the `@` (letters, digits, `_`, `-`), the host a host name or an
 * IPv4 address; the whole is an Erlang atom, so at most 255 characters.
 */
export const RIAK_NODE_NAME = /^[A-Za-z0-9_-]+@[A-Za-z0-9_.-]+$/;
const NAME_PART = /^[A-Za-z0-9_-]+$/;
const HOST_PART = /^[A-Za-z0-9_.-]+$/;
export const MAX_NODE_NAME_LENGTH = 255;

export class InvalidNodeNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidNodeNameError';
  }
}

/** `<name>@<host>`, checked: what every message, task and record carries as a Riak node name. */
export const riakNodeNameSchema = z
  .string({ error: 'must be an Erlang node name <name>@<host>' })
  .max(MAX_NODE_NAME_LENGTH, `must be at most ${MAX_NODE_NAME_LENGTH} characters`)
  .regex(RIAK_NODE_NAME, 'must be <name>@<host>');

export function isRiakNodeName(value: unknown): value is string {
  return riakNodeNameSchema.safeParse(value).success;
}

const shown = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);

/**
 * The Erlang node name of a node on a host: `<key>@<host>`. Throws InvalidNodeNameError naming the
 * part that cannot be in one (a key with `.`, a host with `:` …).
 */
export function riakNodeName(key: string, host: string): string {
  if (!NAME_PART.test(key))
    throw new InvalidNodeNameError(
      `node key ${shown(key)} cannot be the name of an Erlang node (letters, digits, _ and - only)`,
    );
  if (!HOST_PART.test(host))
    throw new InvalidNodeNameError(
      `host ${shown(host)} cannot be the host of an Erlang node name (letters, digits, _ . and -)`,
    );
  const name = `${key}@${host}`;
  if (name.length > MAX_NODE_NAME_LENGTH)
    throw new InvalidNodeNameError(
      `node name ${shown(name)} is ${name.length} characters long; at most ${MAX_NODE_NAME_LENGTH}`,
    );
  return name;
}

/** The name and host of an Erlang node name; throws InvalidNodeNameError when it is not one. */
export function parseRiakNodeName(value: unknown): { name: string; host: string } {
  const checked = riakNodeNameSchema.safeParse(value);
  if (!checked.success)
    throw new InvalidNodeNameError(
      `${typeof value === 'string' ? shown(value) : typeof value} is not an Erlang node name: ${checked.error.issues[0]?.message ?? 'invalid'}`,
    );
  const at = checked.data.indexOf('@');
  return { name: checked.data.slice(0, at), host: checked.data.slice(at + 1) };
}
