/** The directory's removeWhere predicate built from a PATCH member filter (src/scim/filter/member-predicate.ts). */
import { memberPredicate } from '../../../src/scim/filter/member-predicate';
import { parseFilter } from '../../../src/scim/filter/parse-filter';

describe('memberPredicate', () => {
  it('tests one member as members[<filter>] of a Group evaluates it', () => {
    const byDisplay = memberPredicate(parseFilter('display eq "ann"'));
    expect(byDisplay({ value: 'u1', display: 'Ann' })).toBe(true);
    expect(byDisplay({ value: 'u2', display: 'Bob' })).toBe(false);
    expect(byDisplay({ value: 'u3' })).toBe(false);
    const byType = memberPredicate(parseFilter('type eq "Group" or display sw "B"'));
    expect([{ value: 'g', type: 'Group' }, { value: 'u', type: 'User', display: 'Bob' }, { value: 'x', type: 'User' }].map(byType)).toEqual([true, true, false]);
    // RFC 7643 section 4.2 with src/scim/schema/group-schema.ts: a member's value is caseExact, its display is not.
    const byValue = memberPredicate(parseFilter('value eq "u1"'));
    expect([byValue({ value: 'u1' }), byValue({ value: 'U1' })]).toEqual([true, false]);
  });

  it('refuses a filter that names no member attribute when it is built, not per member', () => {
    expect(() => memberPredicate(parseFilter('userName eq "x"'))).toThrow(expect.objectContaining({ scimType: 'invalidFilter' }));
  });
});
