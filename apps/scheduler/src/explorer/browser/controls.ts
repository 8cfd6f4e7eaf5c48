/**
 * The console's controls: each change is confirmed in a dialog that names what happens to the
 * data, then sent with the API's token. A refusal (401 without credentials, 409 while another
 * plan runs, 400 naming a field) is shown as the API said it.
 */
import {
  planAnswerSchema,
  nodeAnswerSchema,
  nodeListAnswerSchema,
  replaceAnswerSchema,
  startedOperationAnswerSchema,
} from '@riak-mesos/framework-contract';
import { byId, el } from './dom';
import { messageOf, path, send } from './http';

export const STRATEGIES = ['serial', 'parallel', 'canary'] as const;

export interface Action {
  /** What the dialog's title and button say, e.g. "Remove riak-default-3". */
  title: string;
  /** What happens to the data, in words an operator can check before saying yes. */
  consequence: string;
  /** Sends the change; answers what to say when it was taken. */
  run: () => Promise<string>;
}

let afterChange: () => void = () => undefined;
export function whenChanged(fn: () => void): void {
  afterChange = fn;
}

export function notice(text: string, ok: boolean): void {
  const box = byId('notice');
  box.className = ok ? 'ok' : 'error';
  box.textContent = text;
}

/** Asks in the dialog; resolves true when the operator confirms. */
function confirmDialog(a: Action): Promise<boolean> {
  const dialog = byId<HTMLDialogElement>('confirm');
  byId('confirm-title').textContent = a.title;
  byId('confirm-text').textContent = a.consequence;
  byId('confirm-ok').textContent = a.title;
  dialog.returnValue = '';
  dialog.showModal();
  byId('confirm-cancel').focus();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
  });
}

export async function perform(a: Action): Promise<void> {
  if (!(await confirmDialog(a))) {
    notice(`${a.title}: cancelled, nothing changed`, true);
    return;
  }
  try {
    notice(`${a.title}: ${await a.run()}`, true);
  } catch (e) {
    notice(`${a.title}: refused — ${messageOf(e)}`, false);
  }
  afterChange();
}

/** A button that performs `a` (built when clicked, so it reads the form's current values). */
export function actionButton(label: string, key: string, a: () => Action): HTMLElement {
  const b = el('button', { type: 'button', 'data-action': key, 'data-focus': key }, [label]);
  b.addEventListener('click', () => void perform(a()));
  return b;
}

const c = (cluster: string) => path('clusters', cluster);

export function addNodes(cluster: string, count: number, strategy: string): Action {
  return {
    title: `Add ${count} node${count === 1 ? '' : 's'} to ${cluster}`,
    consequence:
      `${count} new node${count === 1 ? '' : 's'} will each reserve resources and a persistent ` +
      `volume on an agent, start Riak and join the ring (${strategy}); the current members hand ` +
      'part of their partitions off to them. No data is removed.',
    run: async () => {
      const r = await send(
        'POST',
        `${c(cluster)}/nodes`,
        { nodes: count, strategy },
        nodeListAnswerSchema,
      );
      return `added ${r.nodes.map((n) => n.name).join(', ')} (a deploy plan)`;
    },
  };
}

export function removeNode(cluster: string, node: string): Action {
  return {
    title: `Remove ${node}`,
    consequence:
      `${node} leaves the ring: its partitions are handed off to the other members before it ` +
      'stops; only then are its persistent volume and reservation released (the copy on that ' +
      'disk is gone; the data lives on in the other members).',
    run: async () => {
      const r = await send('DELETE', `${c(cluster)}${path('nodes', node)}`, {}, nodeAnswerSchema);
      return `${r.node.name} is leaving (a remove plan)`;
    },
  };
}

export function restartNode(cluster: string, node: string): Action {
  return {
    title: `Restart ${node}`,
    consequence:
      `${node} stops and starts again on the same volume; while it is down its partitions are ` +
      'served by fallbacks on the other members and handed back when it is up. No data is removed.',
    run: async () => {
      const r = await send(
        'POST',
        `${c(cluster)}${path('nodes', node, 'restart')}`,
        {},
        planAnswerSchema,
      );
      return `plan ${r.plan.id} started`;
    },
  };
}

export function replaceNode(cluster: string, node: string): Action {
  return {
    title: `Replace ${node}`,
    consequence:
      `A new node with a new persistent volume is placed on another agent than ${node}'s and ` +
      `joins the ring first; then ${node} leaves with handoff (its partitions move to the other ` +
      'members). Its volume and reservation are released only once the new node is a ring ' +
      `member. Were ${node} down or its agent unreachable, it is removed first and its replicas ` +
      'are rebuilt from the other members.',
    run: async () => {
      const r = await send(
        'POST',
        `${c(cluster)}${path('nodes', node, 'replace')}`,
        {},
        replaceAnswerSchema,
      );
      return `${r.node.name} replaces ${node} (plan ${r.plan.id})`;
    },
  };
}

/** A rolling plan's answer: the plan, and the configuration version it rolls the nodes to. */
const rollingAnswerSchema = planAnswerSchema.extend({
  target_config_version: startedOperationAnswerSchema.shape.target_config_version,
});

function rollingText(strategy: string): string {
  return (
    `(${strategy}` +
    (strategy === 'canary' ? ': one node first, then the plan waits for continue' : '') +
    ')'
  );
}

async function startRolling(p: string, body: object): Promise<string> {
  const r = await send('POST', p, body, rollingAnswerSchema);
  const to = r.target_config_version;
  return `plan ${r.plan.id} started${to !== undefined ? `, rolling to configuration version ${to}` : ''}`;
}

/**
 * A rolling restart, or a configuration apply to `target` (the cluster's target configuration
 * version as last read; the API answers the one it actually rolls to).
 */
export function rolling(
  cluster: string,
  kind: 'restart' | 'config/apply',
  strategy: string,
  target?: number,
): Action {
  const what = kind === 'restart' ? 'Rolling restart' : 'Apply configuration';
  return {
    title:
      `${what} of ${cluster}` +
      (kind === 'config/apply' && target !== undefined ? ` (version ${target})` : ''),
    consequence:
      `Every node of ${cluster} is stopped and started again ${rollingText(strategy)}` +
      (kind === 'config/apply'
        ? ` on the target configuration version${target !== undefined ? ` ${target}` : ''} ` +
          '(its riak.conf and advanced.config templates, Riak version and resources)'
        : '') +
      '; each keeps its volume, and a stopped node’s partitions are served by fallbacks until it ' +
      'is back. No data is removed.',
    run: () => startRolling(`${c(cluster)}/${kind}`, { strategy }),
  };
}

export function upgrade(cluster: string, version: string, strategy: string): Action {
  return {
    title: `Upgrade ${cluster} to ${version}`,
    consequence:
      `Every node of ${cluster} is relaunched on its agent with Riak ${version} ` +
      `${rollingText(strategy)}, a new configuration version: each keeps its volume (data kept, ` +
      'software replaced, configuration rendered again), and a stopped node’s partitions are ' +
      'served by fallbacks until it is back. Aborting the plan rolls the upgraded nodes back ' +
      'to the old version. No data is removed.',
    run: () => startRolling(`${c(cluster)}/upgrade`, { riak_version: version, strategy }),
  };
}

export type PlanControl = 'interrupt' | 'continue' | 'force-complete';

export function planControl(
  cluster: string,
  plan: string,
  control: PlanControl,
  step?: { phase: string; name: string; node: string },
): Action {
  const query = step
    ? `?phase=${encodeURIComponent(step.phase)}&step=${encodeURIComponent(step.name)}`
    : '';
  const consequence = {
    interrupt: `Plan ${plan} stops before its next step; the step under way finishes. Nodes and data stay as they are.`,
    continue: `Plan ${plan} goes on with its next step.`,
    'force-complete': step
      ? `Step ${step.name} is marked COMPLETE without being done: ${step.node} is left as it is now ` +
        '(not restarted, not upgraded, not removed) and the plan goes on. No data is removed.'
      : `Plan ${plan} is marked COMPLETE without doing its remaining steps. No data is removed.`,
  }[control];
  return {
    title: `${control} ${step ? `step ${step.name}` : `plan ${plan}`}`,
    consequence,
    run: async () => {
      const r = await send(
        'POST',
        `${c(cluster)}${path('plans', plan, control)}${query}`,
        {},
        planAnswerSchema,
      );
      return `plan ${r.plan.id} is ${r.plan.status}${r.plan.interrupted ? ' (interrupted)' : ''}`;
    },
  };
}
