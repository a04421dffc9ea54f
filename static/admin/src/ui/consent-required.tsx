/**
 * What the page shows instead of its sections while the admin has not allowed the app to use Bitbucket as them:
 * every resolver asks Bitbucket, as the caller, whether they are a workspace admin (src/admin/workspace-admin.ts),
 * so nothing else can load until they allow it. Forge shows its own prompt when the resolver lets the consent
 * request propagate (src/forge/admin-resolver.ts); this says what to do and offers to try again.
 */
import Button from '@atlaskit/button/new';
import SectionMessage from '@atlaskit/section-message';
import { useEffect, useState, type ReactNode } from 'react';

/** Props of ConsentRequired. */
export interface ConsentRequiredProps {
  /** The failure that asked for consent; a new one means a retry ended. */
  readonly failure: unknown;
  /** Asks again (the resolvers' check runs again). */
  readonly onRetry: () => void;
}

/** The "allow access" state with a retry button that shows while the retry runs. */
export function ConsentRequired({ failure, onRetry }: ConsentRequiredProps): ReactNode {
  const [retrying, setRetrying] = useState(false);
  useEffect(() => setRetrying(false), [failure]);
  return (
    <div style={{ marginTop: 16 }} data-testid="consent-required">
      <SectionMessage appearance="warning" title="Allow the app to access Bitbucket as you">
        <p>
          Only workspace admins can manage SCIM provisioning, and the app checks that you are one by asking Bitbucket as
          you. You have not yet allowed it to do that.
        </p>
        <p>
          Atlassian asks whether to allow access: choose <strong>Allow access</strong>, then select{' '}
          <strong>Try again</strong>. If you do not see that prompt, reload the page.
        </p>
        <div style={{ marginTop: 8 }}>
          <Button
            appearance="primary"
            isLoading={retrying}
            onClick={() => {
              setRetrying(true);
              onRetry();
            }}
          >
            Try again
          </Button>
        </div>
      </SectionMessage>
    </div>
  );
}
