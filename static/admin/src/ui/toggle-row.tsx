/** A toggle with its label and a line of help beside it, the toggle kept at its size however long the text. */
import Toggle from '@atlaskit/toggle';
import { token } from '@atlaskit/tokens';
import type { ReactNode } from 'react';

/** Props of ToggleRow. */
export interface ToggleRowProps {
  readonly id: string;
  readonly label: string;
  readonly helper: ReactNode;
  readonly isChecked: boolean;
  readonly onChange: () => void;
}

/** One labelled toggle. */
export function ToggleRow({ id, label, helper, isChecked, onChange }: ToggleRowProps): ReactNode {
  return (
    <div style={{ display: 'flex', gap: 8, alignItems: 'flex-start' }}>
      <div style={{ flexShrink: 0 }}>
        <Toggle id={id} isChecked={isChecked} onChange={onChange} descriptionId={`${id}-helper`} />
      </div>
      <div>
        <label htmlFor={id} style={{ fontWeight: 600 }}>
          {label}
        </label>
        <div id={`${id}-helper`} style={{ fontSize: 12, color: token('color.text.subtle', '#44546F') }}>
          {helper}
        </div>
      </div>
    </div>
  );
}
