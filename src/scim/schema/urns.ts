/** Schema and message URNs of RFC 7643 and RFC 7644. */

/** RFC 7643 section 8.7.1 core User schema. */
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
/** RFC 7643 section 8.7.1 core Group schema. */
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
/** RFC 7643 section 4.3 enterprise User extension. */
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
/** This app's read-only User extension carrying the linked Atlassian account. */
export const ATLASSIAN_USER_SCHEMA = 'urn:scim:schemas:extension:bitbucket-scim-sync:2.0:User';
/** RFC 7644 section 3.4.2 ListResponse message. */
export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
/** RFC 7644 section 3.4.3 SearchRequest message. */
export const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
/** RFC 7644 section 3.5.2 PatchOp message. */
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** RFC 7644 section 3.12 Error message. */
export const ERROR_MESSAGE = 'urn:ietf:params:scim:api:messages:2.0:Error';
/** RFC 7644 section 3.7 BulkRequest message. */
export const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
/** RFC 7643 section 5 ServiceProviderConfig schema. */
export const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
/** RFC 7643 section 6 ResourceType schema. */
export const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
/** RFC 7643 section 7 Schema schema. */
export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';
