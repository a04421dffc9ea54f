/** A button that copies a value and says so in a live region. */
import Button from '@atlaskit/button/new';
import { useEffect, useState, type ReactNode } from 'react';

/** Props of CopyButton. */
export interface CopyButtonProps {
  readonly value: string;
  /** What is copied, for the button's accessible name ("Copy SCIM base URL"). */
  readonly what: string;
  readonly testId?: string;
}

async function copyText(value: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(value);
    return true;
  } catch {
    // Without clipboard permission (some iframes, some browsers) fall back to a selected, off-screen textarea.
    const area = document.createElement('textarea');
    area.value = value;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.left = '-9999px';
    document.body.append(area);
    area.select();
    const copied = document.execCommand('copy');
    area.remove();
    return copied;
  }
}

/** Copies `value` to the clipboard. */
export function CopyButton({ value, what, testId }: CopyButtonProps): ReactNode {
  const [result, setResult] = useState<'copied' | 'failed' | undefined>(undefined);
  useEffect(() => {
    if (result === undefined) return undefined;
    const timer = setTimeout(() => setResult(undefined), 3000);
    return () => clearTimeout(timer);
  }, [result]);
  return (
    <span style={{ display: 'inline-flex', alignItems: 'center', gap: 8 }}>
      <Button
        onClick={() => void copyText(value).then((ok) => setResult(ok ? 'copied' : 'failed'))}
        aria-label={`Copy ${what}`}
        {...(testId ? { testId } : {})}
      >
        Copy
      </Button>
      <span role="status" aria-live="polite" style={{ fontSize: 12 }}>
        {result === 'copied' ? 'Copied' : result === 'failed' ? 'Copy failed: select the text and copy it' : ''}
      </span>
    </span>
  );
}
