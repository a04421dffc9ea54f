/**
 * Diagnostics: the checks of what only a live installation can answer, run inside this installation (each one
 * resolver call, src/diagnostics/), each shown with what was assumed, what was observed and what the app does about
 * it. "Run the checks" runs those that only read or clean up at once; the group-slug check writes a scratch group
 * and a grant, so the admin picks a repository and confirms first.
 */
import Button from '@atlaskit/button/new';
import SectionMessage from '@atlaskit/section-message';
import Select from '@atlaskit/select';
import { token } from '@atlaskit/tokens';
import { useRef, useState, type ReactNode } from 'react';
import type {
  DiagnosticCheckId,
  DiagnosticCheckInfo,
  DiagnosticResult,
  DiagnosticsView,
  RepositoryChoice,
} from '../../../../src/shared/diagnostics-api';
import { useAdmin } from '../admin-context';
import type { SectionProps } from '../app';
import { describeError, type AdminClient } from '../bridge/admin-client';
import { describedBy, Field } from '../ui/field';
import { SectionTitle, SubTitle } from '../ui/headings';
import { ActionError, LoadableView } from '../ui/loadable-view';
import { useLoader, type Loader } from '../ui/use-loader';
import { ResultDetails } from './diagnostics-result';

/** Runs one check as the resolvers expect: the storage probe's signed observation goes back to be recorded. */
async function runCheck(
  client: AdminClient,
  check: DiagnosticCheckId,
  extra: { repository?: string; confirmed?: boolean } = {},
): Promise<DiagnosticResult> {
  const answer = await client.call('diagnostics/run', { check, ...extra });
  if (answer.kind === 'result') return answer.result;
  return client.call('diagnostics/record', { sealed: answer.sealed });
}

function withResult(view: DiagnosticsView, result: DiagnosticResult): DiagnosticsView {
  const results = view.checks
    .map((check) => (check.id === result.check ? result : view.results.find((r) => r.check === check.id)))
    .filter((r): r is DiagnosticResult => r !== undefined);
  return { ...view, results };
}

const cardStyle = {
  border: `1px solid ${token('color.border', '#091E4224')}`,
  borderRadius: 3,
  padding: '12px 16px',
  marginTop: 12,
} as const;

/** The Diagnostics section. */
export function DiagnosticsSection({ onChanged }: SectionProps): ReactNode {
  const { client } = useAdmin();
  const view = useLoader(() => client.call('diagnostics/get'));
  // The latest view, so that results arriving one after another during "Run the checks" each add to it.
  const latest = useRef<DiagnosticsView | undefined>(undefined);
  if (view.state.status === 'ready') latest.current = view.state.value;
  const [running, setRunning] = useState<DiagnosticCheckId | undefined>(undefined);
  const [errors, setErrors] = useState<Partial<Record<DiagnosticCheckId, string>>>({});
  const [progress, setProgress] = useState('');

  const runOne = async (
    check: DiagnosticCheckId,
    extra?: { repository?: string; confirmed?: boolean },
  ): Promise<boolean> => {
    setRunning(check);
    setErrors((current) => ({ ...current, [check]: undefined }));
    try {
      const result = await runCheck(client, check, extra);
      if (latest.current) {
        latest.current = withResult(latest.current, result);
        view.set(latest.current);
      } else {
        view.reload(true);
      }
      return true;
    } catch (error) {
      setErrors((current) => ({ ...current, [check]: describeError(error) }));
      return false;
    } finally {
      setRunning(undefined);
    }
  };

  const runAll = async (checks: readonly DiagnosticCheckInfo[]): Promise<void> => {
    const automatic = checks.filter((check) => !check.needsConfirmation);
    let done = 0;
    for (const check of automatic) {
      setProgress(`Running ${done + 1} of ${automatic.length}: ${check.title}…`);
      await runOne(check.id);
      done += 1;
    }
    view.reload(true);
    setProgress(`Ran ${done} checks.`);
    onChanged();
  };

  return (
    <div>
      <SectionTitle description="What only a live installation can answer, checked from inside it. Each check reads only or cleans up after itself; its result is kept, and shown on Status, until it runs again.">
        Diagnostics
      </SectionTitle>
      <LoadableView state={view.state} what="the Diagnostics" onRetry={() => view.reload()}>
        {(value) => (
          <>
            {value.emulated ? (
              <SectionMessage
                headingLevel="h3"
                appearance="information"
                title="These run against the emulated Atlassian APIs"
              >
                <p>
                  This host has no Atlassian credentials, so the checks meet the emulators and the local Forge runtime:
                  their answers prove the plumbing, not what Forge or Atlassian do. Only an installation on Forge
                  answers the questions.
                </p>
              </SectionMessage>
            ) : null}
            <div style={{ display: 'flex', gap: 8, alignItems: 'center', marginTop: 12, flexWrap: 'wrap' }}>
              <Button
                appearance="primary"
                onClick={() => void runAll(value.checks)}
                isLoading={running !== undefined && progress.startsWith('Running')}
                isDisabled={running !== undefined}
                testId="diagnostics-run-all"
              >
                Run the checks
              </Button>
              <span role="status" aria-live="polite" style={{ fontSize: 12 }} data-testid="diagnostics-progress">
                {progress}
              </span>
            </div>
            {value.checks.map((check) => (
              <CheckCard
                key={check.id}
                check={check}
                result={value.results.find((result) => result.check === check.id)}
                running={running === check.id}
                busy={running !== undefined}
                error={errors[check.id]}
                onDismissError={() => setErrors((current) => ({ ...current, [check.id]: undefined }))}
                onRun={(extra) => runOne(check.id, extra).then((ok) => (ok ? onChanged() : undefined))}
              />
            ))}
          </>
        )}
      </LoadableView>
    </div>
  );
}

interface CheckCardProps {
  readonly check: DiagnosticCheckInfo;
  readonly result: DiagnosticResult | undefined;
  readonly running: boolean;
  readonly busy: boolean;
  readonly error: string | undefined;
  readonly onDismissError: () => void;
  readonly onRun: (extra?: { repository: string; confirmed: true }) => Promise<void>;
}

function CheckCard({ check, result, running, busy, error, onDismissError, onRun }: CheckCardProps): ReactNode {
  const headingId = `diagnostics-${check.id}-heading`;
  return (
    <section aria-labelledby={headingId} style={cardStyle} data-testid={`diagnostics-check-${check.id}`}>
      <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8, alignItems: 'flex-start' }}>
        <SubTitle id={headingId}>{check.title}</SubTitle>
        {check.needsConfirmation ? null : (
          <div style={{ marginTop: 24 }}>
            <Button
              onClick={() => void onRun()}
              isLoading={running}
              isDisabled={busy}
              aria-label={`Run the check: ${check.title}`}
              testId={`diagnostics-run-${check.id}`}
            >
              Run
            </Button>
          </div>
        )}
      </div>
      <p style={{ margin: '4px 0 0' }}>{check.question}</p>
      <ActionError error={error} onDismiss={onDismissError} title="The check could not run" />
      {check.needsConfirmation ? <SlugCheckControls running={running} busy={busy} onRun={onRun} /> : null}
      <div style={{ marginTop: 12 }}>
        {result ? (
          <ResultDetails result={result} />
        ) : (
          <p style={{ margin: 0, color: token('color.text.subtle', '#44546F') }}>
            Not run yet. Assumed: {check.assumed}
          </p>
        )}
      </div>
    </section>
  );
}

interface RepositoryOption {
  readonly label: string;
  readonly value: string;
}

/** The group-slug check's repository choice and its confirmation. */
function SlugCheckControls({
  running,
  busy,
  onRun,
}: {
  readonly running: boolean;
  readonly busy: boolean;
  readonly onRun: CheckCardProps['onRun'];
}): ReactNode {
  const { client } = useAdmin();
  const repositories: Loader<readonly RepositoryChoice[]> = useLoader(() => client.call('diagnostics/repositories'));
  const [repository, setRepository] = useState<string | undefined>(undefined);
  const [confirming, setConfirming] = useState(false);
  return (
    <div style={{ marginTop: 8 }}>
      <LoadableView state={repositories.state} what="the repositories" onRetry={() => repositories.reload()}>
        {(choices) => {
          const options: RepositoryOption[] = choices.map((choice) => ({
            value: choice.slug,
            label: choice.projectKey ? `${choice.slug} (${choice.projectKey})` : choice.slug,
          }));
          return (
            <Field
              id="diagnostics-repository"
              label="Repository for the scratch grant"
              helper="The first 100 repositories of the workspace. A read grant for an empty group changes nothing anybody can do."
            >
              <Select<RepositoryOption, false>
                inputId="diagnostics-repository"
                options={options}
                value={options.find((option) => option.value === repository) ?? null}
                onChange={(option) => {
                  setRepository(option?.value);
                  setConfirming(false);
                }}
                isDisabled={busy}
                placeholder="Choose a repository"
                aria-describedby={describedBy('diagnostics-repository', true, undefined)}
                testId="diagnostics-repository"
              />
            </Field>
          );
        }}
      </LoadableView>
      <div style={{ marginTop: 8 }}>
        {confirming && repository ? (
          <SectionMessage headingLevel="h3" appearance="warning" title="Create a scratch group and a grant?">
            <p>
              The check creates an org group named like the app&apos;s groups, grants it Bitbucket access and read on{' '}
              {repository}, reads the grant back, then revokes the grant and the access and deletes the group. Each step
              is in the audit log.
            </p>
            <div style={{ display: 'flex', gap: 8, marginTop: 8 }}>
              <Button
                appearance="warning"
                onClick={() => void onRun({ repository, confirmed: true }).then(() => setConfirming(false))}
                isLoading={running}
                testId="diagnostics-slug-confirm"
              >
                Create, grant and remove
              </Button>
              <Button appearance="subtle" onClick={() => setConfirming(false)} isDisabled={running}>
                Cancel
              </Button>
            </div>
          </SectionMessage>
        ) : (
          <Button
            onClick={() => setConfirming(true)}
            isDisabled={busy || repository === undefined}
            testId="diagnostics-slug-start"
          >
            Run this check…
          </Button>
        )}
      </div>
    </div>
  );
}
