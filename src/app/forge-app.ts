/** Composition root for the Forge runtime: builds the App over Forge's `@forge/kvs` once per function instance. */
import { kvs } from '@forge/kvs';
import { consoleLogger } from './console-logger';
import { createApp, type AppParts } from './create-app';

let instance: Promise<AppParts> | undefined;

/** Returns the App for this Forge function instance, building it on first use. */
export function getForgeApp(): Promise<AppParts> {
  instance ??= Promise.resolve(createApp({ kvs, logger: consoleLogger }));
  return instance;
}
