/** Composition root for the Forge runtime: builds the App over Forge's `@forge/kvs` once per function instance. */
import { kvs } from '@forge/kvs';
import type { App } from './app';
import { consoleLogger } from './console-logger';
import { createApp } from './create-app';

let instance: Promise<App> | undefined;

/** Returns the App for this Forge function instance, building it on first use. */
export function getForgeApp(): Promise<App> {
  instance ??= Promise.resolve(createApp({ kvs, logger: consoleLogger }));
  return instance;
}
