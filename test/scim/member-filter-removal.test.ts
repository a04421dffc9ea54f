/**
 * A PATCH `remove` whose path filters members by something other than `value` (RFC 7644 section 3.5.2.2): the SCIM
 * layer turns the filter into the directory's member predicate and the store removes exactly the members it matches.
 */
import { patchOp } from '../support/scim-bodies';
import { testScimPerTest } from '../support/test-scim';

describe('PATCH remove members[<filter>]', () => {
  const scim = testScimPerTest();

  async function groupWithMembers(): Promise<{ groupId: string; ann: string; bob: string; cleo: string }> {
    const ids: string[] = [];
    for (const userName of ['ann@example.com', 'bob@example.com', 'cleo@example.com']) {
      ids.push((await scim.call('POST', '/Users', { body: { userName, active: true } })).body.id as string);
    }
    const [ann = '', bob = '', cleo = ''] = ids;
    const members = [
      { value: ann, display: 'Ann' },
      { value: bob, display: 'Bob' },
      { value: cleo, display: 'ann' },
    ];
    const group = await scim.call('POST', '/Groups', { body: { displayName: 'Readers', members } });
    expect(group.status).toBe(201);
    return { groupId: group.body.id as string, ann, bob, cleo };
  }

  async function memberValues(groupId: string): Promise<string[]> {
    const read = await scim.call('GET', `/Groups/${groupId}?attributes=members`);
    return ((read.body.members ?? []) as { value: string }[]).map((member) => member.value).sort();
  }

  it('removes the members whose display matches, case-insensitively as the attribute is caseExact false', async () => {
    const { groupId, bob } = await groupWithMembers();
    const patched = await scim.call('PATCH', `/Groups/${groupId}`, {
      body: patchOp({ op: 'remove', path: 'members[display eq "ANN"]' }),
    });
    expect(patched.status).toBe(204);
    expect(await memberValues(groupId)).toEqual([bob]);
  });

  it('applies the filter after the earlier operations of the same request', async () => {
    const { groupId, ann, cleo } = await groupWithMembers();
    const patched = await scim.call('PATCH', `/Groups/${groupId}`, {
      body: patchOp(
        { op: 'remove', path: `members[value eq "${ann}"]` },
        { op: 'add', path: 'members', value: [{ value: ann, display: 'Ann again' }] },
        { op: 'remove', path: 'members[display eq "Bob"]' },
        { op: 'remove', path: 'members[display eq "Ann again"]' },
      ),
    });
    expect(patched.status).toBe(204);
    expect(await memberValues(groupId)).toEqual([cleo]);
  });

  it('removes nobody when the filter matches no member', async () => {
    const { groupId, ann, bob, cleo } = await groupWithMembers();
    const patched = await scim.call('PATCH', `/Groups/${groupId}`, {
      body: patchOp({ op: 'remove', path: 'members[display eq "Zed"]' }),
    });
    expect(patched.status).toBe(204);
    expect(await memberValues(groupId)).toEqual([ann, bob, cleo].sort());
  });
});
