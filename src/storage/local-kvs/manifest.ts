/**
 * Reads the custom entity declarations (`app.storage.entities`) from a Forge manifest, so the local storage service
 * enforces exactly the schema Forge deploys (DAC `/runtime-reference/custom-entities`).
 */
import * as fs from 'node:fs';
import { parse } from 'yaml';
import { normalizeEntityDefinitions } from './entity-schema';
import type { EntityDefinition } from './types';

/** Loads and validates `app.storage.entities` from the manifest at `manifestPath`; [] when it declares none. */
export function loadEntityDefinitions(manifestPath: string): EntityDefinition[] {
  const manifest: unknown = parse(fs.readFileSync(manifestPath, 'utf8'));
  const entities = (manifest as { app?: { storage?: { entities?: unknown } } } | null)?.app?.storage?.entities;
  if (entities === undefined || entities === null) {
    return [];
  }
  if (!Array.isArray(entities) || !entities.every((entity) => typeof entity === 'object' && entity !== null)) {
    throw new Error(`${manifestPath}: app.storage.entities must be a list of entity declarations`);
  }
  const definitions = entities as EntityDefinition[];
  try {
    normalizeEntityDefinitions(definitions);
  } catch (error) {
    throw new Error(`${manifestPath}: ${(error as Error).message}`);
  }
  return definitions;
}
