import fc from 'fast-check';
import { ScimError, type ScimType } from '../../../src/scim/errors';
import type { CompareOperator, Filter, FilterValue, ValuePathFilter } from '../../../src/scim/filter/ast';
import { compileFilter, evaluateFilter } from '../../../src/scim/filter/evaluate-filter';
import { findIndexableEquality, type IndexableEquality } from '../../../src/scim/filter/indexable-equality';
import { parseAttributeList, parseFilter, parsePatchPath } from '../../../src/scim/filter/parse-filter';
import type { AttributeDefinition } from '../../../src/scim/schema/attribute';
import {
  commonAttributes,
  findAttribute,
  groupResourceType,
  userResourceType,
  type ResourceType,
} from '../../../src/scim/schema/registry';
import { uniquenessKey } from '../../../src/scim/resource/name-text';
import { cleanUnicodeName, respellings } from '../unicode-names';
import { printFilter, type PrintStyle } from './filter-printer';

const lenient = { unquotedValues: true };
const strict = { unquotedValues: false };
const OPERATORS: readonly CompareOperator[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];

/** Runs `action`; a ScimError of the expected type counts as a rejection, anything else thrown fails the property. */
function outcome<T>(action: () => T, scimType: ScimType): { ok: true; value: T } | { ok: false } {
  try {
    return { ok: true, value: action() };
  } catch (error) {
    if (error instanceof ScimError && error.scimType === scimType) return { ok: false };
    throw error;
  }
}

const sampleUser = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: 'u1',
  userName: 'alice',
  title: 'x',
  emails: [{ type: 'work', value: 'a@x' }],
  meta: { created: '2020-01-01T00:00:00Z' },
};

const attributeName = fc
  .oneof(
    fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,7}$/),
    fc.constantFrom('$ref', 'userName', 'emails', 'value', 'pr', 'eq', 'true'),
  )
  .filter((name) => !['not', 'and', 'or'].includes(name.toLowerCase()));
const urnPrefix = fc.constantFrom(
  '',
  '',
  'urn:ietf:params:scim:schemas:core:2.0:User:',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:',
  'URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:GROUP:',
);
const attributePath = fc
  .tuple(urnPrefix, attributeName, fc.option(attributeName, { nil: undefined }))
  .map(([urn, name, sub]) => `${urn}${name}${sub === undefined ? '' : `.${sub}`}`);
const anyValue: fc.Arbitrary<FilterValue> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ maxLength: 8 }),
  fc.stringMatching(/^[a-z][a-z0-9@.]{0,6}$/),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (n === 0 ? 0 : n)),
  fc.boolean(),
  fc.constant(null),
);

function comparisonOn(path: fc.Arbitrary<string>): fc.Arbitrary<Filter> {
  return fc.oneof(
    fc.record({
      kind: fc.constant('compare' as const),
      path,
      operator: fc.constantFrom(...OPERATORS),
      value: anyValue,
    }),
    fc.record({ kind: fc.constant('present' as const), path }),
  );
}

/** Filter trees of bounded depth over the given leaves (and/or/not nodes above them). */
function tree(leaf: fc.Arbitrary<Filter>, depth: number): fc.Arbitrary<Filter> {
  if (depth === 0) return leaf;
  const child = tree(leaf, depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), left: child, right: child }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('not' as const), filter: child }) },
  );
}

function countTerms(filter: Filter): number {
  switch (filter.kind) {
    case 'compare':
    case 'present':
      return 1;
    case 'and':
    case 'or':
      return countTerms(filter.left) + countTerms(filter.right);
    case 'not':
      return countTerms(filter.filter);
    case 'valuePath':
      return countTerms(filter.filter) + (filter.then ? 1 : 0);
  }
}

const thenClause: fc.Arbitrary<NonNullable<ValuePathFilter['then']>> = fc.oneof(
  fc.record({ subAttribute: attributeName, operator: fc.constantFrom(...OPERATORS), value: anyValue }),
  fc.record({ subAttribute: attributeName, operator: fc.constant('pr' as const), value: fc.constant(null) }),
);
const valuePath: fc.Arbitrary<Filter> = fc
  .record({
    path: fc.tuple(urnPrefix, attributeName).map(([urn, name]) => `${urn}${name}`),
    filter: tree(comparisonOn(attributeName), 2),
    then: fc.option(thenClause, { nil: undefined }),
  })
  .map(({ path, filter, then }): Filter =>
    then ? { kind: 'valuePath', path, filter, then } : { kind: 'valuePath', path, filter },
  );
const anyFilter = tree(
  fc.oneof({ weight: 4, arbitrary: comparisonOn(attributePath) }, { weight: 1, arbitrary: valuePath }),
  5,
).filter((filter) => countTerms(filter) <= 200);
const style: fc.Arbitrary<PrintStyle> = fc.record({
  upperCaseKeywords: fc.boolean(),
  spaceAfterNot: fc.boolean(),
  gap: fc.constantFrom(' ', '  '),
  escapeNonAscii: fc.boolean(),
  bareStrings: fc.boolean(),
});

describe('properties: printing a tree and parsing it back gives the same tree', () => {
  it('round-trips in every print style (≥ 1000 cases)', () => {
    fc.assert(
      fc.property(anyFilter, style, (filter, printStyle) => {
        const text = printFilter(filter, printStyle);
        expect(parseFilter(text, lenient)).toEqual(filter);
        if (!printStyle.bareStrings) expect(parseFilter(text, strict)).toEqual(filter);
      }),
      { numRuns: 1500 },
    );
  });

  it('round-trips value paths as PATCH paths', () => {
    const patchPath = fc.record({
      path: fc.tuple(urnPrefix, attributeName).map(([urn, name]) => `${urn}${name}`),
      filter: tree(comparisonOn(attributeName), 3),
      subAttribute: fc.option(attributeName, { nil: undefined }),
    });
    fc.assert(
      fc.property(patchPath, style, ({ path, filter, subAttribute }, printStyle) => {
        const text = `${path}[${printFilter(filter, printStyle)}]${subAttribute === undefined ? '' : `.${subAttribute}`}`;
        const expected = subAttribute === undefined ? { path, filter } : { path, filter, subAttribute };
        expect(parsePatchPath(text, lenient)).toEqual(expected);
        expect(parseAttributeList(`id, ${text} ,userName`, lenient)).toEqual([
          { path: 'id' },
          expected,
          { path: 'userName' },
        ]);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('properties: hostile and random input', () => {
  const TOKENS = [
    '(',
    ')',
    '[',
    ']',
    '"',
    '"a"',
    '"a\\"b"',
    '\\',
    '\\u00',
    'not',
    'NOT(',
    'and',
    'Or',
    'eq',
    'EQ',
    'ne',
    'co',
    'sw',
    'gt',
    'le',
    'pr',
    'zz',
    'true',
    'false',
    'null',
    '12',
    '-1.5e3',
    '1e999',
    '007',
    'userName',
    'emails',
    'type',
    'value',
    '.value',
    '.',
    ':',
    ',',
    '$ref',
    'name.givenName',
    'meta.created',
    'urn:ietf:params:scim:schemas:core:2.0:User:',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
    'members',
    'schemas',
    '2015-10-10T14:38:21.8617979-07:00',
    'é',
    '\u007f',
    '\n',
    '\ud800',
  ];
  const soup = fc
    .tuple(
      fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }),
      fc.array(fc.constantFrom('', ' ', '  '), { minLength: 80, maxLength: 80 }),
    )
    .map(([tokens, gaps]) => tokens.map((token, i) => `${token}${gaps[i] ?? ''}`).join(''));
  const longSoup = fc
    .array(fc.constantFrom('(', ')', 'a pr', ' and ', ' or ', 'not(', 'x[', ']', '"', '\\'), {
      minLength: 500,
      maxLength: 1500,
    })
    .map((parts) => parts.join(''));
  const grammarChars = fc.string({
    unit: fc.constantFrom(...'abeqnotrpwsUR ()[]"\\.:,$-_019'.split('')),
    maxLength: 200,
  });
  const anything = fc.string({ unit: 'binary', maxLength: 300 });
  const edit = fc.record({
    at: fc.nat(),
    length: fc.nat({ max: 4 }),
    insert: fc.oneof(fc.constant(''), fc.constantFrom(...TOKENS)),
  });
  // Valid filters with a few characters deleted or tokens inserted: near misses reach deep into the parser.
  const mutated = fc.tuple(anyFilter, style, fc.array(edit, { maxLength: 3 })).map(([filter, printStyle, edits]) =>
    edits.reduce(
      (text, { at, length, insert }) => {
        const position = text.length === 0 ? 0 : at % text.length;
        return text.slice(0, position) + insert + text.slice(position + length);
      },
      printFilter(filter, printStyle),
    ),
  );
  const inputs = fc.oneof(soup, longSoup, grammarChars, anything, mutated, mutated);

  it('never throws anything but the expected ScimError, and stays fast (≥ 1000 cases each)', () => {
    let parsed = 0;
    const started = performance.now();
    fc.assert(
      fc.property(inputs, (text) => {
        for (const options of [lenient, strict]) {
          const result = outcome(() => parseFilter(text, options), 'invalidFilter');
          if (!result.ok) continue;
          parsed++;
          for (const resourceType of [userResourceType, groupResourceType]) {
            const compiled = outcome(() => compileFilter(result.value, resourceType), 'invalidFilter');
            if (compiled.ok) expect(typeof compiled.value(sampleUser)).toBe('boolean');
          }
          findIndexableEquality(result.value, userResourceType);
        }
        outcome(() => parsePatchPath(text, lenient), 'invalidPath');
        outcome(() => parsePatchPath(text, strict), 'invalidPath');
        outcome(() => parseAttributeList(text), 'invalidPath');
      }),
      { numRuns: 2000 },
    );
    const elapsed = performance.now() - started;
    // Some generated inputs must parse, or the property would only exercise the error paths.
    expect(parsed).toBeGreaterThan(200);
    expect(elapsed).toBeLessThan(20_000);
  });
});

const CORE: Record<ResourceType['name'], string> = {
  User: 'urn:ietf:params:scim:schemas:core:2.0:User',
  Group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
};
const SCHEMAS_DEFINITION: AttributeDefinition = {
  ...commonAttributes[0]!,
  name: 'schemas',
  multiValued: true,
  caseExact: true,
};

interface KnownPath {
  readonly path: string;
  readonly definition: AttributeDefinition;
}

/** Every filterable path of a resource type, with and without URN prefixes. */
function knownPaths(resourceType: ResourceType): KnownPath[] {
  const paths: KnownPath[] = [{ path: 'schemas', definition: SCHEMAS_DEFINITION }];
  const add = (prefix: string, attributes: readonly AttributeDefinition[]): void => {
    for (const definition of attributes) {
      paths.push({ path: `${prefix}${definition.name}`, definition });
      for (const sub of definition.subAttributes ?? [])
        paths.push({ path: `${prefix}${definition.name}.${sub.name}`, definition: sub });
    }
  };
  add('', commonAttributes);
  add('', resourceType.schema.attributes);
  add(`${CORE[resourceType.name]}:`, resourceType.schema.attributes);
  for (const extension of resourceType.extensions) add(`${extension.schema.id}:`, extension.schema.attributes);
  return paths;
}

const DATE_RANGE = {
  min: new Date('1900-01-01T00:00:00Z'),
  max: new Date('2100-01-01T00:00:00Z'),
  noInvalidDate: true,
};
const dateText = fc
  .tuple(fc.date(DATE_RANGE), fc.constantFrom('Z', '+01:00', '-07:00', '.1234567Z', '.5+05:30'))
  .map(([date, zone]) => `${date.toISOString().slice(0, 19)}${zone}`);

/** Operator/value pairs the attribute's type admits (RFC 7644 section 3.4.2.2), so compiling never fails. */
function validComparison(
  definition: AttributeDefinition,
): fc.Arbitrary<{ operator: CompareOperator; value: FilterValue }> {
  const withNull = fc.record({ operator: fc.constantFrom<CompareOperator>('eq', 'ne'), value: fc.constant(null) });
  const compared = definition.type === 'complex' ? findAttribute(definition.subAttributes, 'value') : definition;
  if (!compared) return withNull;
  const pairs = (operators: CompareOperator[], value: fc.Arbitrary<FilterValue>) =>
    fc.record({ operator: fc.constantFrom(...operators), value });
  switch (compared.type) {
    case 'string':
    case 'reference':
      return fc.oneof(
        withNull,
        pairs(
          [...OPERATORS],
          fc.oneof(fc.string({ maxLength: 5 }), fc.constantFrom('work', 'WORK', 'a'), fc.integer(), fc.boolean()),
        ),
      );
    case 'binary':
      return pairs(['eq', 'ne'], fc.string({ maxLength: 5 }));
    case 'boolean':
      return pairs(['eq', 'ne'], fc.oneof(fc.boolean(), fc.constantFrom('True', 'false')));
    case 'dateTime':
      return fc.oneof(withNull, pairs(['eq', 'ne', 'gt', 'ge', 'lt', 'le'], dateText));
    case 'integer':
    case 'decimal':
      return pairs(['eq', 'ne', 'gt', 'ge', 'lt', 'le'], fc.double({ noNaN: true, noDefaultInfinity: true }));
    case 'complex':
      return withNull;
  }
}

function randomCase(path: string): fc.Arbitrary<string> {
  return fc.constantFrom(path, path.toUpperCase(), path.toLowerCase());
}

function validLeaf(paths: readonly KnownPath[]): fc.Arbitrary<Filter> {
  return fc.constantFrom(...paths).chain(({ path, definition }) =>
    fc.oneof(
      randomCase(path).map((written): Filter => ({ kind: 'present', path: written })),
      fc
        .tuple(randomCase(path), validComparison(definition))
        .map(([written, { operator, value }]): Filter => ({ kind: 'compare', path: written, operator, value })),
    ),
  );
}

function validFilter(resourceType: ResourceType): fc.Arbitrary<Filter> {
  const paths = knownPaths(resourceType);
  const complex = paths.filter(({ definition }) => definition.type === 'complex');
  const valuePaths = fc.constantFrom(...complex).chain(({ path, definition }) => {
    const subPaths = (definition.subAttributes ?? []).map((sub) => ({ path: sub.name, definition: sub }));
    const inner = tree(validLeaf(subPaths), 2);
    const then = fc.option(
      fc.constantFrom(...subPaths).chain((sub) =>
        fc.oneof(
          fc.constant({ subAttribute: sub.path, operator: 'pr' as const, value: null }),
          validComparison(sub.definition).map(({ operator, value }) => ({ subAttribute: sub.path, operator, value })),
        ),
      ),
      { nil: undefined },
    );
    return fc
      .tuple(inner, then)
      .map(([filter, thenClause]): Filter =>
        thenClause ? { kind: 'valuePath', path, filter, then: thenClause } : { kind: 'valuePath', path, filter },
      );
  });
  return tree(fc.oneof({ weight: 3, arbitrary: validLeaf(paths) }, { weight: 1, arbitrary: valuePaths }), 4);
}

function randomResource(resourceType: ResourceType): fc.Arbitrary<Record<string, unknown>> {
  const topNames = [...commonAttributes, ...resourceType.schema.attributes].map((definition) => definition.name);
  const subNames = [
    ...new Set(
      [
        ...commonAttributes,
        ...resourceType.schema.attributes,
        ...resourceType.extensions.flatMap((e) => e.schema.attributes),
      ].flatMap((d) => (d.subAttributes ?? []).map((s) => s.name)),
    ),
  ];
  const scalar = fc.oneof(
    fc.string({ maxLength: 6 }),
    fc.constantFrom(
      'work',
      'Work',
      'home',
      '',
      'a',
      '2010-01-23T04:56:22Z',
      '2015-10-10T14:38:21.8617979-07:00',
      'not-a-date',
      CORE[resourceType.name],
    ),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
  );
  const json = fc.jsonValue({ maxDepth: 3 });
  const element = fc.dictionary(fc.constantFrom(...subNames), fc.oneof(scalar, json), { maxKeys: 5 });
  const field = fc.oneof(
    scalar,
    json,
    element,
    fc.array(fc.oneof({ weight: 3, arbitrary: element }, { weight: 1, arbitrary: scalar }), { maxLength: 4 }),
  );
  const base = fc.dictionary(fc.constantFrom(...topNames, 'schemas', 'USERNAME', 'Emails'), field, { maxKeys: 12 });
  const extensions = resourceType.extensions.map((extension) =>
    fc
      .option(
        fc.dictionary(fc.constantFrom(...extension.schema.attributes.map((d) => d.name)), field, { maxKeys: 4 }),
        { nil: undefined },
      )
      .map((value) => [extension.schema.id, value] as const),
  );
  return fc
    .tuple(base, fc.oneof(field, fc.constant(undefined)), ...extensions)
    .map(([record, _stray, ...extensionValues]) => {
      const resource: Record<string, unknown> = { ...record };
      for (const [urn, value] of extensionValues) if (value !== undefined) resource[urn] = value;
      return resource;
    });
}

describe('properties: evaluating valid filters on random resources', () => {
  for (const resourceType of [userResourceType, groupResourceType]) {
    it(`${resourceType.name}: never throws, and and/or/not follow boolean logic (≥ 1000 cases)`, () => {
      const filters = validFilter(resourceType);
      fc.assert(
        fc.property(filters, filters, randomResource(resourceType), (f, g, resource) => {
          const a = evaluateFilter(f, resource, resourceType);
          const b = evaluateFilter(g, resource, resourceType);
          expect(typeof a).toBe('boolean');
          expect(evaluateFilter({ kind: 'not', filter: f }, resource, resourceType)).toBe(!a);
          expect(evaluateFilter({ kind: 'and', left: f, right: g }, resource, resourceType)).toBe(a && b);
          expect(evaluateFilter({ kind: 'or', left: f, right: g }, resource, resourceType)).toBe(a || b);
        }),
        { numRuns: 1000 },
      );
    });
  }

  it('a value path match implies each of its conditions matches on its own (never the reverse requirement)', () => {
    const emailsCondition = fc.constantFrom<Filter>(
      { kind: 'compare', path: 'type', operator: 'eq', value: 'work' },
      { kind: 'compare', path: 'value', operator: 'co', value: '@x' },
      { kind: 'compare', path: 'primary', operator: 'eq', value: true },
      { kind: 'present', path: 'display' },
    );
    const toTopLevel = (condition: Filter): Filter =>
      condition.kind === 'compare' || condition.kind === 'present'
        ? { ...condition, path: `emails.${condition.path}` }
        : condition;
    fc.assert(
      fc.property(emailsCondition, emailsCondition, randomResource(userResourceType), (c1, c2, resource) => {
        const together = evaluateFilter(
          { kind: 'valuePath', path: 'emails', filter: { kind: 'and', left: c1, right: c2 } },
          resource,
          userResourceType,
        );
        if (together) {
          expect(evaluateFilter(toTopLevel(c1), resource, userResourceType)).toBe(true);
          expect(evaluateFilter(toTopLevel(c2), resource, userResourceType)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('properties: an index hint never excludes a matching resource', () => {
  const pool = fc.constantFrom('a', 'A', 'b');
  const emails = fc.array(fc.record({ type: fc.constantFrom('work', 'Work', 'home'), value: pool }), { maxLength: 3 });
  const resources = fc.record(
    { id: pool, userName: pool, externalId: pool, displayName: pool, title: pool, emails },
    { requiredKeys: [] },
  );
  const leafTexts = (resourceType: ResourceType) =>
    pool.chain((v) =>
      fc.constantFrom(
        `id eq "${v}"`,
        `externalId eq "${v}"`,
        `displayName eq "${v}"`,
        `externalId pr`,
        ...(resourceType.name === 'User'
          ? [
              `userName eq "${v}"`,
              `emails[type eq "work"].value eq "${v}"`,
              `emails[type eq "Work" and value eq "${v}"]`,
              `emails.value eq "${v}"`,
              `emails[value eq "${v}"]`,
            ]
          : []),
      ),
    );

  function keyHolds(resource: Record<string, unknown>, { key, value }: IndexableEquality): boolean {
    const lower = value.toLowerCase();
    switch (key) {
      case 'id':
      case 'externalId':
        return resource[key] === value;
      case 'userName':
      case 'displayName':
        return typeof resource[key] === 'string' && (resource[key] as string).toLowerCase() === lower;
      case 'workEmail':
        return ((resource.emails ?? []) as { type: string; value: string }[]).some(
          (e) => e.type.toLowerCase() === 'work' && e.value.toLowerCase() === lower,
        );
    }
  }

  for (const resourceType of [userResourceType, groupResourceType]) {
    it(`${resourceType.name}: a matching resource always has the hinted key`, () => {
      const filters = tree(
        leafTexts(resourceType).map((text) => parseFilter(text, strict)),
        3,
      );
      let hinted = 0;
      fc.assert(
        fc.property(filters, resources, (filter, resource) => {
          const hint = findIndexableEquality(filter, resourceType);
          if (hint && evaluateFilter(filter, resource, resourceType)) {
            hinted++;
            expect(keyHolds(resource, hint)).toBe(true);
          }
        }),
        { numRuns: 1500 },
      );
      // The property is only meaningful if hints and matches coincide often enough.
      expect(hinted).toBeGreaterThan(30);
    });
  }
});

describe('properties: names in any Unicode spelling', () => {
  /** One random name in several canonically equivalent spellings and cases, plus an unrelated name. */
  const spellings = cleanUnicodeName.map((name) => [...respellings(name), 'other']);
  const filterText = (attribute: string, value: string): string => `${attribute} eq ${JSON.stringify(value)}`;

  /** What the store's indexes compare (src/storage/kvs-directory-store.ts): the uniqueness key of the value. */
  function keyHolds(resource: Record<string, unknown>, { key, value }: IndexableEquality): boolean {
    const wanted = uniquenessKey(value);
    if (key === 'workEmail') {
      return ((resource.emails ?? []) as { type: string; value: string }[]).some(
        (e) => e.type.toLowerCase() === 'work' && uniquenessKey(e.value) === wanted,
      );
    }
    return typeof resource[key] === 'string' && uniquenessKey(resource[key] as string) === wanted;
  }

  it('[security] an index hint never excludes a matching resource, and equal keys always match', () => {
    let matched = 0;
    fc.assert(
      fc.property(
        spellings,
        fc.nat(),
        fc.nat(),
        fc.constantFrom('userName', 'emails[type eq "work"].value', 'displayName'),
        (names, stored, asked, attribute) => {
          const storedName = names[stored % names.length]!;
          const askedName = names[asked % names.length]!;
          const resourceType = attribute === 'displayName' ? groupResourceType : userResourceType;
          const resource = {
            userName: storedName,
            displayName: storedName,
            emails: [{ type: 'work', value: storedName }],
          };
          const filter = parseFilter(filterText(attribute, askedName), strict);
          const hint = findIndexableEquality(filter, resourceType);
          expect(hint).toBeDefined();
          const matches = evaluateFilter(filter, resource, resourceType);
          if (matches) matched++;
          if (hint && matches) expect(keyHolds(resource, hint)).toBe(true);
          expect(matches).toBe(uniquenessKey(storedName) === uniquenessKey(askedName));
        },
      ),
      { numRuns: 1500 },
    );
    expect(matched).toBeGreaterThan(300);
  });
});
