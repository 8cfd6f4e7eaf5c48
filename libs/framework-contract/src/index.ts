/**
 * The contracts between the framework's processes: zod schemas and their types for everything
 * that crosses a process boundary. Every receiver parses with these; every sender builds the types.
 */
export { formatIssues } from './issues';
export {
  InvalidNodeNameError,
  MAX_NODE_NAME_LENGTH,
  RIAK_NODE_NAME,
  isRiakNodeName,
  parseRiakNodeName,
  riakNodeName,
  riakNodeNameSchema,
} from './node-name';
export { frameworkNameSchema, portSchema, taskDataSchema } from './task-data';
export type { TaskData, TaskDataInput } from './task-data';
export {
  frameworkZkCredentialsSchema,
  nodeZkAuthSchema,
  splitZkCredential,
  zkCredentialSchema,
  zkDigestIdSchema,
} from './zk-auth';
export type { FrameworkZkCredentials, NodeZkAuth, ZkCredential } from './zk-auth';
export {
  EXECUTOR_PROTOCOL_VERSION,
  EXECUTOR_REQUEST_TYPES,
  LEAVE_STATES,
  MEMBER_STATUSES,
  NODE_VIEWS,
  bucketTypeReplySchema,
  bucketTypeRequestSchema,
  executorReplySchema,
  executorRequestSchema,
  finishReplySchema,
  finishRequestSchema,
  joinReplySchema,
  joinRequestSchema,
  leaveReplySchema,
  leaveRequestSchema,
  leaveResultSchema,
  memberSchema,
  parseExecutorReply,
  parseExecutorRequest,
  removeReplySchema,
  removeRequestSchema,
  statusReplySchema,
  statusRequestSchema,
  statusResultSchema,
  viewResultSchema,
} from './executor-messages';
export type {
  ExecutorRejection,
  ExecutorReply,
  ExecutorReplyTo,
  ExecutorRequest,
  ExecutorRequestBody,
  ExecutorRequestType,
  LeaveResult,
  Member,
  NodeViewName,
  ReplyParse,
  RequestParse,
  StatusResult,
  ViewResult,
} from './executor-messages';
export { encodePublishedNode, publishedNodeSchema } from './published-node';
export type { PublishedNode } from './published-node';
export {
  NODE_STATS_KEYS,
  clusterAnswerSchema,
  clusterListAnswerSchema,
  clusterViewSchema,
  healthcheckViewSchema,
  nodeAnswerSchema,
  permanentFailureTimeoutAnswerSchema,
  replaceAnswerSchema,
  nodeListAnswerSchema,
  nodePortsViewSchema,
  nodeRiakViewSchema,
  nodeStatsViewSchema,
  nodeViewSchema,
  operationAnswerSchema,
  operationViewSchema,
  riakVersionEntrySchema,
  riakVersionsViewSchema,
  startedOperationAnswerSchema,
} from './api-views';
export type {
  ClusterAnswer,
  ClusterListAnswer,
  ClusterView,
  HealthcheckView,
  NodeAnswer,
  PermanentFailureTimeoutAnswer,
  ReplaceAnswer,
  NodeListAnswer,
  NodeRiakView,
  NodeStatValue,
  NodeStatsView,
  NodeView,
  OperationAnswer,
  OperationView,
  RiakVersionsView,
} from './api-views';
export {
  PLAN_CONTROLS,
  PLAN_KINDS,
  PLAN_STATUSES,
  PLAN_STRATEGIES,
  ROLLING_PLAN_KINDS,
  STEP_STATUSES,
  planAnswerSchema,
  planListAnswerSchema,
  planPhaseViewSchema,
  planStepViewSchema,
  planViewSchema,
} from './plans';
export type {
  PlanAnswer,
  PlanControl,
  PlanKind,
  PlanListAnswer,
  PlanPhaseView,
  PlanStatus,
  PlanStepView,
  PlanStrategy,
  PlanView,
  RollingPlanKind,
  StepStatus,
} from './plans';
export {
  constraintsAnswerSchema,
  offerDebugAnswerSchema,
  offerEvaluationViewSchema,
  offerRejectionViewSchema,
  orphanTaskAnswerSchema,
  orphanTaskViewSchema,
  orphanTasksAnswerSchema,
  pendingReasonViewSchema,
  unknownReservationAnswerSchema,
  unknownReservationViewSchema,
  unknownReservationsAnswerSchema,
} from './offer-views';
export type {
  ConstraintsAnswer,
  OfferDebugAnswer,
  OfferEvaluationView,
  OfferRejectionView,
  OrphanTaskView,
  PendingReasonView,
  UnknownReservationView,
  UnknownReservationsAnswer,
} from './offer-views';
export {
  MAX_BUCKET_TYPE_PROPS,
  MAX_BUCKET_TYPE_PROPS_BYTES,
  MAX_CLUSTER_NODES,
  MAX_NODES_PER_REQUEST,
  MAX_OFFER_EVALUATIONS,
  MAX_PERMANENT_FAILURE_TIMEOUT_SECONDS,
  addNodesQuerySchema,
  addNodesRequestSchema,
  bucketTypePropsRequestSchema,
  bucketTypePropsSchema,
  constraintsRequestSchema,
  createClusterQuerySchema,
  createClusterRequestSchema,
  emptyRequestSchema,
  offersQuerySchema,
  permanentFailureTimeoutRequestSchema,
  planControlQuerySchema,
  requestIssue,
  rollingQuerySchema,
  rollingRequestSchema,
  upgradeQuerySchema,
  upgradeRequestSchema,
} from './api-requests';
export type {
  AddNodesRequest,
  BucketTypePropsRequest,
  ConstraintsRequest,
  CreateClusterRequest,
  PermanentFailureTimeoutRequest,
  PlanControlQuery,
  RequestIssue,
  RollingRequest,
  UpgradeRequest,
} from './api-requests';
export {
  eventStreamHelloSchema,
  parseEventStreamMessage,
  schedulerEventSchema,
  stampedEventSchema,
} from './events';
export type { EventStreamHello, EventStreamMessage, SchedulerEvent, StampedEvent } from './events';
export {
  HEALTH_HTTP_STATUS,
  HEALTH_STATES,
  healthAnswerSchema,
  healthQuerySchema,
  healthRank,
  healthReasonSchema,
} from './health';
export type { HealthAnswer, HealthReason, HealthState } from './health';
export { statsHistoryViewSchema, statsSampleSchema } from './stats-history';
export type { StatsHistoryView, StatsSample } from './stats-history';
export { TASK_HISTORY_MAX, nodeTasksAnswerSchema, taskHistoryEntrySchema } from './task-history';
export type { NodeTasksAnswer, TaskHistoryEntry } from './task-history';
export {
  LISTING_WARNING,
  MAX_KEYS_PAGE,
  dataBucketsAnswerSchema,
  dataKeysAnswerSchema,
  dataKeysQuerySchema,
  dataObjectAnswerSchema,
  dataSiblingSchema,
  riakKeySchema,
} from './data-views';
export type {
  DataBucketsAnswer,
  DataKeysAnswer,
  DataKeysQuery,
  DataObjectAnswer,
  DataSibling,
} from './data-views';
export {
  CONFIG_FIELDS,
  configChangeQuerySchema,
  configValidateRequestSchema,
  configValidationAnswerSchema,
  templateStoredAnswerSchema,
  configVersionAnswerSchema,
  configVersionSummaryViewSchema,
  configVersionViewSchema,
  configurationsAnswerSchema,
  configurationsQuerySchema,
  fieldDiffViewSchema,
  nodeResourcesViewSchema,
  ruleRefusalAnswerSchema,
  ruleViolationViewSchema,
} from './config-versions';
export type {
  ConfigField,
  ConfigValidateRequest,
  ConfigValidationAnswer,
  TemplateStoredAnswer,
  ConfigVersionHead,
  ConfigVersionSummaryView,
  ConfigVersionView,
  ConfigurationsAnswer,
  FieldDiffView,
  NodeResourcesView,
  RuleRefusalAnswer,
  RuleViolationView,
} from './config-versions';
export {
  directorBackendSchema,
  directorRegistrationSchema,
  directorsNodeSchema,
  encodeDirectorRegistration,
  endpointViewSchema,
  endpointsAnswerSchema,
  hostPort,
} from './endpoints';
export type {
  DirectorBackend,
  DirectorRegistration,
  DirectorsNode,
  EndpointView,
  EndpointsAnswer,
} from './endpoints';
