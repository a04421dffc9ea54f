/** Forge loads handlers from src/index.ts (handler `index.x`); the map of the manifest is src/forge/index.ts. */
export {
  scimHandler,
  adminResolver,
  syncWorker,
  reconcile,
  pullWorker,
  pullSchedule,
  reviewStep,
  syncSweep,
  fiveMinute,
} from './forge/index';
