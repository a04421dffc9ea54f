/** Behaviour of the SCIM service end to end in process: listing, paging, cursors, sorting, projection, ETags, discovery. */
import { patchOp, scimUser, USER_SCHEMA } from '../support/scim-bodies';
import { startTestScim, TEST_BASE_URL, testScimPerTest } from '../support/test-scim';

const USER = USER_SCHEMA;
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('SCIM service', () => {
  const scim = testScimPerTest();

  async function createUsers(count: number, prefix = 'user'): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const response = await scim.call('POST', '/Users', {
        body: scimUser(`${prefix}${String(i).padStart(3, '0')}@example.com`, {
          name: { familyName: `F${(count - i) % 7}`, givenName: `G${i}` },
        }),
      });
      expect(response.status).toBe(201);
      ids.push(response.body.id);
    }
    return ids;
  }

  it('creates a user with 201, Location, ETag and meta, and reads it back', async () => {
    const created = await scim.call('POST', '/Users', {
      body: scimUser('jane@example.com', { [ENTERPRISE]: { department: 'R&D' } }),
    });
    expect(created.status).toBe(201);
    expect(created.headers['content-type']).toBe('application/scim+json');
    const id = created.body.id as string;
    expect(created.headers.location).toBe(`${TEST_BASE_URL}/Users/${id}`);
    expect(created.headers.etag).toBe('W/"1"');
    expect(created.body.meta).toMatchObject({
      resourceType: 'User',
      location: `${TEST_BASE_URL}/Users/${id}`,
      version: 'W/"1"',
    });
    expect(created.body.schemas).toEqual([USER, ENTERPRISE]);
    const read = await scim.call('GET', `/Users/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id, userName: 'jane@example.com', [ENTERPRISE]: { department: 'R&D' } });
    expect(read.body.password).toBeUndefined();
  });

  it('pages with startIndex and count as JSON integers in a stable order', async () => {
    const ids = await createUsers(12);
    const first = await scim.call('GET', '/Users?startIndex=1&count=5');
    expect(first.body).toMatchObject({ totalResults: 12, itemsPerPage: 5, startIndex: 1 });
    const second = await scim.call('GET', '/Users?startIndex=6&count=5');
    const third = await scim.call('GET', '/Users?startIndex=11&count=5');
    expect(third.body).toMatchObject({ totalResults: 12, itemsPerPage: 2, startIndex: 11 });
    const seen = [...first.body.Resources, ...second.body.Resources, ...third.body.Resources].map(
      (r: { id: string }) => r.id,
    );
    expect(seen).toEqual(ids);
    const zero = await scim.call('GET', '/Users?count=0');
    expect(zero.body).toMatchObject({ totalResults: 12, itemsPerPage: 0, Resources: [] });
    const below = await scim.call('GET', '/Users?startIndex=-4&count=-1');
    expect(below.body).toMatchObject({ startIndex: 1, itemsPerPage: 0 });
  });

  it('rejects non-integer paging parameters with invalidValue', async () => {
    const response = await scim.call('GET', '/Users?startIndex=abc');
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
  });

  it('pages with RFC 9865 cursors and rejects foreign or tampered cursors', async () => {
    const ids = await createUsers(7);
    const seen: string[] = [];
    let cursor = '';
    for (let guard = 0; guard < 10; guard += 1) {
      const response = await scim.call('GET', `/Users?count=3&cursor=${encodeURIComponent(cursor)}`);
      expect(response.status).toBe(200);
      expect(response.body.startIndex).toBeUndefined();
      seen.push(...response.body.Resources.map((r: { id: string }) => r.id));
      if (!response.body.nextCursor) break;
      cursor = response.body.nextCursor;
    }
    expect(seen).toEqual(ids);
    const foreign = await scim.call('GET', `/Groups?count=3&cursor=${encodeURIComponent(cursor)}`);
    expect(foreign.body).toMatchObject({ status: '400', scimType: 'invalidCursor' });
    const garbage = await scim.call('GET', '/Users?cursor=not-a-cursor');
    expect(garbage.body).toMatchObject({ status: '400', scimType: 'invalidCursor' });
    const both = await scim.call('GET', '/Users?cursor=&startIndex=2');
    expect(both.status).toBe(400);
  });

  it('expires cursors after the advertised timeout of 10 minutes', async () => {
    let nowMs = Date.parse('2026-01-01T00:00:00Z');
    const clocked = await startTestScim({ now: () => new Date(nowMs) });
    try {
      expect((await clocked.call('GET', '/ServiceProviderConfig')).body.pagination.cursorTimeout).toBe(600);
      for (let i = 0; i < 3; i += 1) await clocked.call('POST', '/Users', { body: scimUser(`c${i}`) });
      const first = await clocked.call('GET', '/Users?count=1&cursor=');
      nowMs += 600 * 1000;
      const inTime = await clocked.call('GET', `/Users?count=1&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      expect(inTime.status).toBe(200);
      nowMs += 1000;
      const late = await clocked.call('GET', `/Users?count=1&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      expect(late.body).toMatchObject({ status: '400', scimType: 'expiredCursor' });
    } finally {
      await clocked.close();
    }
  });

  it('[security] refuses forged and altered cursors with invalidCursor: they are signed under the installation secret', async () => {
    await createUsers(3);
    const forge = (state: object): string =>
      encodeURIComponent(Buffer.from(JSON.stringify(state)).toString('base64url'));
    const issued = (await scim.call('GET', '/Users?count=1&cursor=')).body.nextCursor as string;
    const query = JSON.parse(Buffer.from(issued.split('.')[0] ?? '', 'base64url').toString('utf8')).q as string;
    for (const forged of [
      forge({ o: 1, q: query, t: 8.64e15 }),
      forge({ o: Number.MAX_SAFE_INTEGER, q: query, t: Date.now() }),
    ]) {
      const response = await scim.call('GET', `/Users?count=1&cursor=${forged}`);
      expect(response.body).toMatchObject({ status: '400', scimType: 'invalidCursor' });
    }
    const swapped = `${Buffer.from(JSON.stringify({ p: 'scim-list', o: Number.MAX_SAFE_INTEGER, q: query, t: Date.now() })).toString('base64url')}.${issued.split('.')[1]}`;
    expect((await scim.call('GET', `/Users?count=1&cursor=${encodeURIComponent(swapped)}`)).body).toMatchObject({
      status: '400',
      scimType: 'invalidCursor',
    });
    const search = await scim.call('POST', '/Users/.search', {
      body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], cursor: swapped, count: 1 },
    });
    expect(search.body).toMatchObject({ status: '400', scimType: 'invalidCursor' });
    expect((await scim.call('GET', `/Users?count=1&cursor=${encodeURIComponent(issued)}`)).status).toBe(200);
  });

  it('sorts by an attribute, ascending and descending, case-insensitively for caseExact=false', async () => {
    for (const name of ['b@x', 'C@x', 'a@x']) await scim.call('POST', '/Users', { body: scimUser(name) });
    const ascending = await scim.call('GET', '/Users?sortBy=userName');
    expect(ascending.body.Resources.map((r: { userName: string }) => r.userName)).toEqual(['a@x', 'b@x', 'C@x']);
    const descending = await scim.call('GET', '/Users?sortBy=USERNAME&sortOrder=descending&count=2');
    expect(descending.body.Resources.map((r: { userName: string }) => r.userName)).toEqual(['C@x', 'b@x']);
    expect(descending.body.totalResults).toBe(3);
    const bad = await scim.call('GET', '/Users?sortBy=nonsense');
    expect(bad.status).toBe(400);
  });

  it('filters with an index hit, a scan and a compound expression, answering 200 with an empty list on no match', async () => {
    await createUsers(5);
    const hit = await scim.call('GET', '/Users?filter=userName eq "USER003@example.com"');
    expect(hit.body.totalResults).toBe(1);
    expect(hit.body.Resources[0].userName).toBe('user003@example.com');
    const scan = await scim.call('GET', '/Users?filter=name.givenName sw "G" and not (name.givenName eq "G1")');
    expect(scan.body.totalResults).toBe(4);
    const none = await scim.call('GET', '/Users?filter=userName eq "nobody"');
    expect(none.status).toBe(200);
    expect(none.body).toMatchObject({ totalResults: 0, Resources: [] });
    const invalid = await scim.call('GET', '/Users?filter=userName zz "x"');
    expect(invalid.body).toMatchObject({ status: '400', scimType: 'invalidFilter' });
  });

  it('applies attributes and excludedAttributes to reads and writes; id and schemas are always returned', async () => {
    const created = await scim.call('POST', '/Users?attributes=userName', {
      body: scimUser('proj@example.com', {
        displayName: 'P',
        emails: [
          { type: 'work', value: 'w@x' },
          { type: 'home', value: 'h@x' },
        ],
      }),
    });
    expect(Object.keys(created.body).sort()).toEqual(['id', 'schemas', 'userName']);
    const id = created.body.id as string;
    const excluded = await scim.call('GET', `/Users/${id}?excludedAttributes=emails,id`);
    expect(excluded.body.emails).toBeUndefined();
    expect(excluded.body.id).toBe(id);
    expect(excluded.body.displayName).toBe('P');
    const subAttribute = await scim.call('GET', `/Users/${id}?attributes=emails.value`);
    expect(subAttribute.body.emails).toEqual([{ value: 'w@x' }, { value: 'h@x' }]);
    const filtered = await scim.call('GET', `/Users?attributes=${encodeURIComponent('emails[type eq "work"]')}`);
    expect(filtered.body.Resources[0].emails).toEqual([{ type: 'work', value: 'w@x' }]);
    const patched = await scim.call('PATCH', `/Users/${id}?attributes=displayName`, {
      body: patchOp({ op: 'replace', path: 'displayName', value: 'Q' }),
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ schemas: [USER], id, displayName: 'Q' });
  });

  it('returns groups on a user only when asked, and members unless excluded', async () => {
    const user = await scim.call('POST', '/Users', { body: scimUser('member@example.com') });
    const group = await scim.call('POST', '/Groups', {
      body: { displayName: 'Team', members: [{ value: user.body.id }] },
    });
    expect(group.body.members).toEqual([
      { value: user.body.id, type: 'User', $ref: `${TEST_BASE_URL}/Users/${user.body.id}` },
    ]);
    const plain = await scim.call('GET', `/Users/${user.body.id}`);
    expect(plain.body.groups).toBeUndefined();
    const withGroups = await scim.call('GET', `/Users/${user.body.id}?attributes=groups,userName`);
    expect(withGroups.body.groups).toEqual([
      { value: group.body.id, $ref: `${TEST_BASE_URL}/Groups/${group.body.id}`, display: 'Team', type: 'direct' },
    ]);
    const lookup = await scim.call('GET', '/Groups?filter=displayName eq "team"&excludedAttributes=members');
    expect(lookup.body.totalResults).toBe(1);
    expect(lookup.body.Resources[0].members).toBeUndefined();
  });

  it('omits members and groups when they are empty (RFC 7643 section 2.5), also after every member was removed', async () => {
    const user = await scim.call('POST', '/Users?attributes=userName,groups', { body: scimUser('alone@example.com') });
    expect(user.body).not.toHaveProperty('groups');
    const empty = await scim.call('POST', '/Groups', { body: { displayName: 'Empty', members: [] } });
    expect(empty.body).not.toHaveProperty('members');
    const group = await scim.call('POST', '/Groups', {
      body: { displayName: 'Emptied', members: [{ value: user.body.id }] },
    });
    expect(group.body.members).toHaveLength(1);
    const removed = await scim.call('PATCH', `/Groups/${group.body.id}`, {
      body: patchOp({ op: 'remove', path: 'members' }),
    });
    expect(removed.status).toBe(204);
    const read = await scim.call('GET', `/Groups/${group.body.id}`);
    expect(read.body).not.toHaveProperty('members');
    expect(read.body.displayName).toBe('Emptied');
    const asked = await scim.call('GET', `/Groups/${group.body.id}?attributes=members`);
    expect(asked.body).not.toHaveProperty('members');
    const listed = await scim.call('GET', '/Groups?filter=displayName eq "Emptied"');
    expect(listed.body.Resources[0]).not.toHaveProperty('members');
    expect((await scim.call('GET', `/Users/${user.body.id}?attributes=groups`)).body).not.toHaveProperty('groups');
    expect((await scim.call('GET', '/Groups?filter=members pr')).body.totalResults).toBe(0);
  });

  it('implements If-Match (412) and If-None-Match (304) with weak ETags', async () => {
    const created = await scim.call('POST', '/Users', { body: scimUser('etag@example.com') });
    const id = created.body.id as string;
    const notModified = await scim.call('GET', `/Users/${id}`, { headers: { 'If-None-Match': 'W/"1"' } });
    expect(notModified.status).toBe(304);
    expect(notModified.text).toBeUndefined();
    const stale = await scim.call('PUT', `/Users/${id}`, {
      body: scimUser('etag@example.com', { title: 'x' }),
      headers: { 'If-Match': 'W/"9"' },
    });
    expect(stale.status).toBe(412);
    const fresh = await scim.call('PUT', `/Users/${id}`, {
      body: scimUser('etag@example.com', { title: 'x' }),
      headers: { 'If-Match': 'W/"1"' },
    });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.etag).toBe('W/"2"');
    const modified = await scim.call('GET', `/Users/${id}`, { headers: { 'If-None-Match': 'W/"1"' } });
    expect(modified.status).toBe(200);
    const deleteStale = await scim.call('DELETE', `/Users/${id}`, { headers: { 'If-Match': '"1"' } });
    expect(deleteStale.status).toBe(412);
  });

  it("serves discovery documents, including the RFC 9865 pagination block and Microsoft's spelling", async () => {
    const config = await scim.call('GET', '/ServiceProviderConfig');
    expect(config.body).toMatchObject({
      patch: { supported: true },
      bulk: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
    });
    expect(config.body.pagination).toMatchObject({ cursor: true, index: true, defaultPaginationMethod: 'index' });
    expect((await scim.call('GET', '/serviceConfiguration')).body).toEqual(config.body);
    const types = await scim.call('GET', '/ResourceTypes');
    expect(types.body.Resources.map((r: { endpoint: string }) => r.endpoint)).toEqual(['/Users', '/Groups']);
    expect((await scim.call('GET', '/ResourceTypes/group')).body.schema).toBe(
      'urn:ietf:params:scim:schemas:core:2.0:Group',
    );
    const schemas = await scim.call('GET', '/Schemas');
    expect(schemas.body.Resources.map((s: { id: string }) => s.id)).toContain(ENTERPRISE);
    const userSchema = await scim.call('GET', `/Schemas/${USER}`);
    expect(userSchema.body.attributes.find((a: { name: string }) => a.name === 'userName')).toMatchObject({
      uniqueness: 'server',
      caseExact: false,
      required: true,
    });
    expect((await scim.call('GET', '/Schemas/urn:nope')).status).toBe(404);
  });

  it('answers /Me and /Bulk with 501, wrong methods with 405 and Allow', async () => {
    expect((await scim.call('GET', '/Me')).status).toBe(501);
    expect((await scim.call('POST', '/Bulk', { body: {} })).status).toBe(501);
    const wrong = await scim.call('DELETE', '/Users');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET, POST');
    expect(wrong.body).toMatchObject({ status: '405' });
  });

  it('searches with POST /.search on a resource type and at the root', async () => {
    await createUsers(3, 'search');
    await scim.call('POST', '/Groups', { body: { displayName: 'search group' } });
    const typed = await scim.call('POST', '/Users/.search', {
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        filter: 'userName sw "search00"',
        attributes: ['userName'],
        count: 2,
      },
    });
    expect(typed.body).toMatchObject({ totalResults: 3, itemsPerPage: 2 });
    expect(Object.keys(typed.body.Resources[0]).sort()).toEqual(['id', 'schemas', 'userName']);
    const root = await scim.call('POST', '/.search', {
      body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'meta.created pr' },
    });
    expect(root.body.totalResults).toBe(4);
    expect(root.body.Resources.map((r: { meta: { resourceType: string } }) => r.meta.resourceType)).toEqual([
      'User',
      'User',
      'User',
      'Group',
    ]);
  });

  describe('[security] a body nested deeper than the limit is a 400 invalidSyntax, never a stack overflow', () => {
    const deepValue = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const patchOf = (path: string, value: string): string =>
      `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"${path}","value":${value}}]}`;

    it.each(['name', 'emails', 'active', `${ENTERPRISE}:manager`])("PATCH of a user's %s", async (attribute) => {
      const user = await scim.call('POST', '/Users', { body: scimUser('deep@example.com') });
      const response = await scim.call('PATCH', `/Users/${user.body.id}`, {
        rawBody: patchOf(attribute, deepValue(4100)),
      });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
    });

    it("PATCH of a group's displayName", async () => {
      const group = await scim.call('POST', '/Groups', { body: { displayName: 'deep' } });
      const response = await scim.call('PATCH', `/Groups/${group.body.id}`, {
        rawBody: patchOf('displayName', `${'['.repeat(4100)}${']'.repeat(4100)}`),
      });
      expect(response.body).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
    });

    it('/.search with a deep attributes array, at the root and on a resource type', async () => {
      const rawBody = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"attributes":${'['.repeat(4100)}"userName"${']'.repeat(4100)}}`;
      expect((await scim.call('POST', '/.search', { rawBody })).body).toMatchObject({
        status: '400',
        scimType: 'invalidSyntax',
      });
      expect((await scim.call('POST', '/Users/.search', { rawBody })).body).toMatchObject({
        status: '400',
        scimType: 'invalidSyntax',
      });
    });

    it('POST and PUT too, while a body at the limit is served', async () => {
      expect(
        (await scim.call('POST', '/Users', { rawBody: `{"userName":"x","title":${deepValue(4100)}}` })).body,
      ).toMatchObject({ scimType: 'invalidSyntax' });
      const user = await scim.call('POST', '/Users', { body: scimUser('limit@example.com') });
      const atLimit = await scim.call('PATCH', `/Users/${user.body.id}`, {
        rawBody: patchOf('title', `${'['.repeat(13)}"t"${']'.repeat(13)}`),
      });
      expect(atLimit.status).toBe(400);
      expect(atLimit.body.scimType).not.toBe('invalidSyntax');
    });
  });

  describe('[security] unique names compare in Unicode NFC and refuse invisible or control characters', () => {
    it('a composed and a decomposed userName are one name (409), each lookup finds it, and it is shown as sent', async () => {
      const composed = await scim.call('POST', '/Users', { body: scimUser('Ren\u00e9@example.com') });
      expect(composed.status).toBe(201);
      const decomposed = await scim.call('POST', '/Users', { body: scimUser('rene\u0301@example.com') });
      expect(decomposed.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
      const lookup = await scim.call(
        'GET',
        `/Users?filter=${encodeURIComponent('userName eq "RENE\u0301@example.com"')}`,
      );
      expect(lookup.body.totalResults).toBe(1);
      expect(lookup.body.Resources[0].userName).toBe('Ren\u00e9@example.com');
      const scan = await scim.call('GET', `/Users?filter=${encodeURIComponent('userName sw "rene\u0301"')}`);
      expect(scan.body.totalResults).toBe(1);
    });

    it('a composed and a decomposed group displayName are one name (409), on create and on rename', async () => {
      await scim.call('POST', '/Groups', { body: { displayName: 'Caf\u00e9' } });
      expect((await scim.call('POST', '/Groups', { body: { displayName: 'cafe\u0301' } })).body).toMatchObject({
        status: '409',
        scimType: 'uniqueness',
      });
      const other = await scim.call('POST', '/Groups', { body: { displayName: 'Bar' } });
      const rename = await scim.call('PATCH', `/Groups/${other.body.id}`, {
        body: patchOp({ op: 'replace', path: 'displayName', value: 'CAFE\u0301' }),
      });
      expect(rename.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
    });

    it.each([
      ['NUL', 'a\u0000b'],
      ['CR LF', 'a\r\nb'],
      ['TAB', 'a\tb'],
      ['a C1 control', 'a\u0085b'],
      ['a right-to-left override', 'moc.elpmaxe@\u202Eeve'],
      ['an isolate', '\u2067eve'],
      ['a zero-width space', 'ev\u200Be'],
      ['a BOM', '\uFEFFeve'],
    ])('a userName or displayName with %s is a 400 invalidValue on POST, PUT and PATCH', async (_label, name) => {
      expect((await scim.call('POST', '/Users', { body: scimUser(name) })).body).toMatchObject({
        status: '400',
        scimType: 'invalidValue',
      });
      expect((await scim.call('POST', '/Groups', { body: { displayName: name } })).body).toMatchObject({
        status: '400',
        scimType: 'invalidValue',
      });
      const user = await scim.call('POST', '/Users', { body: scimUser(`clean${name.length}@example.com`) });
      expect((await scim.call('PUT', `/Users/${user.body.id}`, { body: scimUser(name) })).body).toMatchObject({
        status: '400',
        scimType: 'invalidValue',
      });
      const patch = await scim.call('PATCH', `/Users/${user.body.id}`, {
        body: patchOp({ op: 'replace', path: 'userName', value: name }),
      });
      expect(patch.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
      expect((await scim.call('GET', `/Users/${user.body.id}`)).body.userName).toBe(`clean${name.length}@example.com`);
    });

    it('a user stored with such a name before the rule can still be deactivated by PATCH and PUT', async () => {
      const legacy = await scim.app.store.create('User', {
        schemas: [USER],
        userName: 'legacy\u0000user',
        active: true,
      });
      const patch = await scim.call('PATCH', `/Users/${legacy.id}`, {
        body: patchOp({ op: 'replace', path: 'active', value: false }),
      });
      expect(patch.status).toBe(204);
      const put = await scim.call('PUT', `/Users/${legacy.id}`, {
        body: scimUser('legacy\u0000user', { active: false, title: 'gone' }),
      });
      expect(put.status).toBe(200);
    });
  });

  describe('root /.search spans Users and Groups (RFC 7644 section 3.4.3)', () => {
    const search = (body: Record<string, unknown>) =>
      scim.call('POST', '/.search', {
        body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], ...body },
      });
    const kinds = (response: { body: { Resources: { meta: { resourceType: string } }[] } }): string[] =>
      response.body.Resources.map((r) => r.meta.resourceType);
    let userId: string;
    let groupId: string;

    beforeEach(async () => {
      userId = (await scim.call('POST', '/Users', { body: scimUser('root@example.com', { displayName: 'Shared' }) }))
        .body.id;
      await scim.call('POST', '/Users', { body: scimUser('other@example.com') });
      groupId = (await scim.call('POST', '/Groups', { body: { displayName: 'Shared', members: [{ value: userId }] } }))
        .body.id;
      await scim.call('POST', '/Groups', { body: { displayName: 'Lonely' } });
    });

    it('a filter on an attribute only Users have returns the matching Users, not a 400', async () => {
      const response = await search({ filter: 'userName eq "ROOT@example.com"' });
      expect(response.status).toBe(200);
      expect(response.body.totalResults).toBe(1);
      expect(response.body.Resources[0]).toMatchObject({ id: userId, userName: 'root@example.com' });
      expect(kinds(await search({ filter: 'userName sw "o"' }))).toEqual(['User']);
    });

    it('an attribute only Groups have finds Groups; one both have finds both; or/not combine across types', async () => {
      const members = await search({ filter: `members[value eq "${userId}"]` });
      expect(members.body.Resources.map((r: { id: string }) => r.id)).toEqual([groupId]);
      expect(kinds(await search({ filter: 'displayName eq "shared"' }))).toEqual(['User', 'Group']);
      expect(kinds(await search({ filter: 'userName eq "other@example.com" or displayName eq "Lonely"' }))).toEqual([
        'User',
        'Group',
      ]);
      // Groups have no userName, so "not userName eq x" holds for every group.
      expect(kinds(await search({ filter: 'not (userName eq "root@example.com")' }))).toEqual([
        'User',
        'Group',
        'Group',
      ]);
      expect(kinds(await search({ filter: 'userName ne "x"' }))).toEqual(['User', 'User', 'Group', 'Group']);
      expect(kinds(await search({ filter: 'userName pr' }))).toEqual(['User', 'User']);
    });

    it("still refuses an attribute no resource type has, and a comparison the attribute's type rules out", async () => {
      expect((await search({ filter: 'nonsense eq "x"' })).body).toMatchObject({
        status: '400',
        scimType: 'invalidFilter',
      });
      expect((await search({ filter: 'active gt true' })).body).toMatchObject({
        status: '400',
        scimType: 'invalidFilter',
      });
      expect((await search({ filter: 'members[nonsense eq "x"]' })).body).toMatchObject({
        status: '400',
        scimType: 'invalidFilter',
      });
      expect((await search({ sortBy: 'nonsense' })).body).toMatchObject({ status: '400', scimType: 'invalidPath' });
    });

    it('sorts by an attribute one type lacks, and pages by signed cursor across the types', async () => {
      expect(
        (await search({ sortBy: 'userName', sortOrder: 'descending' })).body.Resources.map(
          (r: { userName?: string }) => r.userName,
        ),
      ).toEqual(['root@example.com', 'other@example.com', undefined, undefined]);
      const seen: string[] = [];
      let cursor = '';
      for (let guard = 0; guard < 6; guard += 1) {
        const page = await search({ cursor, count: 1 });
        expect(page.status).toBe(200);
        seen.push(...kinds(page));
        if (!page.body.nextCursor) break;
        cursor = page.body.nextCursor;
      }
      expect(seen).toEqual(['User', 'User', 'Group', 'Group']);
      const typed = (await scim.call('GET', '/Users?count=1&cursor=')).body.nextCursor as string;
      expect((await search({ cursor: typed, count: 1 })).body).toMatchObject({
        status: '400',
        scimType: 'invalidCursor',
      });
    });
  });

  it('keeps active on a PUT that omits it (lenient) but clears it in the strict profile', async () => {
    const created = await scim.call('POST', '/Users', { body: scimUser('put@example.com', { active: false }) });
    const put = await scim.call('PUT', `/Users/${created.body.id}`, {
      body: { schemas: [USER], userName: 'put@example.com', title: 'T' },
    });
    expect(put.body.active).toBe(false);
    const strict = await startTestScim({ profile: 'strict-rfc' });
    try {
      const c = await strict.call('POST', '/Users', { body: scimUser('put@example.com', { active: false }) });
      const p = await strict.call('PUT', `/Users/${c.body.id}`, {
        body: { schemas: [USER], userName: 'put@example.com' },
      });
      expect(p.body.active).toBeUndefined();
    } finally {
      await strict.close();
    }
  });
});
