/**
 * The IdP set-up guides, read from docs/idp/<idp>.md at build time (Vite `?raw`), so the page and the
 * repository's docs show the same text. A guide that is not written yet is simply absent.
 */
import type { IdpId } from '../../../../src/shared/admin-api';

const files = import.meta.glob<string>('../../../../docs/idp/*.md', { query: '?raw', import: 'default', eager: true });

/** The name each IdP goes by. */
export const IDP_NAMES: Readonly<Record<IdpId, string>> = {
  okta: 'Okta',
  'entra-id': 'Microsoft Entra ID',
  onelogin: 'OneLogin',
  jumpcloud: 'JumpCloud',
  'google-workspace': 'Google Workspace',
  other: 'Other SCIM 2.0 client',
};

/** The guide's Markdown for an IdP, or undefined when docs/idp has no file for it. */
export function guideFor(idp: IdpId): string | undefined {
  const entry = Object.entries(files).find(([path]) => path.endsWith(`/docs/idp/${idp}.md`));
  return entry?.[1];
}
