/** Text for screen readers only (for example the name of a table's actions column). */
import type { ReactNode } from 'react';

const hidden = {
  position: 'absolute',
  width: 1,
  height: 1,
  padding: 0,
  margin: -1,
  overflow: 'hidden',
  clip: 'rect(0 0 0 0)',
  whiteSpace: 'nowrap',
  border: 0,
} as const;

/** Renders its children off screen, still read by assistive technology. */
export function VisuallyHidden({ children }: { readonly children: ReactNode }): ReactNode {
  return <span style={hidden}>{children}</span>;
}
