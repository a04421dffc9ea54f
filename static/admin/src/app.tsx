/** The admin page: a heading, the readiness banner, and one tab per section. */
import Heading from '@atlaskit/heading';
import SectionMessage from '@atlaskit/section-message';
import Tabs, { Tab, TabList, TabPanel } from '@atlaskit/tabs';
import { token } from '@atlaskit/tokens';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import type { AdminStatus } from '../../../src/shared/admin-api';
import { useAdmin } from './admin-context';
import { needsConsent } from './bridge/admin-client';
import { AuditSection } from './sections/audit-section';
import { ConnectionsSection } from './sections/connections-section';
import { DiagnosticsSection } from './sections/diagnostics-section';
import { PermissionsSection } from './sections/permissions-section';
import { ReviewSection } from './sections/review-section';
import { ProvisioningSection } from './sections/provisioning-section';
import { SettingsTransferSection } from './sections/settings-transfer-section';
import { SetupSection } from './sections/setup-section';
import { StatusSection } from './sections/status-section';
import { ConsentRequired } from './ui/consent-required';
import { useLoader, type Loadable } from './ui/use-loader';

/** The sections in tab order, each with the id its tab and panel carry (`tab-<id>`, `data-section`). */
export const SECTIONS = [
  { id: 'setup', title: 'Set-up', Component: SetupSection },
  { id: 'connections', title: 'Connections', Component: ConnectionsSection },
  { id: 'provisioning', title: 'Provisioning', Component: ProvisioningSection },
  { id: 'permissions', title: 'Group permissions', Component: PermissionsSection },
  { id: 'status', title: 'Status', Component: StatusSection },
  { id: 'audit', title: 'Audit log', Component: AuditSection },
  { id: 'review', title: 'Access review', Component: ReviewSection },
  { id: 'settings', title: 'Import and export', Component: SettingsTransferSection },
  { id: 'diagnostics', title: 'Diagnostics', Component: DiagnosticsSection },
] as const;

/** What every section gets: a way to refresh the readiness banner after a change that may affect it. */
export interface SectionProps {
  readonly onChanged: () => void;
}

/** How often the readiness banner asks again while the page is open. */
const BANNER_REFRESH_MS = 10_000;

const pageStyle = {
  maxWidth: 1120,
  margin: '0 auto',
  padding: '24px 32px 48px',
  color: token('color.text', '#172B4D'),
  background: token('elevation.surface', '#FFFFFF'),
} as const;

/** The whole page; until the admin allows the app to use Bitbucket as them, only the request to do so. */
export function App(): ReactNode {
  const [selected, setSelected] = useState(0);
  const { client } = useAdmin();
  const status = useLoader(() => client.call('status/get'));
  const { reload } = status;
  const onChanged = useCallback(() => reload(true), [reload]);
  // The banner follows what happens elsewhere too (the identity provider's first request), quietly.
  useEffect(() => {
    const timer = setInterval(() => reload(true), BANNER_REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  const consent = status.state.status === 'error' && needsConsent(status.state.error) ? status.state.error : undefined;
  return (
    <main style={pageStyle}>
      <Heading size="xlarge" as="h1">
        SCIM provisioning
      </Heading>
      <p style={{ marginTop: 8, color: token('color.text.subtle', '#44546F') }}>
        Your identity provider pushes users and groups here; the app turns them into Atlassian accounts, org groups and
        Bitbucket permissions.
      </p>
      {/* A quiet reload keeps this on screen until the check answers again. */}
      {consent !== undefined ? (
        <ConsentRequired failure={consent} onRetry={onChanged} />
      ) : (
        <Sections status={status.state} selected={selected} onSelect={setSelected} onChanged={onChanged} />
      )}
    </main>
  );
}

/** The readiness banner and one tab per section. */
function Sections({
  status,
  selected,
  onSelect,
  onChanged,
}: {
  readonly status: Loadable<AdminStatus>;
  readonly selected: number;
  readonly onSelect: (index: number) => void;
  readonly onChanged: () => void;
}): ReactNode {
  return (
    <>
      <ReadinessBanner
        status={status.status === 'ready' ? status.value : undefined}
        error={status.status === 'error' ? status.message : undefined}
      />
      <div style={{ marginTop: 16 }}>
        <Tabs id="admin-sections" selected={selected} onChange={onSelect} shouldUnmountTabPanelOnChange>
          <TabList>
            {SECTIONS.map((section) => (
              <Tab key={section.id} testId={`tab-${section.id}`}>
                {section.title}
              </Tab>
            ))}
          </TabList>
          {SECTIONS.map((section) => (
            <TabPanel key={section.id} testId={`panel-${section.id}`}>
              <div style={{ width: '100%', paddingTop: 16 }} data-section={section.id}>
                <section.Component onChanged={onChanged} />
              </div>
            </TabPanel>
          ))}
        </Tabs>
      </div>
    </>
  );
}

/** The banner's title and colour for each state: "running" only once the identity provider has reached the app. */
const BANNER = {
  setup: { title: 'Set-up is not finished', appearance: 'information' },
  'waiting-for-idp': { title: 'Waiting for your identity provider', appearance: 'information' },
  running: { title: 'Provisioning is running', appearance: 'success' },
} as const satisfies Record<AdminStatus['state'], { title: string; appearance: 'information' | 'success' }>;

function ReadinessBanner({
  status,
  error,
}: {
  readonly status: AdminStatus | undefined;
  readonly error: string | undefined;
}): ReactNode {
  if (error) {
    return (
      <div style={{ marginTop: 16 }}>
        <SectionMessage appearance="error" title="The app's state could not be read">
          <p>{error}</p>
        </SectionMessage>
      </div>
    );
  }
  if (!status) return null;
  return (
    <div style={{ marginTop: 16, display: 'grid', gap: 8 }}>
      <SectionMessage appearance={BANNER[status.state].appearance} title={BANNER[status.state].title}>
        <p>{status.detail}</p>
        {status.credentials.source === 'environment' ? <p>{status.credentials.detail}</p> : null}
        {status.emulated ? (
          <p>
            This local host has no Atlassian credentials, so the sync engine writes to the emulated Admin API and
            Bitbucket.
          </p>
        ) : null}
      </SectionMessage>
      {status.warnings.map((warning) => (
        <SectionMessage
          key={warning.credential}
          appearance={warning.severity === 'expired' ? 'error' : 'warning'}
          title={warning.severity === 'expired' ? 'A credential has expired' : 'A credential expires soon'}
        >
          <p>{warning.message}</p>
        </SectionMessage>
      ))}
    </div>
  );
}

/** Shown on the local host when the URL carried no admin key. */
export function MissingKey(): ReactNode {
  return (
    <main style={pageStyle}>
      <Heading size="xlarge" as="h1">
        SCIM provisioning
      </Heading>
      <div style={{ marginTop: 16 }}>
        <SectionMessage appearance="warning" title="Open the admin URL that npm start printed">
          <p>
            The local admin page needs its key. <code>npm start</code> prints a link like{' '}
            <code>http://127.0.0.1:8080/admin/#key=…</code>; open that link (or set <code>ADMIN_KEY</code> before
            starting the host).
          </p>
        </SectionMessage>
      </div>
    </main>
  );
}
