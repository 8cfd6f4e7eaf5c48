export { ProcessGroup, groupMembers, isAlive } from './process';
export type { ExitInfo, GroupSpawnOptions } from './process';
