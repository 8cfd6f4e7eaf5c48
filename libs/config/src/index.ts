export {
  ConfigError,
  describeOrigin,
  invalidConfiguration,
  loadSettings,
  originLabel,
  readConfigFile,
} from './settings';
export type {
  ConfigOf,
  EnvSource,
  FlagSource,
  LoadOptions,
  Origin,
  Resolved,
  ResolvedValue,
  Setting,
  SettingsTable,
  TextReader,
} from './settings';
export {
  bool,
  durationMs,
  fileContents,
  hostNames,
  int,
  json,
  port,
  privateFileContents,
} from './values';
export { PRINT_FORMATS, printConfig } from './print';
export type { PrintFormat } from './print';
export { addSettingOptions, printConfigFormat } from './commander';
export type { SettingOptionsOptions } from './commander';
export { readCaFile, readCertificates, readTlsServerFiles } from './tls';
export type { TlsServerFiles, TlsServerSettings } from './tls';
export { RELEASE_VERSION, versionText } from './version';
