export {
  ProcessGroup,
  groupMembers,
  isAlive,
  killProcessesUnder,
  processesUnder,
  runCommand,
} from './process';
export type { ExitInfo, GroupSpawnOptions, RunResult } from './process';
export { nodeArgsBeside, runtimeEnvBeside, withRuntimeEnv } from './runtime-env';
