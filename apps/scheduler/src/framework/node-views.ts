import { badGateway, conflict, unavailable } from '../api/errors';
import type { NodeViews } from '../api/routes';
import type { NodeDoc } from '../model';
import type { Driver } from './driver';

/**
 * The API's per-node views and bucket types, answered by the node's executor through the
 * leading driver: 503 on a standby, 409 when Riak refused, 502 when the node failed or was silent.
 */
export function driverNodeViews(driver: () => Driver | undefined): NodeViews {
  const ask = async (
    node: NodeDoc,
    type: string,
    extra: Record<string, unknown>,
    timeoutMs: number,
  ): Promise<unknown> => {
    const d = driver();
    if (!d) throw unavailable('this scheduler is not the leader; ask the leader');
    const answer = await d.ask(node, type, extra, timeoutMs).catch((err: Error) => {
      throw badGateway(err.message);
    });
    if (answer.ok !== true) {
      const message = `node '${node.key}': ${typeof answer.error === 'string' ? answer.error : 'no answer'}`;
      throw answer.refused === true ? conflict(message) : badGateway(message);
    }
    return answer.result;
  };
  return {
    query: (node, view, args) =>
      ask(node, 'status', { view, ...(args?.type ? { bucketType: args.type } : {}) }, 30000),
    bucketType: (node, name, props) => ask(node, 'bucket-type', { bucketType: name, props }, 90000),
  };
}
