/** The local Forge runtime: invocations, storage and queue metered against Forge's limits (see forge-runtime.ts). */
export {
  ForgeRuntime,
  systemRuntimeClock,
  type ForgeRuntimeOptions,
  type RuntimeStats,
  type WebTriggerResult,
} from './forge-runtime';
export { ForgePlatformError, type InvocationStats, type RuntimeClock } from './invocations';
export {
  DEFAULT_LATENCY,
  FORGE_LIMITS,
  NO_LATENCY,
  scaledLatency,
  type InvocationKind,
  type LatencyModel,
} from './limits';
export type { ConsumerHandler, DeliveredEvent, DeliveryOptions, EventStats, QueuePort } from './runtime-events';
export { ViolationLedger, type LimitName, type RuntimeMode, type Violation } from './violations';
