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
