import type { Request, RequestHandler, Response, Router } from 'express';
import type {
  ConfigValidationAnswer,
  ConfigVersionHead,
  ConfigVersionSummaryView,
  ConfigVersionView,
  ConfigurationsAnswer,
} from '@riak-mesos/framework-contract';
import {
  configChangeQuerySchema,
  configValidateRequestSchema,
  configurationsQuerySchema,
} from '@riak-mesos/framework-contract';
import { validateName } from '@riak-mesos/zk';
import type { ConfigContent, NodeResources } from '../config-rules';
import { checkRules } from '../config-rules';
import type { CommitResult, ConfigVersionDoc, ConfigVersions } from '../config-versions';
import { MAX_CONFIG_VERSIONS, configDiff, nodeFacts, versionContent } from '../config-versions';
import type { SchedulerStore } from '../store';
import { principalOf } from './auth';
import { badRequest, conflict, notFound, rulesViolated } from './errors';
import { requestInput } from './input';

export interface ConfigRouteDeps {
  store: SchedulerStore;
  versions: ConfigVersions;
  /** Names of the Riak versions the scheduler has packages for. */
  versionNames: () => string[];
  /** The node resources in effect (the scheduler's settings). */
  nodeResources: () => NodeResources;
  validateRiakConf: (template: string) => void;
  validateAdvancedConfig: (template: string) => void;
  leaderOnly: RequestHandler;
  json: RequestHandler;
  text: RequestHandler;
}

/** A proposed change of a cluster's configuration, as the routes make it. */
export interface Proposal {
  cluster: string;
  /** The proposed content, from the target's. */
  change: (target: ConfigContent) => ConfigContent;
  author: string;
  force: boolean;
  /** Only validate: store nothing. */
  dryRun: boolean;
}

/** What a proposal came to: validated only (with what it would change) or stored. */
export type ProposalResult =
  { dryRun: true; answer: ConfigValidationAnswer } | { dryRun: false; result: CommitResult };

/**
 * Checks a change against the rules (409 listing every violation) and, unless only validating,
 * stores it as a new version made with the cluster's change (config-versions.ts).
 */
export async function propose(deps: ConfigRouteDeps, p: Proposal): Promise<ProposalResult> {
  const resources = deps.nodeResources();
  const { cluster, content } = await deps.versions.target(p.cluster, resources);
  if (cluster.state === 'shutting_down' || cluster.state === 'shutdown')
    throw conflict(`cluster '${p.cluster}' is being destroyed`);
  const proposed: ConfigContent = { ...p.change(content), resources };
  const violations = checkRules({
    current: content,
    proposed,
    knownVersions: deps.versionNames(),
    ...nodeFacts(await deps.store.listNodes(p.cluster)),
    force: p.force,
  });
  if (violations.length) throw rulesViolated(violations);
  if (p.dryRun) {
    const diff = configDiff(content, proposed);
    return {
      dryRun: true,
      answer: { cluster: p.cluster, valid: true, changes: diff.map((d) => d.field), diff },
    };
  }
  const result = await deps.versions.commit(
    p.cluster,
    { content: proposed, author: p.author },
    { target: cluster.configVersion, content },
  );
  return { dryRun: false, result };
}

/**
 * After an upgrade is aborted (its nodes rolled back), a new target naming the Riak version the
 * cluster runs again, if the target still names the one given up; no rules (the cluster ran it).
 */
export async function revertRiakVersion(
  deps: ConfigRouteDeps,
  cluster: string,
  r: { from: string; to: string; author: string },
): Promise<void> {
  const { cluster: c, content } = await deps.versions.target(cluster, deps.nodeResources());
  if (content.riakVersion !== r.from) return;
  await deps.versions.commit(
    cluster,
    {
      content: { ...content, riakVersion: r.to },
      author: r.author,
      note: `upgrade to ${r.from} aborted: back to ${r.to}`,
    },
    { target: c.configVersion, content },
  );
}

/** A template's syntax (variables, lines, Erlang terms): 400 naming the line and column. */
function checkSyntax(route: string, field: string, validate: (t: string) => void, body: string) {
  try {
    validate(body);
  } catch (err) {
    const e = err as Error & { line?: number; column?: number };
    throw badRequest(`invalid ${route} template: ${e.message}`, {
      field,
      ...(e.line !== undefined ? { line: e.line } : {}),
      ...(e.column !== undefined ? { column: e.column } : {}),
    });
  }
}

function headView(v: ConfigVersionDoc): ConfigVersionHead {
  return {
    id: v.id,
    created_at: v.createdAt,
    author: v.author,
    changes: v.changes,
    note: v.note ?? null,
    warnings: v.warnings,
  };
}

function summaryView(
  v: ConfigVersionDoc,
  target: ConfigVersionDoc | null,
): ConfigVersionSummaryView {
  return {
    ...headView(v),
    diff_to_target: target ? configDiff(versionContent(v), versionContent(target)) : [],
  };
}

export function configVersionView(
  v: ConfigVersionDoc,
  target: number | undefined,
): ConfigVersionView {
  return {
    ...headView(v),
    target: v.id === target,
    riak_version: v.riakVersion,
    riak_conf: v.riakConf ?? null,
    advanced_config: v.advancedConfig ?? null,
    resources: v.resources,
  };
}

/**
 * The cluster's templates (`GET|PUT|DELETE …/config`, `…/advancedConfig`), each change a new
 * version after the rules (`?dry_run=true` validates only, `?force=true` passes the n_val rule);
 * `POST …/config/validate` validates a change given as JSON; `GET …/configurations[?diff=ID]` and
 * `GET …/configurations/{id}` show the versions (docs/api.md#configuration-versions).
 */
export function addConfigRoutes(api: Router, deps: ConfigRouteDeps): void {
  const { store, versions } = deps;
  const clusterOf = (req: Request) => validateName('cluster', req.params.cluster);

  for (const [route, field, key, validate] of [
    ['config', 'riakConf', 'riak_conf', deps.validateRiakConf],
    ['advancedConfig', 'advancedConfig', 'advanced_config', deps.validateAdvancedConfig],
  ] as const) {
    api.get(`/clusters/:cluster/${route}`, async (req, res) => {
      const cluster = await store.requireCluster(clusterOf(req));
      const value = cluster[field];
      if (value === undefined)
        throw notFound(
          `cluster '${cluster.name}' has no ${route} template; nodes use the package's own file`,
        );
      res.type('text/plain').send(value);
    });
    api.put(`/clusters/:cluster/${route}`, deps.leaderOnly, deps.text, async (req, res) => {
      const name = clusterOf(req);
      const query = requestInput(req, { textBody: true, query: configChangeQuerySchema });
      const body: unknown = req.body;
      if (typeof body !== 'string' || body.trim() === '')
        throw badRequest(`send the ${route} template as the request body`, { field: key });
      checkSyntax(route, key, validate, body);
      const out = await propose(deps, {
        cluster: name,
        change: (t) => ({ ...t, [field]: body }),
        author: principalOf(res),
        force: query.force === true,
        dryRun: query.dry_run === true,
      });
      if (out.dryRun) return void res.json(out.answer);
      res.json({
        cluster: name,
        [route]: 'stored',
        config_version: out.result.cluster.configVersion ?? null,
        changes: out.result.version?.changes ?? [],
        note: 'nodes pick it up when they restart (POST /clusters/{cluster}/config/apply)',
      });
    });
    api.delete(`/clusters/:cluster/${route}`, deps.leaderOnly, deps.json, async (req, res) => {
      const name = clusterOf(req);
      const query = requestInput(req, { query: configChangeQuerySchema });
      const out = await propose(deps, {
        cluster: name,
        change: (t) => {
          const next = { ...t };
          delete next[field];
          return next;
        },
        author: principalOf(res),
        force: query.force === true,
        dryRun: query.dry_run === true,
      });
      if (out.dryRun) return void res.json(out.answer);
      res.status(204).end();
    });
  }

  api.post('/clusters/:cluster/config/validate', deps.json, async (req, res) => {
    const name = clusterOf(req);
    const input = requestInput(req, { body: configValidateRequestSchema });
    if (typeof input.riak_conf === 'string')
      checkSyntax('config', 'riak_conf', deps.validateRiakConf, input.riak_conf);
    if (typeof input.advanced_config === 'string')
      checkSyntax(
        'advancedConfig',
        'advanced_config',
        deps.validateAdvancedConfig,
        input.advanced_config,
      );
    const set = (c: ConfigContent, k: 'riakConf' | 'advancedConfig', v?: string | null) => {
      if (v === undefined) return c;
      const next = { ...c };
      if (v === null) delete next[k];
      else next[k] = v;
      return next;
    };
    const out = await propose(deps, {
      cluster: name,
      change: (t) => {
        const next = set(
          set(t, 'riakConf', input.riak_conf),
          'advancedConfig',
          input.advanced_config,
        );
        return input.riak_version ? { ...next, riakVersion: input.riak_version } : next;
      },
      author: principalOf(res),
      force: input.force === true,
      dryRun: true,
    });
    if (out.dryRun) res.json(out.answer);
  });

  api.get('/clusters/:cluster/configurations', async (req: Request, res: Response) => {
    const name = clusterOf(req);
    const { diff } = requestInput(req, { query: configurationsQuerySchema });
    const cluster = await store.requireCluster(name);
    const all = await versions.list(name);
    const target = all.find((v) => v.id === cluster.configVersion) ?? null;
    const shown = diff === undefined ? all : all.filter((v) => v.id === diff);
    if (diff !== undefined && shown.length === 0)
      throw notFound(
        `cluster '${name}' has no configuration version ${diff} (kept: the last ${MAX_CONFIG_VERSIONS})`,
      );
    const answer: ConfigurationsAnswer = {
      cluster: name,
      target: cluster.configVersion ?? null,
      kept: MAX_CONFIG_VERSIONS,
      versions: shown.map((v) => summaryView(v, target)),
    };
    res.json(answer);
  });

  api.get('/clusters/:cluster/configurations/:id', async (req: Request, res: Response) => {
    const name = clusterOf(req);
    requestInput(req, {});
    const raw = String(req.params.id);
    if (!/^[1-9]\d{0,8}$/.test(raw))
      throw badRequest('a configuration version id is a whole number from 1', { field: 'id' });
    const cluster = await store.requireCluster(name);
    const v = await versions.get(name, Number(raw));
    if (!v) throw notFound(`cluster '${name}' has no configuration version ${raw}`);
    res.json({ configuration: configVersionView(v, cluster.configVersion) });
  });
}
