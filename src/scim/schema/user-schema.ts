/** The core User schema (RFC 7643 sections 4.1 and 8.7.1) as this service provider supports it. */
import {
  attribute,
  complexAttribute,
  multiValuedSubAttributes,
  stringAttribute,
  type SchemaDefinition,
} from './attribute';
import { USER_SCHEMA } from './urns';

/** RFC 7643 section 4.1; `groups` is returned on request only, so listing users never reads memberships. */
export const userSchema: SchemaDefinition = {
  id: USER_SCHEMA,
  name: 'User',
  description: 'User Account',
  attributes: [
    stringAttribute(
      'userName',
      'Unique identifier for the User, typically used by the user to directly authenticate to the service provider.',
      {
        required: true,
        uniqueness: 'server',
      },
    ),
    complexAttribute('name', "The components of the user's real name.", [
      stringAttribute(
        'formatted',
        'The full name, including all middle names, titles, and suffixes as appropriate, formatted for display.',
      ),
      stringAttribute('familyName', 'The family name of the User, or last name in most Western languages.'),
      stringAttribute('givenName', 'The given name of the User, or first name in most Western languages.'),
      stringAttribute('middleName', 'The middle name(s) of the User.'),
      stringAttribute('honorificPrefix', 'The honorific prefix(es) of the User, or title in most Western languages.'),
      stringAttribute('honorificSuffix', 'The honorific suffix(es) of the User, or suffix in most Western languages.'),
    ]),
    stringAttribute('displayName', 'The name of the User, suitable for display to end-users.'),
    stringAttribute('nickName', 'The casual way to address the user in real life.'),
    attribute(
      'profileUrl',
      'reference',
      "A fully qualified URL pointing to a page representing the User's online profile.",
      { referenceTypes: ['external'] },
    ),
    stringAttribute('title', 'The user\'s title, such as "Vice President".'),
    stringAttribute('userType', 'Used to identify the relationship between the organization and the user.'),
    stringAttribute('preferredLanguage', "Indicates the User's preferred written or spoken language."),
    stringAttribute(
      'locale',
      "Used to indicate the User's default location for purposes of localizing items such as currency, date time format, or numerical representations.",
    ),
    stringAttribute(
      'timezone',
      "The User's time zone in the 'Olson' time zone database format, e.g., 'America/Los_Angeles'.",
    ),
    attribute('active', 'boolean', "A Boolean value indicating the User's administrative status."),
    stringAttribute('password', "The User's cleartext password; accepted and never stored or returned.", {
      mutability: 'writeOnly',
      returned: 'never',
    }),
    complexAttribute(
      'emails',
      'Email addresses for the user.',
      multiValuedSubAttributes('string', ['work', 'home', 'other']),
      { multiValued: true },
    ),
    complexAttribute(
      'phoneNumbers',
      'Phone numbers for the User.',
      multiValuedSubAttributes('string', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
      {
        multiValued: true,
      },
    ),
    complexAttribute(
      'ims',
      'Instant messaging addresses for the User.',
      multiValuedSubAttributes('string', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']),
      {
        multiValued: true,
      },
    ),
    complexAttribute(
      'photos',
      'URLs of photos of the User.',
      multiValuedSubAttributes('reference', ['photo', 'thumbnail'], { referenceTypes: ['external'] }),
      {
        multiValued: true,
      },
    ),
    complexAttribute(
      'addresses',
      'A physical mailing address for this User.',
      [
        stringAttribute('formatted', 'The full mailing address, formatted for display or use with a mailing label.'),
        stringAttribute('streetAddress', 'The full street address component.'),
        stringAttribute('locality', 'The city or locality component.'),
        stringAttribute('region', 'The state or region component.'),
        stringAttribute('postalCode', 'The zip code or postal code component.'),
        stringAttribute('country', 'The country name component.'),
        stringAttribute('type', "A label indicating the attribute's function.", {
          canonicalValues: ['work', 'home', 'other'],
        }),
        attribute('primary', 'boolean', 'Indicates the primary or preferred address.'),
      ],
      { multiValued: true },
    ),
    complexAttribute(
      'groups',
      'A list of groups to which the user belongs, either through direct membership or through nested groups.',
      [
        stringAttribute('value', "The identifier of the User's group.", { mutability: 'readOnly' }),
        attribute('$ref', 'reference', "The URI of the corresponding 'Group' resource to which the user belongs.", {
          mutability: 'readOnly',
          referenceTypes: ['Group'],
        }),
        stringAttribute('display', 'A human-readable name, primarily used for display purposes.', {
          mutability: 'readOnly',
        }),
        stringAttribute('type', "A label indicating the attribute's function.", {
          mutability: 'readOnly',
          canonicalValues: ['direct', 'indirect'],
        }),
      ],
      { multiValued: true, mutability: 'readOnly', returned: 'request' },
    ),
    complexAttribute(
      'entitlements',
      'A list of entitlements for the User that represent a thing the User has.',
      multiValuedSubAttributes('string', []),
      {
        multiValued: true,
      },
    ),
    complexAttribute(
      'roles',
      'A list of roles for the User that collectively represent who the User is.',
      multiValuedSubAttributes('string', []),
      {
        multiValued: true,
      },
    ),
    complexAttribute(
      'x509Certificates',
      'A list of certificates issued to the User.',
      multiValuedSubAttributes('binary', []),
      {
        multiValued: true,
      },
    ),
  ],
};
