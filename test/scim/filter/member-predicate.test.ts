/** The directory's removeWhere predicate built from a PATCH member filter (src/scim/filter/member-predicate.ts). */
import { memberPredicate } from '../../../src/scim/filter/member-predicate';
import { parseFilter } from '../../../src/scim/filter/parse-filter';

const parse = (text: string) => parseFilter(text, { unquotedValues: false });

describe('memberPredicate', () => {
  it('tests one member as members[<filter>] of a Group evaluates it', () => {
    const byDisplay = memberPredicate(parse('display eq "ann"'));
    expect(byDisplay({ value: 'u1', display: 'Ann' })).toBe(true);
    expect(byDisplay({ value: 'u2', display: 'Bob' })).toBe(false);
    expect(byDisplay({ value: 'u3' })).toBe(false);
    const byType = memberPredicate(parse('type eq "Group" or display sw "B"'));
    expect(
      [
        { value: 'g', type: 'Group' },
        { value: 'u', type: 'User', display: 'Bob' },
        { value: 'x', type: 'User' },
      ].map(byType),
    ).toEqual([true, true, false]);
    // RFC 7643 section 4.2 with src/scim/schema/group-schema.ts: a member's value is caseExact, its display is not.
    const byValue = memberPredicate(parse('value eq "u1"'));
    expect([byValue({ value: 'u1' }), byValue({ value: 'U1' })]).toEqual([true, false]);
  });

  it('refuses a filter that names no member attribute when it is built, not per member', () => {
    expect(() => memberPredicate(parse('userName eq "x"'))).toThrow(
      expect.objectContaining({ scimType: 'invalidFilter' }),
    );
  });
});
