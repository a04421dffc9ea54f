/** The enterprise User extension (RFC 7643 section 4.3). */
import { attribute, complexAttribute, stringAttribute, type SchemaDefinition } from './attribute';
import { ENTERPRISE_USER_SCHEMA } from './urns';

/** RFC 7643 section 4.3. */
export const enterpriseUserSchema: SchemaDefinition = {
  id: ENTERPRISE_USER_SCHEMA,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    stringAttribute(
      'employeeNumber',
      'Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization.',
    ),
    stringAttribute('costCenter', 'Identifies the name of a cost center.'),
    stringAttribute('organization', 'Identifies the name of an organization.'),
    stringAttribute('division', 'Identifies the name of a division.'),
    stringAttribute('department', 'Identifies the name of a department.'),
    complexAttribute('manager', "The User's manager.", [
      stringAttribute('value', "The id of the SCIM resource representing the User's manager.", { caseExact: true }),
      attribute('$ref', 'reference', "The URI of the SCIM resource representing the User's manager.", {
        referenceTypes: ['User'],
      }),
      stringAttribute('displayName', "The displayName of the User's manager.", { mutability: 'readOnly' }),
    ]),
  ],
};
