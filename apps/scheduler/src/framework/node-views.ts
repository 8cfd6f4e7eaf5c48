import type { ExecutorRequestBody, NodeRiakView } from '@riak-mesos/framework-contract';
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
    request: ExecutorRequestBody,
    timeoutMs: number,
  ): Promise<NodeRiakView> => {
    const d = driver();
    if (!d) throw unavailable('this scheduler is not the leader; ask the leader');
    const answer = await d.ask(node, request, timeoutMs).catch((err: Error) => {
      throw badGateway(err.message);
    });
    if (!answer.ok) {
      const message = `node '${node.key}': ${answer.error ?? 'no answer'}`;
      throw answer.refused === true ? conflict(message) : badGateway(message);
    }
    const result = 'result' in answer ? answer.result : undefined;
    if (result === undefined)
      throw badGateway(`node '${node.key}' answered ${request.type} without a result`);
    return result;
  };
  return {
    query: (node, view, args) =>
      ask(node, { type: 'status', view, ...(args?.type ? { bucketType: args.type } : {}) }, 30000),
    bucketType: async (node, name, props) => {
      const result = await ask(node, { type: 'bucket-type', bucketType: name, props }, 90000);
      if (!('view' in result))
        throw badGateway(`node '${node.key}' answered bucket-type without the type's status`);
      return result;
    },
  };
}
