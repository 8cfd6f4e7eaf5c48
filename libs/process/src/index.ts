export { ProcessGroup, groupMembers, isAlive, processesUnder } from './process';
export type { ExitInfo, GroupSpawnOptions } from './process';
