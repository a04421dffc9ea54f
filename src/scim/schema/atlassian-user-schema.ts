/** This app's read-only User extension: the Atlassian account a SCIM user is linked to, and its sync state. */
import { stringAttribute, type SchemaDefinition } from './attribute';
import { ATLASSIAN_USER_SCHEMA } from './urns';

/** Read-only attributes written by the sync engine, never by the IdP. */
export const atlassianUserSchema: SchemaDefinition = {
  id: ATLASSIAN_USER_SCHEMA,
  name: 'AtlassianAccount',
  description: 'The Atlassian account linked to this user by Bitbucket SCIM Sync',
  attributes: [
    stringAttribute('accountId', 'The Atlassian account id of the linked account.', {
      mutability: 'readOnly',
      caseExact: true,
    }),
    stringAttribute('syncState', 'pending, synced or failed.', {
      mutability: 'readOnly',
      canonicalValues: ['pending', 'synced', 'failed'],
    }),
  ],
};
