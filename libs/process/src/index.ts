export {
  ProcessGroup,
  groupMembers,
  isAlive,
  killProcessesUnder,
  processesUnder,
  runCommand,
} from './process';
export type { ExitInfo, GroupSpawnOptions, RunResult } from './process';
export { startupBeside } from './runtime-env';
export type { Startup } from './runtime-env';
