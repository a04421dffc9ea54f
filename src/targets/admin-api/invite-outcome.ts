/** Reads one email's result out of the invite answer (200, or 206 when "at least one invitation failed"). */
import type { InviteOutcome } from '../ports';
import type { InviteLine } from './admin-api-shapes';

/** One email's outcome from the invite answer; a group the answer does not confirm counts as failed. */
export function inviteOutcome(email: string, lines: readonly InviteLine[], groupIds: readonly string[]): InviteOutcome {
  const line = lines.find((l) => l.email.toLowerCase() === email.toLowerCase());
  if (line === undefined)
    return { email, failedGroupIds: [...groupIds], error: 'The invite answer has no result for this email' };
  const invited = new Set(line.groupResults.filter((g) => g.status === 'INVITED').map((g) => g.group));
  const roleErrors = line.roleResults
    .filter((r) => r.status === 'ERROR')
    .map((r) => `${r.role ?? 'role'} on ${r.resource ?? 'resource'}: ${r.reason ?? 'failed'}`);
  return {
    email,
    ...(line.accountId === undefined ? {} : { accountId: line.accountId }),
    failedGroupIds: groupIds.filter((id) => !invited.has(id)),
    ...(roleErrors.length === 0 ? {} : { error: roleErrors.join('; ') }),
  };
}
