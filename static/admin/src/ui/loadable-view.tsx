/** Shows a Loadable: a spinner while loading, the error with a retry button, or the content. */
import Button from '@atlaskit/button/new';
import SectionMessage, { SectionMessageAction } from '@atlaskit/section-message';
import Spinner from '@atlaskit/spinner';
import type { ReactNode } from 'react';
import type { Loadable } from './use-loader';

/** Props of LoadableView. */
export interface LoadableViewProps<T> {
  readonly state: Loadable<T>;
  /** What is loading, for the spinner's label and the error title ("tokens"). */
  readonly what: string;
  readonly onRetry: () => void;
  readonly children: (value: T) => ReactNode;
}

/** Renders the three states of a loaded value. */
export function LoadableView<T>({ state, what, onRetry, children }: LoadableViewProps<T>): ReactNode {
  if (state.status === 'loading') return <LoadingState what={what} />;
  if (state.status === 'error') {
    return (
      <SectionMessage headingLevel="h3" appearance="error" title={`Could not load ${what}`}>
        <p>{state.message}</p>
        <Button onClick={onRetry}>Try again</Button>
      </SectionMessage>
    );
  }
  return <>{children(state.value)}</>;
}

/** A spinner with a text label. */
export function LoadingState({ what }: { readonly what: string }): ReactNode {
  return (
    <div role="status" style={{ display: 'flex', alignItems: 'center', gap: 8, padding: '16px 0' }}>
      <Spinner size="medium" label={`Loading ${what}`} />
      <span>Loading {what}…</span>
    </div>
  );
}

/** An empty state: what is missing and what to do about it. */
export function EmptyState({ title, children }: { readonly title: string; readonly children?: ReactNode }): ReactNode {
  return (
    <div style={{ padding: '16px 0', textAlign: 'center' }}>
      <p style={{ fontWeight: 600, margin: 0 }}>{title}</p>
      {children ? <div style={{ marginTop: 4 }}>{children}</div> : null}
    </div>
  );
}

/** A failed action's message, with a way to dismiss it. */
export function ActionError({
  error,
  onDismiss,
  title = 'That did not work',
}: {
  readonly error: string | undefined;
  readonly onDismiss?: () => void;
  readonly title?: string;
}): ReactNode {
  if (!error) return null;
  return (
    <div style={{ margin: '12px 0' }}>
      <SectionMessage
        headingLevel="h3"
        appearance="error"
        title={title}
        {...(onDismiss
          ? {
              actions: [
                <SectionMessageAction key="dismiss" onClick={onDismiss}>
                  Dismiss
                </SectionMessageAction>,
              ],
            }
          : {})}
      >
        <p>{error}</p>
      </SectionMessage>
    </div>
  );
}
