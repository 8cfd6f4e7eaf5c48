export * from './types';
export {
  CONTENT_TYPES,
  MesosCodecError,
  decode,
  decodeExecutorCall,
  decodeExecutorEvent,
  decodeSchedulerCall,
  decodeSchedulerEvent,
  encode,
  encodeExecutorCall,
  encodeExecutorEvent,
  encodeSchedulerCall,
  encodeSchedulerEvent,
  formatOfContentType,
  messageType,
} from './codec';
export type { WireFormat } from './codec';
export {
  DEFAULT_MAX_RECORD_BYTES,
  RecordIODecoder,
  RecordIOError,
  RecordIOStream,
  encodeRecord,
} from './recordio';
export { Backoff, MesosHttpError, basicAuth } from './http';
export type { Credentials } from './http';
export {
  StaticMasterDetector,
  ZkMasterDetector,
  createMasterDetector,
  masterUrlFromInfo,
} from './master';
export type { MasterDetector } from './master';
export { SchedulerClient } from './scheduler-client';
export type {
  SchedulerClientEvents,
  SchedulerClientOptions,
  SubscribedInfo,
} from './scheduler-client';
export { ExecutorClient, executorEnvironment, parseMesosDuration } from './executor-client';
export type { ExecutorClientEvents, ExecutorEnvironment, StatusUpdate } from './executor-client';
export * as resources from './resources';
export {
  getAgentsAnswerSchema,
  getTasksAnswerSchema,
  labelRecord,
  operatorResourceSchema,
  operatorTaskSchema,
  reservationLabels,
} from './operator';
export type { OperatorResource, OperatorTask } from './operator';
