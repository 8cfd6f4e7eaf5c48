import type {
  DirectorRegistration,
  EndpointView,
  EndpointsAnswer,
} from '@riak-mesos/framework-contract';
import { directorRegistrationSchema, formatIssues, hostPort } from '@riak-mesos/framework-contract';
import type { Logger } from '@riak-mesos/logging';
import type { FrameworkLayout, ZkClient } from '@riak-mesos/zk';
import { NoNodeError, NodeExistsError, joinPath } from '@riak-mesos/zk';
import type { NodeDoc } from './model';

/**
 * The directors registered for a cluster (docs/director.md, "Registration"): each director
 * writes itself as an ephemeral child of the cluster's `directors` node, which the scheduler
 * makes with the cluster (and, for clusters of an older scheduler, at start), its own ACL id in
 * the data so a director can grant it access.
 */
export async function ensureDirectorsNode(
  zk: ZkClient,
  layout: FrameworkLayout,
  cluster: string,
): Promise<void> {
  const path = layout.directors(cluster);
  const [self] = zk.identities;
  const data = JSON.stringify(self ? { schedulerId: self } : {});
  try {
    await zk.create(path, data);
  } catch (err) {
    if (!(err instanceof NodeExistsError)) throw err;
    // Made by a scheduler with other (or no) credentials: the current id is the one to grant.
    if ((await zk.get(path)).data.toString('utf8') !== data) await zk.set(path, data);
  }
}

export interface RegisteredDirector {
  id: string;
  registration: DirectorRegistration;
}

/**
 * The registrations under a cluster, each parsed with the contract's schema; one that does not
 * parse (or belongs to another cluster) is left out and logged. None when the cluster has no
 * `directors` node.
 */
export async function registeredDirectors(
  zk: ZkClient,
  layout: FrameworkLayout,
  cluster: string,
  logger: Logger,
): Promise<RegisteredDirector[]> {
  const parent = layout.directors(cluster);
  let ids: string[];
  try {
    ids = await zk.children(parent);
  } catch (err) {
    if (err instanceof NoNodeError) return [];
    throw err;
  }
  const found: RegisteredDirector[] = [];
  for (const id of ids.sort()) {
    const path = joinPath(parent, id);
    let raw: string;
    try {
      raw = (await zk.get(path)).data.toString('utf8');
    } catch (err) {
      if (err instanceof NoNodeError) continue; // gone meanwhile
      throw err;
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      logger.warn('a director registration is not JSON; left out of the endpoints', { path });
      continue;
    }
    const parsed = directorRegistrationSchema.safeParse(json);
    if (!parsed.success || parsed.data.cluster !== cluster) {
      logger.warn('a director registration is invalid; left out of the endpoints', {
        path,
        error: parsed.success
          ? `it names cluster ${parsed.data.cluster}`
          : formatIssues(parsed.error),
      });
      continue;
    }
    found.push({ id, registration: parsed.data });
  }
  return found;
}

/**
 * The answer of `GET /clusters/{c}/endpoints`: running ring members, then directors, each director
 * with its backends' health as it last published it in its registration.
 */
export function endpointsOf(
  cluster: string,
  nodes: readonly NodeDoc[],
  directors: readonly RegisteredDirector[],
): EndpointsAnswer {
  const members: EndpointView[] = nodes
    .filter((n) => n.cluster === cluster && n.state === 'running' && n.member)
    .flatMap((n) =>
      n.hostname && n.ports
        ? [
            {
              kind: 'node' as const,
              name: n.key,
              pb: hostPort(n.hostname, n.ports.pb),
              http: hostPort(n.hostname, n.ports.http),
            },
          ]
        : [],
    )
    .sort((a, b) => a.name.localeCompare(b.name));
  return {
    cluster,
    nodes: members,
    directors: directors.map(({ id, registration: r }) => ({
      kind: 'director' as const,
      name: id,
      pb: hostPort(r.host, r.pbPort),
      http: hostPort(r.host, r.httpPort),
      ...(r.backends ? { backends: r.backends } : {}),
      ...(r.backendsAt ? { backends_at: r.backendsAt } : {}),
    })),
  };
}
