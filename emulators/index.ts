/** The emulators' public surface, for the local host and for tests. */
export { AdminApiEmulator } from './admin-api/admin-emulator';
export type { AdminApiEmulatorOptions, RateLimitSettings } from './admin-api/admin-emulator';
export type { AdminBehaviour } from './admin-api/admin-routes';
export type {
  OrgDirectory,
  AdminGroup,
  AdminResource,
  AdminState,
  AdminUser,
  RoleGrant,
} from './admin-api/admin-state';
export {
  findGroupByName,
  findUserByEmail,
  hasAccess,
  seedAdminState,
  userStatus,
  usersWithAccess,
} from './admin-api/admin-state';
export { BITBUCKET_RATE_LIMIT, BitbucketEmulator } from './bitbucket/bitbucket-emulator';
export type { BitbucketEmulatorOptions } from './bitbucket/bitbucket-emulator';
export type { BitbucketBehaviour, BitbucketDirectory } from './bitbucket/bitbucket-routes';
export type {
  BitbucketGroup,
  BitbucketMember,
  BitbucketProject,
  BitbucketRepository,
  BitbucketState,
  PermissionGrant,
  PermissionKind,
} from './bitbucket/bitbucket-state';
export { permissionKey, seedBitbucketState, slugifyGroupName } from './bitbucket/bitbucket-state';
export type { Emulator, EmulatorRequest, EmulatorResponse, Violation, WriteLogEntry } from './emulator-types';
export { DroppedConnectionError, FaultInjector, RollingWindowLimiter } from './faults';
export type { Fault, FaultMatch, FaultRule, RateDecision } from './faults';
export {
  ADMIN_PREFIX,
  BITBUCKET_PREFIX,
  GOOGLE_PREFIX,
  DEFAULT_MAX_BODY_BYTES,
  createEmulatorRequestListener,
  createEmulatorRouter,
  listenOn,
  mountEmulators,
} from './http';
export {
  EMULATOR_BITBUCKET_EMAIL,
  EMULATOR_KEY_LINE_PREFIX,
  basicMatches,
  bearerMatches,
  generateEmulatorKey,
} from './emulator-access';
export type { EmulatorMountOptions, EmulatorRouter } from './http';
export { createLinkedEmulators } from './linked-emulators';
export type { LinkedEmulatorOptions, LinkedEmulators } from './linked-emulators';
export { loadSpec } from './openapi/load-spec';
export type { SpecName } from './openapi/load-spec';
export { OpenApiValidator, basicCredentials, requestsPartialResponse, validatorFor } from './openapi/validator';
export type { OperationRef, RequestToValidate, ResponseCheckOptions, ResponseToValidate } from './openapi/validator';
export * from './seed';
export { VirtualClock, systemClock } from './virtual-clock';
export type { Clock } from './virtual-clock';
export { COUNTS_PATH, GOOGLE_KEY_PATH, STATE_PATH, startEmulatorServer } from './emulator-server';
export type { EmulatorCounts, EmulatorServer, EmulatorServerOptions } from './emulator-server';
export { snapshotEmulators } from './snapshot';
export type { EmulatorSnapshot, RequestCounts, SnapshotGroup, SnapshotUser } from './snapshot';
export { GOOGLE_TOKEN_PATH, GoogleWorkspaceEmulator, newServiceAccountKey } from './google/google-emulator';
export type { GoogleWorkspaceEmulatorOptions, ServiceAccountKeyFile } from './google/google-emulator';
export {
  SEEDED_GOOGLE_ADMIN,
  SEEDED_GOOGLE_DOMAIN,
  SEEDED_ORG_UNITS,
  SEEDED_OUTSIDER,
  seedGoogleDomain,
} from './google/google-seed';
export type { GoogleSeedOptions } from './google/google-seed';
export type { GoogleGroup, GoogleMember, GoogleState, GoogleUser } from './google/google-state';
export { READ_ONLY_SCOPES } from './google/google-state';
export { GOOGLE_TOKEN_AUDIENCE } from './google/token-endpoint';
export { emulatorFetch, stringResponse } from './emulator-fetch';
export type { EmulatorFetch, EmulatorFetchInit, EmulatorFetchResponse, EmulatorMount } from './emulator-fetch';
