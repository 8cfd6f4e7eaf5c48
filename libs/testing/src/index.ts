export { freePort, freePorts } from './ports';
export {
  startZooKeeper,
  startZooKeeperEnsemble,
  zooKeeperRuok,
  findZooKeeperInstall,
} from './zookeeper';
export type {
  ZooKeeperServer,
  ZooKeeperEnsemble,
  ZooKeeperMember,
  StartZooKeeperOptions,
} from './zookeeper';
export { uniqueChroot, waitFor, tempDir } from './util';
export {
  EXECUTOR_PACKAGE,
  REPO_ROOT,
  RIAK_LOCAL_PACKAGE,
  VERSION,
  buildNodePackages,
  bundle,
  execAsync,
  startLocalMesos,
} from './local-system';
export type { LocalMesos, MasterState } from './local-system';
export { findRiakPackage, requireRiakPackage } from './riak';
export { listenersOn, patchAdvancedConfig, setRiakConf, startRealRiakCluster } from './riak-node';
export type {
  RealRiakCluster,
  RealRiakNode,
  RealRiakOptions,
  RealRiakTimings,
  RiakBackend,
} from './riak-node';
export { getStatus, makeTestCertificates } from './tls';
export type { TestCertificates } from './tls';
export { startPartitionProxy } from './partition';
export type { PartitionProxy } from './partition';
