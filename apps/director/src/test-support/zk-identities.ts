import { frameworkZkIds } from '@riak-mesos/zk';

/** The framework's three ZooKeeper identities as the director's ACL tests use them. */
export const creds = {
  scheduler: { user: 'sched', password: 'scheduler-secret' },
  node: { user: 'node', password: 'node-secret-1' },
  director: { user: 'director', password: 'director-secret' },
};

/** Their ACL ids. */
export const ids = frameworkZkIds(creds);
