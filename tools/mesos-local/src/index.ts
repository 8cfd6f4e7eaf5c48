export { startMesosLocal } from './cluster';
export type { AgentSpec, MesosLocal, MesosLocalOptions } from './cluster';
