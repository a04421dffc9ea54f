/** A labelled form field with helper text and an error message, wired with ids so screen readers announce both. */
import { token } from '@atlaskit/tokens';
import type { ReactNode } from 'react';

/** Props of Field. */
export interface FieldProps {
  /** The id of the control the label names. */
  readonly id: string;
  readonly label: string;
  readonly helper?: ReactNode;
  readonly error?: string | undefined;
  readonly children: ReactNode;
  readonly isRequired?: boolean;
}

/** The id of a field's helper text, for the control's aria-describedby. */
export function helperId(id: string): string {
  return `${id}-helper`;
}

/** The id of a field's error message, for the control's aria-describedby. */
export function errorId(id: string): string {
  return `${id}-error`;
}

/** The ids a control should name in aria-describedby. */
export function describedBy(id: string, hasHelper: boolean, error: string | undefined): string | undefined {
  const ids = [hasHelper ? helperId(id) : undefined, error ? errorId(id) : undefined].filter(Boolean);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

/** Shows a label above its control, then helper text or the error. */
export function Field({ id, label, helper, error, children, isRequired }: FieldProps): ReactNode {
  return (
    <div style={{ marginTop: 12 }}>
      <label
        htmlFor={id}
        style={{
          display: 'block',
          fontSize: 12,
          fontWeight: 600,
          color: token('color.text.subtle', '#44546F'),
          marginBottom: 4,
        }}
      >
        {label}
        {isRequired ? (
          <span aria-hidden="true" style={{ color: token('color.text.danger', '#AE2E24') }}>
            {' '}
            *
          </span>
        ) : null}
      </label>
      {children}
      {helper ? (
        <div id={helperId(id)} style={{ fontSize: 12, color: token('color.text.subtle', '#44546F'), marginTop: 4 }}>
          {helper}
        </div>
      ) : null}
      {error ? (
        <div
          id={errorId(id)}
          role="alert"
          style={{ fontSize: 12, color: token('color.text.danger', '#AE2E24'), marginTop: 4 }}
        >
          {error}
        </div>
      ) : null}
    </div>
  );
}
