/**
 * The Diagnostics part of the contract between the admin resolvers and the admin page: checks of what only a live
 * installation can answer, run inside the installation through resolvers (src/diagnostics/), their stored results,
 * and the resolver keys. `AdminPageApi` is every resolver the page calls: the admin calls of admin-api.ts and these.
 */
import type { AdminApi } from './admin-api';

/** The checks, in the order the page lists and runs them. */
export const DIAGNOSTIC_CHECKS = [
  'kvs-conditions',
  'storage-outbound',
  'egress',
  'install-context',
  'group-slug',
] as const;

/** One of DIAGNOSTIC_CHECKS. */
export type DiagnosticCheckId = (typeof DIAGNOSTIC_CHECKS)[number];

/**
 * How an observation compares with the app's assumption: `as-assumed`, `differs` (the app reacts: see
 * DiagnosticResult.impact), or `inconclusive` (the check could not tell, for instance without credentials; nothing
 * changes).
 */
export type DiagnosticVerdict = 'as-assumed' | 'differs' | 'inconclusive';

/** What the app does because of a verdict: nothing, adapts (switches a setting), or refuses some work until the check passes. */
export type DiagnosticImpact = 'none' | 'adapted' | 'refusing';

/** One step of a check, as the page lists it. */
export interface DiagnosticStep {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** A check's stored result: shown on the Diagnostics and Status sections until the check runs again. */
export interface DiagnosticResult {
  readonly check: DiagnosticCheckId;
  readonly verdict: DiagnosticVerdict;
  /** The observation in one word the app's reactions read (src/diagnostics/verdicts.ts), e.g. `counted`. */
  readonly finding: string;
  readonly impact: DiagnosticImpact;
  /** What the app assumed before any installation answered. */
  readonly assumed: string;
  /** What this installation answered. */
  readonly observed: string;
  /** What the app does about it from now on. */
  readonly reaction: string;
  readonly steps: readonly DiagnosticStep[];
  /** When the check ran (ISO 8601). */
  readonly at: string;
  readonly durationMs: number;
  /** True when it ran against the emulated Atlassian APIs and the local runtime: it then proves the plumbing only. */
  readonly emulated: boolean;
}

/** A check as the page introduces it before it has run. */
export interface DiagnosticCheckInfo {
  readonly id: DiagnosticCheckId;
  readonly title: string;
  readonly question: string;
  readonly assumed: string;
  /** The check writes something visible (a scratch group and a grant): the admin confirms first and picks a repository. */
  readonly needsConfirmation: boolean;
}

/** What `diagnostics/get` answers: the checks and the latest stored result of each that has run. */
export interface DiagnosticsView {
  readonly checks: readonly DiagnosticCheckInfo[];
  readonly results: readonly DiagnosticResult[];
  /** True when this host talks to the emulated Atlassian APIs. */
  readonly emulated: boolean;
}

/** Payload of `diagnostics/run`; the group-slug check needs `repository` and `confirmed: true`. */
export interface RunDiagnosticPayload {
  readonly check: DiagnosticCheckId;
  readonly repository?: string;
  readonly confirmed?: boolean;
}

/**
 * What `diagnostics/run` answers: the stored result, or, for the storage-outbound probe (whose own invocation may
 * have no outbound requests left to store anything), a signed observation the page hands to `diagnostics/record`.
 */
export type DiagnosticRunAnswer =
  | { readonly kind: 'result'; readonly result: DiagnosticResult }
  | { readonly kind: 'observation'; readonly sealed: string };

/** A repository the group-slug check may use. */
export interface RepositoryChoice {
  readonly slug: string;
  readonly projectKey?: string;
}

/** The Diagnostics resolvers. */
export type DiagnosticsApi = {
  'diagnostics/get': () => DiagnosticsView;
  'diagnostics/run': (payload: RunDiagnosticPayload) => DiagnosticRunAnswer;
  'diagnostics/record': (payload: { readonly sealed: string }) => DiagnosticResult;
  'diagnostics/repositories': () => readonly RepositoryChoice[];
};

/** Every resolver the admin page calls. */
export type AdminPageApi = AdminApi & DiagnosticsApi;
