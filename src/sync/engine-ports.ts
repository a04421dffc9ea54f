/**
 * What the sync engine is given and what it reports: the settings it reads, the collaborators it calls (directory,
 * links, targets, audit, circuit breaker, permission sync) and the report of one batch. The engine's steps
 * (src/sync/sync-engine.ts and the modules it composes) all work against these.
 */
import type { DirectoryStore } from '../directory/directory-store';
import type { ScimObject } from '../scim/resource/types';
import type { AdminDirectory, BitbucketPermissions, TargetError } from '../targets/ports';
import type { MemberScans } from './member-scan';
import type { PermissionPass, PermissionPasses } from './permission-pass';
import type { RuleGroup } from './permission-rules';
import type { PlanCarry } from './plan-carry';
import type { PermissionRule } from './settings';
import type { Change, PlanSettings } from './planner';
import type { SyncLinks } from './sync-links';

/** Everything the engine reads from settings: the planner's slice plus naming, access and mode. */
export interface EngineSettings extends PlanSettings {
  readonly dryRun: boolean;
  readonly groupNamePrefix: string;
  readonly bitbucketRoleId: string;
  readonly workspaceResourceId: string;
  readonly permissionSync: boolean;
  /** The permission rules: a run reads the app groups they name (src/sync/permission-run.ts). */
  readonly permissionRules: readonly PermissionRule[];
}

/** One audit entry the engine emits per change. */
export interface EngineAuditEntry {
  readonly action: Change['kind'] | 'put-grant' | 'delete-grant';
  readonly resourceKey: string;
  readonly display?: string;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly outcome: 'applied' | 'planned' | 'skipped' | 'failed';
  readonly detail?: string;
}

/** Where the engine records what it did. */
export interface EngineAudit {
  record(entries: readonly EngineAuditEntry[]): Promise<void>;
}

/** Decides how many deprovisioning changes may run now (the circuit breaker); the rest wait for an admin. */
export type DeprovisioningGate = (requested: number, totalUsers: number) => Promise<number>;

/** What a permission run did: the grants the app now holds, its audit entries, failed writes, and the rate limit that stopped it. */
export interface PermissionSyncResult {
  readonly grants: Record<string, Record<string, string>>;
  readonly audit: EngineAuditEntry[];
  readonly failed?: number;
  readonly interruptedBy?: TargetError;
  /** Set when permission sync refused to run (a failed Diagnostics check): the reason, recorded on the Permissions item. */
  readonly refused?: string;
  /**
   * Set when the invocation's budget ended the run before it compared every project and repository (or when a rate
   * limit or an unreadable target interrupted it): where the next job goes on (src/sync/permission-pass.ts).
   */
  readonly pass?: PermissionPass;
  /** How many projects and repositories the run compares. */
  readonly targets?: number;
  /** Set when the run finished: the grant changes its whole pass made (or planned) and those that failed, over every job. */
  readonly totals?: { readonly planned: number; readonly failed: number };
}

/** Permission sync: the slice of the permission-rules module the engine calls. */
export interface PermissionSync {
  /**
   * Plans and applies grants for the app groups the rules name (`groups`), given the grants the app applied before, going on from the pass an
   * earlier job left; returns what it holds now.
   */
  run(
    groups: readonly RuleGroup[],
    applied: Record<string, Record<string, string>>,
    dryRun: boolean,
    pass?: PermissionPass,
  ): Promise<PermissionSyncResult>;
}

/** The engine's collaborators. */
export interface SyncEngineDeps {
  readonly store: DirectoryStore;
  readonly links: SyncLinks;
  readonly settings: () => Promise<EngineSettings>;
  /** Builds the remote ports from the stored credentials (undefined when not configured yet). */
  readonly targets: () => Promise<{ admin: AdminDirectory; bitbucket: BitbucketPermissions } | undefined>;
  /** The account email of a SCIM user (username transform or work email); undefined when none can be derived. */
  readonly emailOf: (user: ScimObject, settings: EngineSettings) => string | undefined;
  /** The org group name the app gives a SCIM group (decided before its create, src/sync/org-group-names.ts), and the Bitbucket slug of an org group name. */
  readonly naming: {
    orgGroupName: (
      displayName: string,
      prefix: string,
      group: { readonly id: string; readonly admin: AdminDirectory },
    ) => string | Promise<string>;
    groupSlug: (orgGroupName: string) => string;
  };
  readonly audit: EngineAudit;
  readonly gate?: DeprovisioningGate;
  readonly permissions?: PermissionSync;
  /**
   * Seconds without group changes before permission sync runs (default 30): an initial load or a burst of group
   * changes then costs one permission run, with its Bitbucket reads, instead of one per batch. A run is never
   * held back for more than five times this since it first fell due.
   */
  readonly permissionQuietSeconds?: number;
  readonly now?: () => Date;
  /** Where a group's member changes a job could not apply wait for the next job (src/sync/plan-carry.ts). */
  readonly carry?: PlanCarry;
  /** Where a huge group's comparison in steps keeps its place between jobs (src/sync/member-scan.ts). */
  readonly scans?: MemberScans;
  /** Where a permission run compared over several jobs keeps its place between them (src/sync/permission-pass.ts). */
  readonly permissionPasses?: PermissionPasses;
}

/** What a batch did. */
export interface BatchReport {
  readonly applied: number;
  readonly remoteWrites: number;
  readonly failed: number;
  readonly deferred: number;
  /** Set when Atlassian rate-limited the batch: the job should come back after this many seconds. */
  readonly retryAfterSeconds?: number;
  /** True when the batch enqueued further work (groups of newly linked users): another drain should follow. */
  readonly enqueuedMore: boolean;
  /** Set when work was left in the outbox to wait (permission sync until group changes settle): drain again after this. */
  readonly drainAfterSeconds?: number;
  /** Keys of entries left untouched because the invocation's budget ran low (src/sync/call-budget.ts). */
  readonly leftover: readonly string[];
}
