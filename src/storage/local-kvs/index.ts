/** Local implementation of the Forge storage service, for local runs and tests of code written against @forge/kvs. */
export { createLocalKvs } from './local-kvs';
export { createLocalKvsService, type LocalKvsService, type LocalKvsServiceOptions } from './service';
export { loadEntityDefinitions } from './manifest';
export { OperationStats, type OperationCounts, type OperationCategory } from './operation-stats';
export { KvsErrorCode, type KvsErrorCodeName } from './errors';
export { KVS_LIMITS } from './limits';
export {
  FORGE_KVS_QUOTAS,
  KvsQuotaMeter,
  type KvsQuotaLimitName,
  type KvsQuotaLimits,
  type KvsQuotaMode,
  type KvsQuotaSnapshot,
  type KvsQuotaViolation,
} from './quota';
export type { RecoveryReport } from './data-directory';
export { DATA_KEY_FILE_ENV, DataKeyError, defaultDataKeyFile } from './data-key';
export type { TransactionConditionMode } from './transaction';
export type { AttributeType, EntityAttributeDefinition, EntityDefinition, EntityIndexDefinition } from './types';
