/**
 * The shape of the admin check the resolvers share (made in src/admin/admin-handlers.ts), so resolvers kept in
 * files of their own are guarded exactly like the others.
 */
import type { Request } from '@forge/resolver';
import type { AppParts } from '../app/create-app';
import type { SyncParts } from '../app/create-sync';

/** The app and sync parts a guarded resolver body gets. */
export interface AdminParts {
  readonly app: AppParts;
  readonly sync: SyncParts;
}

/** Wraps a resolver body so it runs only for a workspace admin, with the app and sync parts. */
export type Guarded = <P, R>(body: (payload: P, parts: AdminParts) => Promise<R>) => (request: Request<P>) => Promise<R>;
