/**
 * The admin page's calls about the directory source (src/admin/source-handlers.ts), one contract for the resolvers
 * and the page: which source the directory follows, the Google Workspace settings and key (only the client email,
 * client id and key id come back), the connection test, preview, approval, "Sync now" and the pull's status.
 */
import type {
  DirectorySourceKind,
  GoogleSourceSettings,
  PullStatus,
  ServiceAccountKeySummary,
  SourceCheck,
} from './source-types';

/** What the Set-up page shows of the source. */
export interface SourceView {
  readonly kind: DirectorySourceKind;
  readonly google: GoogleSourceSettings;
  readonly key: ServiceAccountKeySummary | undefined;
  /** The scopes to enter under domain-wide delegation, exactly. */
  readonly scopes: readonly string[];
  readonly status: PullStatus;
}

/** A save's answer: the view, or every problem by path. */
export type SourceSaveResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly errors: readonly { readonly path: string; readonly message: string }[] };

/** The source calls. */
export type SourceApi = {
  'source/get': () => SourceView;
  'source/save': (payload: {
    readonly kind: DirectorySourceKind;
    readonly google?: Partial<GoogleSourceSettings>;
  }) => SourceSaveResult<SourceView>;
  'source/upload-key': (payload: { readonly fileText: string }) => SourceSaveResult<ServiceAccountKeySummary>;
  'source/test': () => readonly SourceCheck[];
  'source/preview': () => { readonly started: boolean; readonly refused?: string };
  'source/approve': () => { readonly approved: boolean };
  'source/sync-now': () => { readonly started: boolean; readonly refused?: string };
};
