/**
 * One Diagnostics result as the page shows it, on the Diagnostics section and (compact) on Status: the verdict,
 * what was assumed, what this installation answered, what the app does about it, when it ran, and its steps.
 */
import Lozenge from '@atlaskit/lozenge';
import { token } from '@atlaskit/tokens';
import type { ReactNode } from 'react';
import type { DiagnosticResult } from '../../../../src/shared/diagnostics-api';
import { formatAgo, formatTime } from '../ui/format';
import { VisuallyHidden } from '../ui/visually-hidden';

/** The lozenge of a verdict: green as assumed, yellow adapted, red refusing, grey inconclusive. */
export function VerdictLozenge({ result }: { readonly result: DiagnosticResult }): ReactNode {
  if (result.verdict === 'as-assumed') return <Lozenge appearance="success">As assumed</Lozenge>;
  if (result.verdict === 'inconclusive') return <Lozenge appearance="default">Inconclusive</Lozenge>;
  return result.impact === 'adapted' ? (
    <Lozenge appearance="moved">Differs: adapted</Lozenge>
  ) : (
    <Lozenge appearance="removed">Differs: refusing</Lozenge>
  );
}

const termStyle = {
  fontSize: 12,
  fontWeight: 600,
  color: token('color.text.subtle', '#44546F'),
  marginTop: 8,
} as const;
const definitionStyle = { margin: '2px 0 0' } as const;

/** When a result was taken, and how long the check ran. */
export function RanAt({ result }: { readonly result: DiagnosticResult }): ReactNode {
  return (
    <span style={{ fontSize: 12, color: token('color.text.subtle', '#44546F') }}>
      Ran{' '}
      <time dateTime={result.at} title={formatTime(result.at)}>
        {formatAgo(result.at)}
      </time>
      , took {result.durationMs} ms
      {result.emulated ? ', against the emulated APIs (plumbing only)' : ''}
    </span>
  );
}

/** The full result: assumption, observation, reaction and steps. */
export function ResultDetails({ result }: { readonly result: DiagnosticResult }): ReactNode {
  return (
    <div data-testid={`diagnostics-result-${result.check}`} data-verdict={result.verdict}>
      <div style={{ display: 'flex', gap: 8, alignItems: 'center', flexWrap: 'wrap' }}>
        <VerdictLozenge result={result} />
        <RanAt result={result} />
      </div>
      <dl style={{ margin: 0 }}>
        <dt style={termStyle}>Assumed</dt>
        <dd style={definitionStyle}>{result.assumed}</dd>
        <dt style={termStyle}>Observed</dt>
        <dd style={definitionStyle} data-testid={`diagnostics-observed-${result.check}`}>
          {result.observed}
        </dd>
        <dt style={termStyle}>What the app does</dt>
        <dd style={definitionStyle} data-testid={`diagnostics-reaction-${result.check}`}>
          {result.reaction}
        </dd>
      </dl>
      {result.steps.length > 0 ? (
        <details style={{ marginTop: 8 }}>
          <summary style={{ cursor: 'pointer', fontSize: 12 }}>Steps ({result.steps.length})</summary>
          <ol style={{ margin: '4px 0 0', paddingLeft: 20, fontSize: 12 }}>
            {result.steps.map((step, index) => (
              <li key={`${index}-${step.name}`}>
                <span style={{ fontWeight: 600 }}>{step.name}</span>{' '}
                <span aria-hidden="true">{step.ok ? '✓' : '✗'}</span>
                <VisuallyHidden>{step.ok ? 'succeeded:' : 'did not succeed:'}</VisuallyHidden> {step.detail}
              </li>
            ))}
          </ol>
        </details>
      ) : null}
    </div>
  );
}
