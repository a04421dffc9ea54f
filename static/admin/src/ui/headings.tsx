/** Section and sub-section headings with the page's spacing (Atlaskit's Heading has no margins of its own). */
import Heading from '@atlaskit/heading';
import { token } from '@atlaskit/tokens';
import type { ReactNode } from 'react';

/** A section's title (h2) with an optional line of explanation under it. */
export function SectionTitle({
  children,
  description,
}: {
  readonly children: ReactNode;
  readonly description?: ReactNode;
}): ReactNode {
  return (
    <div style={{ marginBottom: 8 }}>
      <Heading size="large" as="h2">
        {children}
      </Heading>
      {description ? <p style={{ marginTop: 4, color: token('color.text.subtle', '#44546F') }}>{description}</p> : null}
    </div>
  );
}

/** A sub-section's title (h3); `id` lets the sub-section name itself with aria-labelledby. */
export function SubTitle({ id, children }: { readonly id?: string; readonly children: ReactNode }): ReactNode {
  return (
    <div style={{ marginTop: 24, marginBottom: 4 }}>
      <Heading size="medium" as="h3" {...(id ? { id } : {})}>
        {children}
      </Heading>
    </div>
  );
}

/** A table caption in body text size (DynamicTable renders captions as large as a heading). */
export function TableCaption({ children }: { readonly children: ReactNode }): ReactNode {
  return (
    <span style={{ fontSize: 14, fontWeight: 600, color: token('color.text.subtle', '#44546F') }}>{children}</span>
  );
}
