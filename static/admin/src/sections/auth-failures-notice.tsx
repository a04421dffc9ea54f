/**
 * Failed SCIM sign-ins on the Status section: a warning while requests with a wrong, revoked or expired bearer token
 * keep coming this hour (an IdP still using an old token, or someone guessing), a note when some came earlier today,
 * and nothing when there were none. The count is per hour and written at most every 10 s, so it can lag a little.
 */
import SectionMessage from '@atlaskit/section-message';
import type { ReactNode } from 'react';
import type { AuthFailureSummary } from '../../../../src/shared/status-types';
import { formatAgo, formatTime } from '../ui/format';

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** The notice, or nothing when no authentication failed in the last 24 hours. */
export function AuthFailuresNotice({ failures }: { readonly failures: AuthFailureSummary }): ReactNode {
  if (failures.last24Hours === 0) return null;
  const current = failures.thisHour > 0;
  const from = failures.lastSource !== undefined ? ` from ${failures.lastSource}` : '';
  const source = failures.sourceKnown
    ? ''
    : " Forge does not pass the caller's address to the app, so the source is not known.";
  return (
    <div
      style={{ marginTop: 8 }}
      data-testid="status-auth-failures"
      data-this-hour={failures.thisHour}
      data-last-day={failures.last24Hours}
    >
      <SectionMessage
        headingLevel="h3"
        appearance={current ? 'warning' : 'information'}
        title={current ? 'SCIM requests with a wrong token' : 'SCIM requests with a wrong token earlier today'}
      >
        <p>
          {plural(failures.thisHour, 'request', 'requests')} this hour and{' '}
          {plural(failures.last24Hours, 'request', 'requests')} in the last 24 hours were refused for a missing, wrong,
          revoked or expired bearer token; the last {formatAgo(failures.lastAt)} ({formatTime(failures.lastAt)}){from}.
          {source}
        </p>
        <p>
          An identity provider that still uses an old token needs the current one (Set-up); requests nobody you know
          sends mean someone is guessing: keep the tokens secret and rotate them if one may have leaked.
        </p>
      </SectionMessage>
    </div>
  );
}
