/**
 * Settings import and export: download the settings document (docs/settings.md), and import one from a file or
 * pasted text; the server validates it and the page lists every problem with its path (e.g. `rules[2].level`).
 */
import Button from '@atlaskit/button/new';
import DynamicTable from '@atlaskit/dynamic-table';
import SectionMessage from '@atlaskit/section-message';
import TextArea from '@atlaskit/textarea';
import { token } from '@atlaskit/tokens';
import { useState, type ReactNode } from 'react';
import type { SettingsError } from '../../../../src/shared/settings-types';
import { useAdmin } from '../admin-context';
import { SectionTitle, SubTitle, TableCaption } from '../ui/headings';
import type { SectionProps } from '../app';
import { downloadText } from '../ui/download';
import { Field } from '../ui/field';
import { ActionError } from '../ui/loadable-view';
import { useAction } from '../ui/use-loader';

/** Largest file the page reads; the server accepts at most 200 KiB of settings. */
const MAX_FILE_BYTES = 1024 * 1024;

/** The Import and export section. */
export function SettingsTransferSection({ onChanged }: SectionProps): ReactNode {
  const { client } = useAdmin();
  const [pasted, setPasted] = useState('');
  const [errors, setErrors] = useState<readonly SettingsError[] | undefined>(undefined);
  const [imported, setImported] = useState(false);
  const [fileError, setFileError] = useState<string | undefined>(undefined);
  const [exportedName, setExportedName] = useState<string | undefined>(undefined);
  const exportSettings = useAction(async () => {
    const result = await client.call('settings/export');
    downloadText(result.fileName, result.document, 'application/json');
    setExportedName(result.fileName);
  });
  const importSettings = useAction(async () => {
    setImported(false);
    const result = await client.call('settings/import', { document: pasted });
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    setErrors(undefined);
    setImported(true);
    onChanged();
  });
  const readFile = (file: File | undefined): void => {
    setFileError(undefined);
    if (!file) return;
    if (file.size > MAX_FILE_BYTES) {
      setFileError(`${file.name} is ${Math.round(file.size / 1024)} KiB; a settings document is at most 200 KiB.`);
      return;
    }
    file.text().then(
      (text) => {
        setPasted(text);
        setErrors(undefined);
        setImported(false);
      },
      (error: unknown) =>
        setFileError(`Could not read ${file.name}: ${error instanceof Error ? error.message : String(error)}`),
    );
  };

  return (
    <div>
      <SectionTitle>Import and export</SectionTitle>
      <section aria-labelledby="settings-export-heading">
        <SubTitle id="settings-export-heading">Export</SubTitle>
        <p style={{ color: token('color.text.subtle', '#44546F') }}>
          Downloads the provisioning settings and permission rules as JSON. Credentials and tokens are never part of it.
        </p>
        <div style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
          <Button onClick={() => void exportSettings.run()} isLoading={exportSettings.pending} testId="settings-export">
            Download settings
          </Button>
          <span role="status" aria-live="polite">
            {exportedName ? `Downloaded ${exportedName}.` : ''}
          </span>
        </div>
        <ActionError error={exportSettings.error} onDismiss={exportSettings.clearError} title="The export failed" />
      </section>
      <section aria-labelledby="settings-import-heading" style={{ marginTop: 24 }}>
        <SubTitle id="settings-import-heading">Import</SubTitle>
        <p style={{ color: token('color.text.subtle', '#44546F') }}>
          Replaces the settings with a document like the export. Fields it leaves out take their defaults; nothing is
          changed unless the whole document is valid.
        </p>
        <Field id="settings-file" label="Settings file" error={fileError}>
          <input
            id="settings-file"
            type="file"
            accept="application/json,.json"
            onChange={(event) => readFile(event.currentTarget.files?.[0])}
            data-testid="settings-file"
          />
        </Field>
        <Field id="settings-document" label="Or paste the JSON document">
          <TextArea
            id="settings-document"
            value={pasted}
            onChange={(event) => {
              setPasted(event.currentTarget.value);
              setImported(false);
            }}
            minimumRows={10}
            isMonospaced
            testId="settings-document"
          />
        </Field>
        <div style={{ display: 'flex', gap: 8, marginTop: 12, alignItems: 'center' }}>
          <Button
            appearance="primary"
            onClick={() => void importSettings.run()}
            isLoading={importSettings.pending}
            isDisabled={pasted.trim() === ''}
            testId="settings-import"
          >
            Validate and import
          </Button>
          <span role="status" aria-live="polite">
            {imported ? 'Imported: the new settings apply from the next sync.' : ''}
          </span>
        </div>
        <ActionError error={importSettings.error} onDismiss={importSettings.clearError} title="The import failed" />
        {errors ? (
          <div style={{ marginTop: 12 }} data-testid="settings-import-errors">
            <SectionMessage
              headingLevel="h3"
              appearance="error"
              title={`Not imported: ${errors.length} problem${errors.length === 1 ? '' : 's'} found`}
            >
              <DynamicTable
                caption={<TableCaption>Problems by path</TableCaption>}
                head={{
                  cells: [
                    { key: 'path', content: 'Path' },
                    { key: 'message', content: 'Problem' },
                  ],
                }}
                rows={errors.map((error, index) => ({
                  key: `${index}`,
                  cells: [
                    { key: 'path', content: <code>{error.path || '(document)'}</code> },
                    { key: 'message', content: error.message },
                  ],
                }))}
              />
            </SectionMessage>
          </div>
        ) : null}
      </section>
    </div>
  );
}
