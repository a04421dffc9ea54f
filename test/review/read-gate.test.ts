import {
  decideReads,
  MAX_RESERVE,
  MIN_RESERVE,
  permissionReserve,
  STEP_REQUESTS,
  TOKEN_HOURLY_LIMIT,
} from '../../src/review/read-gate';
import { minuteOf, recordRequests, requestsInLastHour } from '../../src/review/review-run';

const NOW = Date.parse('2026-12-01T12:00:30.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

describe('read gate', () => {
  it('allows a full step when nothing else wants the token', () => {
    expect(decideReads({ ledger: [] }, {}, 300, NOW)).toEqual({ allow: STEP_REQUESTS });
  });

  it('yields to a permission run that is due, or whose retry is near, but not to one retried much later', () => {
    expect(decideReads({ ledger: [] }, { dueSince: iso(NOW - 1000) }, 300, NOW)).toEqual({
      allow: 0,
      waiting: { reason: 'permission-sync' },
    });
    expect(
      decideReads({ ledger: [] }, { dueSince: iso(NOW - 1000), nextRetryAt: iso(NOW + 9 * 60_000) }, 300, NOW).allow,
    ).toBe(0);
    expect(
      decideReads({ ledger: [] }, { dueSince: iso(NOW - 1000), nextRetryAt: iso(NOW + 2 * 3600_000) }, 300, NOW).allow,
    ).toBe(STEP_REQUESTS);
  });

  it('waits while Bitbucket refuses the token, for the permission run or the review', () => {
    expect(decideReads({ ledger: [] }, { rateLimitedUntil: iso(NOW + 60_000) }, 300, NOW)).toEqual({
      allow: 0,
      waiting: { reason: 'rate-limit', until: iso(NOW + 60_000) },
    });
    expect(decideReads({ ledger: [], rateLimitedUntil: iso(NOW + 5_000) }, {}, 300, NOW).waiting?.reason).toBe(
      'rate-limit',
    );
    expect(decideReads({ ledger: [], rateLimitedUntil: iso(NOW - 5_000) }, {}, 300, NOW).allow).toBe(STEP_REQUESTS);
  });

  it('keeps the review within the hour’s share: the limit minus the reserve', () => {
    const minute = minuteOf(NOW);
    // 680 requests spread over the last hour leave 20 of a 700 share.
    const ledger = Array.from({ length: 34 }, (_, i) => [minute - 50 + i, 20] as const);
    expect(requestsInLastHour(ledger, NOW)).toBe(680);
    expect(decideReads({ ledger }, {}, 300, NOW)).toEqual({ allow: 20 });
    const full = recordRequests(ledger, NOW, 20);
    const decision = decideReads({ ledger: full }, {}, 300, NOW);
    expect(decision.allow).toBe(0);
    // The oldest minute leaves the window 61 minutes after it began.
    expect(decision.waiting).toEqual({ reason: 'hourly-share', until: iso((minute - 50 + 61) * 60_000) });
    expect(TOKEN_HOURLY_LIMIT - 300).toBe(700);
  });

  it('leaves room for what permission runs spent in the last hour', () => {
    expect(decideReads({ ledger: [] }, { recentRequests: 690 }, 300, NOW)).toEqual({ allow: 10 });
    expect(decideReads({ ledger: [] }, { recentRequests: 700 }, 300, NOW)).toEqual({
      allow: 0,
      waiting: { reason: 'hourly-share', until: iso((minuteOf(NOW) + 1) * 60_000) },
    });
  });

  it('forgets requests older than an hour', () => {
    const minute = minuteOf(NOW);
    const ledger = recordRequests(
      [
        [minute - 61, 900],
        [minute - 30, 10],
      ],
      NOW,
      5,
    );
    expect(ledger).toEqual([
      [minute - 30, 10],
      [minute, 5],
    ]);
    expect(requestsInLastHour(ledger, NOW)).toBe(15);
  });

  it('sizes the reserve to one permission run rewriting every grant the app manages, within bounds', () => {
    expect(permissionReserve({ targets: 0, grants: 0 }, 0, 0)).toBe(MIN_RESERVE);
    expect(permissionReserve({ targets: 50, grants: 500 }, 2000, 20)).toBe(20 + 1 + 50 + 500 + 100);
    expect(permissionReserve({ targets: 5000, grants: 5000 }, 2000, 20)).toBe(MAX_RESERVE);
  });
});
