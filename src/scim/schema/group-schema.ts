/** The core Group schema (RFC 7643 sections 4.2 and 8.7.1). */
import { attribute, complexAttribute, stringAttribute, type SchemaDefinition } from './attribute';
import { GROUP_SCHEMA } from './urns';

/**
 * RFC 7643 section 4.2. displayName is required and unique here: every IdP sends it, it is the lookup key
 * Entra and Okta use, and the org groups it becomes must have unique names. Members carry `display` as well, which Okta sends and RFC 7643 section 2.4 allows.
 */
export const groupSchema: SchemaDefinition = {
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'Group',
  attributes: [
    stringAttribute(
      'displayName',
      'A human-readable name for the Group, unique case-insensitively (Atlassian group names are unique in an organization).',
      {
        required: true,
        uniqueness: 'server',
      },
    ),
    complexAttribute(
      'members',
      'A list of members of the Group.',
      [
        stringAttribute('value', 'Identifier of the member of this Group.', {
          mutability: 'immutable',
          caseExact: true,
        }),
        attribute('$ref', 'reference', 'The URI corresponding to a SCIM resource that is a member of this Group.', {
          mutability: 'immutable',
          referenceTypes: ['User', 'Group'],
        }),
        stringAttribute('display', 'A human-readable name, primarily used for display purposes.'),
        stringAttribute('type', "A label indicating the type of resource, e.g., 'User' or 'Group'.", {
          mutability: 'immutable',
          canonicalValues: ['User', 'Group'],
        }),
      ],
      { multiValued: true },
    ),
  ],
};
