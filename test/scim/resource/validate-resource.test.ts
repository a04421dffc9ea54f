import { MAX_MULTI_VALUES } from '../../../src/scim/resource/normalize-value';
import { validateResource } from '../../../src/scim/resource/validate-resource';
import { groupResourceType, userResourceType } from '../../../src/scim/schema/registry';
import { GROUP_SCHEMA, USER_SCHEMA } from '../../../src/scim/schema/urns';
import { scimErrorOf } from './test-kit';

describe('validateResource', () => {
  test('[RFC] accepts a user with userName', () => {
    expect(() => validateResource({ schemas: [USER_SCHEMA], userName: 'a' }, userResourceType)).not.toThrow();
  });

  test.each([
    ['missing', {}],
    ['null', { userName: null }],
    ['empty', { userName: '' }],
  ])('[RFC] a user whose userName is %s fails with invalidValue naming it', (_label, attributes) => {
    const error = scimErrorOf(() => validateResource({ schemas: [USER_SCHEMA], ...attributes }, userResourceType));
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toContain('userName');
  });

  test('[RFC] a group needs displayName', () => {
    const error = scimErrorOf(() => validateResource({ schemas: [GROUP_SCHEMA], externalId: 'e' }, groupResourceType));
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toContain('displayName');
  });

  test('[security] caps multi-valued attributes at the limit, inclusive', () => {
    const emails = (count: number) => Array.from({ length: count }, (_, index) => ({ value: `u${index}@x` }));
    expect(() => validateResource({ userName: 'a', emails: emails(MAX_MULTI_VALUES) }, userResourceType)).not.toThrow();
    const error = scimErrorOf(() =>
      validateResource({ userName: 'a', emails: emails(MAX_MULTI_VALUES + 1) }, userResourceType),
    );
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toContain(String(MAX_MULTI_VALUES));
  });
});
