/**
 * The stored Diagnostics results on the Status section: one line per check that has run, with its verdict, what
 * the app does about it and when it ran, until the check runs again (on the Diagnostics section).
 */
import type { ReactNode } from 'react';
import { useAdmin } from '../admin-context';
import { SubTitle } from '../ui/headings';
import { EmptyState, LoadableView } from '../ui/loadable-view';
import { useLoader } from '../ui/use-loader';
import { RanAt, VerdictLozenge } from './diagnostics-result';

/** The Status section's summary of the stored Diagnostics results. */
export function DiagnosticsSummary(): ReactNode {
  const { client } = useAdmin();
  const view = useLoader(() => client.call('diagnostics/get'));
  return (
    <section aria-labelledby="status-diagnostics-heading" style={{ marginTop: 24 }} data-testid="status-diagnostics">
      <SubTitle id="status-diagnostics-heading">Diagnostics</SubTitle>
      <LoadableView state={view.state} what="the Diagnostics results" onRetry={() => view.reload()}>
        {({ checks, results }) =>
          results.length === 0 ? (
            <EmptyState title="No Diagnostics have run yet">
              Run them under Diagnostics to learn what this installation answers.
            </EmptyState>
          ) : (
            <ul style={{ listStyle: 'none', margin: 0, padding: 0, display: 'grid', gap: 8 }}>
              {results.map((result) => (
                <li key={result.check} data-testid={`status-diagnostic-${result.check}`} data-verdict={result.verdict}>
                  <div style={{ display: 'flex', gap: 8, alignItems: 'center', flexWrap: 'wrap' }}>
                    <span style={{ fontWeight: 600 }}>
                      {checks.find((check) => check.id === result.check)?.title ?? result.check}
                    </span>
                    <VerdictLozenge result={result} />
                    <RanAt result={result} />
                  </div>
                  <div style={{ fontSize: 14 }}>
                    {result.verdict === 'as-assumed' ? result.observed : `${result.observed} ${result.reaction}`}
                  </div>
                </li>
              ))}
            </ul>
          )
        }
      </LoadableView>
    </section>
  );
}
