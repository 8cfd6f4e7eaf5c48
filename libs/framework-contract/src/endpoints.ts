import { z } from 'zod';
import { zkDigestIdSchema } from './zk-auth';

/**
 * Endpoint discovery (docs/operations.md, "Endpoints"): what a director writes about itself in
 * ZooKeeper (`clusters/<c>/directors/<id>`, ephemeral), read by the scheduler, and the scheduler's
 * answer to `GET /clusters/{c}/endpoints`, read by the CLI.
 */

const port = z.number().int().min(1).max(65535);
/** A host name or address clients can reach: no spaces, no slashes. */
const host = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9_.:[\]-]+$/, 'must be a host name or address');

/**
 * The data of a cluster's `directors` node, written by the scheduler when it makes it: its own
 * ACL id, which a director grants access to its registration (ZooKeeper hides the ids in an ACL
 * from readers without ADMIN). None: the scheduler runs without ZooKeeper credentials.
 */
export const directorsNodeSchema = z.object({ schedulerId: zkDigestIdSchema.optional() });
export type DirectorsNode = z.output<typeof directorsNodeSchema>;

/**
 * One backend of a director's listener as its health checks see it (docs/director.md, "Health
 * checks"): `up` takes connections, `down` failed its checks (or was ejected), `draining` left
 * discovery and finishes its connections.
 */
export const directorBackendSchema = z.object({
  /** The Riak node name (`riak-default-1@host`). */
  node: z.string().min(1).max(300),
  listener: z.enum(['protobuf', 'http']),
  /** `host:port` the director connects to. */
  address: z.string().min(1).max(300),
  state: z.enum(['up', 'down', 'draining']),
  /** Why it is down: the last failed check or connection. */
  error: z.string().max(300).optional(),
});
export type DirectorBackend = z.output<typeof directorBackendSchema>;

/** A director's registration: where clients reach its PB and HTTP proxies. Extra keys ignored. */
export const directorRegistrationSchema = z.object({
  framework: z.string().min(1),
  cluster: z.string().min(1),
  /** The host clients reach it at (its advertised host, default its host name). */
  host,
  pbPort: port,
  httpPort: port,
  registeredAt: z.string(),
  /**
   * Its backends' health, rewritten by the director when one changes (none from a director of an
   * older version). Read through ZooKeeper, under the registration's ACL: no port of the
   * director's own is asked.
   */
  backends: z.array(directorBackendSchema).max(1000).optional(),
  /** When `backends` last changed. */
  backendsAt: z.string().optional(),
});
export type DirectorRegistration = z.output<typeof directorRegistrationSchema>;

/** The registration as written (JSON), checked as it is encoded. */
export function encodeDirectorRegistration(r: DirectorRegistration): string {
  return JSON.stringify(directorRegistrationSchema.parse(r));
}

/** `host:port`, with brackets around an IPv6 address. */
export function hostPort(h: string, p: number): string {
  return h.includes(':') && !h.startsWith('[') ? `[${h}]:${p}` : `${h}:${p}`;
}

const address = z.string().min(1);

/** One address pair: a running ring member (`kind: node`) or a registered director. */
export const endpointViewSchema = z.object({
  kind: z.enum(['node', 'director']),
  /** The node's name, or the director's registration id. */
  name: z.string().min(1),
  /** `host:port` of protocol buffers. */
  pb: address,
  /** `host:port` of HTTP. */
  http: address,
  /** A director's backends' health, as it last published it (directors only). */
  backends: z.array(directorBackendSchema).optional(),
  /** When the director last changed `backends`. */
  backends_at: z.string().optional(),
});
export type EndpointView = z.output<typeof endpointViewSchema>;

/** `GET /clusters/{c}/endpoints`: running members first (by name), then directors (by id). */
export const endpointsAnswerSchema = z.object({
  cluster: z.string().min(1),
  nodes: z.array(endpointViewSchema),
  directors: z.array(endpointViewSchema),
});
export type EndpointsAnswer = z.output<typeof endpointsAnswerSchema>;
