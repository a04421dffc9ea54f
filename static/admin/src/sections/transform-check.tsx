/**
 * The username transform preview's verdict per sample: not an email, an email outside the organization's verified
 * domains (the app would invite an account the organization does not manage, such as Entra's default
 * `…@contoso.onmicrosoft.com`), or a usable email, rewritten or unchanged.
 */
import Lozenge from '@atlaskit/lozenge';
import SectionMessage from '@atlaskit/section-message';
import type { ReactNode } from 'react';
import type { TransformDomainCheck } from '../../../../src/shared/admin-api';
import type { TransformSample } from '../../../../src/shared/settings-types';

/** The Check cell of one sample. */
export function TransformCheck({
  sample,
  domains,
}: {
  readonly sample: TransformSample;
  readonly domains: TransformDomainCheck | undefined;
}): ReactNode {
  if (!sample.looksLikeEmail) return <Lozenge appearance="removed">not an email</Lozenge>;
  if (domains?.outside.includes(sample.output))
    return (
      <Lozenge appearance="moved">{`${sample.matched ? 'rewritten' : 'unchanged'}, not the org's domain`}</Lozenge>
    );
  return <Lozenge appearance="success">{sample.matched ? 'rewritten' : 'unchanged'}</Lozenge>;
}

/** The warning under the preview when results fall outside the verified domains, or why domains were not checked. */
export function DomainNote({ domains }: { readonly domains: TransformDomainCheck | undefined }): ReactNode {
  if (!domains) return null;
  if (domains.detail) return <p style={{ fontSize: 12 }}>{domains.detail}</p>;
  if (domains.outside.length === 0) return null;
  return (
    <div style={{ marginTop: 8 }} data-testid="provisioning-domain-warning">
      <SectionMessage
        headingLevel="h3"
        appearance="warning"
        title="Some accounts would be invited outside your organization's domains"
      >
        <p>
          {`${domains.outside.join(', ')} ${domains.outside.length === 1 ? 'is' : 'are'} not on a verified domain of the organization (${domains.verified.join(', ') || 'none verified'}). The app would invite ${domains.outside.length === 1 ? 'that address' : 'those addresses'} as new accounts the organization does not manage. Rewrite the domain with the transform (for example \`(.*)@contoso\\.onmicrosoft\\.com\` → \`$1@contoso.com\`), or match by work email.`}
        </p>
      </SectionMessage>
    </div>
  );
}
