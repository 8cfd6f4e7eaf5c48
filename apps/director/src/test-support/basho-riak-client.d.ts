/**
 * basho-riak-client (Basho's Node.js client for Riak, a devDependency) ships no types: this is the
 * part of its API the director's tests use.
 */
declare module 'basho-riak-client' {
  type Callback<T> = (err: Error | string | null, result: T) => void;

  interface RiakObjectLike {
    getKey(): string;
    getValue(): Buffer | string | object;
  }

  interface FetchValueResult {
    isNotFound: boolean;
    values: RiakObjectLike[];
  }

  interface IndexQueryResult {
    values: { indexKey: string | number | null; objectKey: string }[];
    done: boolean;
  }

  /** A node of the client's pool: `RUNNING` 1, `HEALTH_CHECKING` 2, … */
  interface RiakNodeLike {
    state: number;
    on(event: 'stateChange', listener: (node: RiakNodeLike, state: number) => void): void;
  }

  export class Client {
    /**
     * `nodes`: `host:port` strings, with the client's defaults for everything else; or a cluster
     * built with `Cluster.Builder`.
     */
    constructor(
      nodes: string[] | ClusterLike,
      callback?: (err: Error | null, client: Client) => void,
    );
    cluster: { nodes: RiakNodeLike[] };
    ping(callback: Callback<boolean>): void;
    fetchServerInfo(callback: Callback<{ node: string; server_version: string }>): void;
    storeValue(
      options: { bucket: string; key?: string; value: unknown; returnBody?: boolean },
      callback: Callback<{ generatedKey: string | null; values: RiakObjectLike[] }>,
    ): void;
    fetchValue(
      options: { bucket: string; key: string; convertToJs?: boolean },
      callback: Callback<FetchValueResult>,
    ): void;
    deleteValue(options: { bucket: string; key: string }, callback: Callback<boolean>): void;
    listKeys(
      options: { bucket: string; stream?: boolean },
      callback: Callback<{ keys: string[]; done: boolean }>,
    ): void;
    secondaryIndexQuery(
      options: {
        bucket: string;
        indexName: string;
        indexKey?: string | number;
        rangeStart?: string | number;
        rangeEnd?: string | number;
        stream?: boolean;
      },
      callback: Callback<IndexQueryResult>,
    ): void;
    /** Not streamed: one answer, `{ phase_0: [...], ..., done: true }`. */
    mapReduce(query: string, callback: Callback<Record<string, unknown>>, stream: false): void;
    /** Calls `callback` with each new state of the client's cluster (`SHUTDOWN` last). */
    shutdown(callback: (state: number) => void): void;
  }

  /** A built cluster (opaque to the tests). */
  interface ClusterLike {
    readonly nodes: RiakNodeLike[];
  }

  interface NodeBuilder {
    withRemoteAddress(host: string): NodeBuilder;
    withRemotePort(port: number): NodeBuilder;
    /** The node is a load balancer: the client never takes it out to health-check it. */
    withExternalLoadBalancer(on: boolean): NodeBuilder;
    build(): RiakNodeLike;
  }

  interface ClusterBuilder {
    withRiakNodes(nodes: RiakNodeLike[]): ClusterBuilder;
    build(): ClusterLike;
  }

  export const Node: {
    State: Record<'RUNNING' | 'HEALTH_CHECKING' | 'SHUTDOWN', number>;
    Builder: new () => NodeBuilder;
  };
  export const Cluster: {
    State: Record<'RUNNING' | 'SHUTDOWN', number>;
    Builder: new () => ClusterBuilder;
  };

  export namespace Commands {
    namespace KV {
      class RiakObject implements RiakObjectLike {
        setContentType(type: string): this;
        setValue(value: string | Buffer): this;
        addToIndex(name: string, value: string | number): this;
        getKey(): string;
        getValue(): Buffer | string | object;
      }
    }
  }
}
