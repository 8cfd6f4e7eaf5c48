/** The scheduler API's shapes, as the CLI reads them. */
export interface ApiCluster {
  name: string;
  state: string;
  riak_version: string;
  nodes: string[];
  operation: {
    kind: string;
    state: string;
    done: number;
    order: string[];
    current?: string;
  } | null;
  has_riak_conf: boolean;
  has_advanced_config: boolean;
}

export interface ApiNode {
  name: string;
  cluster: string;
  state: string;
  wanted: boolean;
  member: boolean;
  hostname: string | null;
  node_name: string | null;
  agent_id: string | null;
  ports: { http: number; pb: number; handoff: number; disterl: number; epmd: number } | null;
  endpoints: { http: string; pb: string } | null;
  last_task_state: string | null;
  last_task_message: string | null;
}
