export {
  ZooKeeperProcess,
  findZooKeeperInstall,
  startZooKeeperServer,
  zooKeeperConfig,
  zooKeeperRuok,
} from './server';
export type {
  ZooKeeperConfigOptions,
  ZooKeeperInstall,
  ZooKeeperProcessOptions,
  ZooKeeperServerOptions,
} from './server';
