/** The audit entry of an admin's change to the app's settings or permissions (source `admin`, outcome `applied`). */
import type { AdminSync } from './admin-parts';

/** What the entry records beside the action and its target. */
export interface AdminAuditExtra {
  readonly before?: unknown;
  readonly after?: unknown;
  readonly detail?: string;
}

/** Appends the entry of one admin change; the guard (src/admin/admin-guard.ts) makes the admin its actor. */
export async function auditAdminChange(
  sync: Pick<AdminSync, 'auditLog'>,
  action: string,
  kind: 'Settings' | 'Permission',
  id: string,
  extra: AdminAuditExtra = {},
): Promise<void> {
  await sync.auditLog.append({ source: 'admin', action, target: { kind, id }, outcome: 'applied', ...extra });
}
