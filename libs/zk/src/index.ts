export { ACL, Id, ZkClient, digestAcl, digestId, expireSession, Permission } from './client';
export { aclText, directorRegistrationAcl, frameworkAcl } from './acl-rule';
export type { FrameworkZkIds, ZkRole } from './acl-rule';
export { frameworkZkIds, frameworkZkOptions, secureFrameworkTree } from './secure';
export type { SecureResult } from './secure';
export type {
  AclSpec,
  CreateModeName,
  CreateOptions,
  DigestAuth,
  Stat,
  TransactionOp,
  ZkClientOptions,
  ZkState,
} from './client';
export { parseConnectString } from './connect-string';
export type { ParsedConnectString } from './connect-string';
export { DocumentStore } from './documents';
export type { DocumentStoreOptions, Versioned } from './documents';
export {
  BadVersionError,
  ClientClosedError,
  ConnectionLossError,
  FencedError,
  InvalidDocumentError,
  InvalidNameError,
  NoAuthError,
  NoChildrenForEphemeralsError,
  NoNodeError,
  NodeExistsError,
  NotEmptyError,
  SessionExpiredError,
  TransactionError,
  ZkError,
} from './errors';
export { FRAMEWORKS_ROOT, frameworkLayout } from './layout';
export type { FrameworkLayout } from './layout';
export { LeaderElection } from './leader';
export { MAX_NAME_LENGTH, isValidName, joinPath, validateName, validatePath } from './names';
export { ChildWatch, DataWatch } from './watch';
