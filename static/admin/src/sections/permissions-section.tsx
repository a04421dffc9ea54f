/**
 * Group permissions: rules that map an IdP group to Bitbucket projects and repository patterns with a level, and
 * a preview of the grants they lead to with the diff against what Bitbucket has now (add, change, remove, same).
 */
import Button from '@atlaskit/button/new';
import DynamicTable from '@atlaskit/dynamic-table';
import Lozenge from '@atlaskit/lozenge';
import SectionMessage from '@atlaskit/section-message';
import Textfield from '@atlaskit/textfield';
import { token } from '@atlaskit/tokens';
import { useState, type ReactNode } from 'react';
import type { GrantPreview, RulesPreview, RuleTargetsView } from '../../../../src/shared/admin-api';
import type { PermissionRule, RuleLevel, SettingsError, SyncSettings } from '../../../../src/shared/settings-types';
import { useAdmin } from '../admin-context';
import { GroupMappingTable } from './group-mapping-table';
import { humanRulePaths, levelAllowed, listItems, withItem } from '../rules/rule-editing';
import { SectionTitle, SubTitle, TableCaption } from '../ui/headings';
import type { SectionProps } from '../app';
import { ActionError, EmptyState, LoadableView, LoadingState } from '../ui/loadable-view';
import { useAction, useLoader } from '../ui/use-loader';
import { VisuallyHidden } from '../ui/visually-hidden';

/** Every level a rule can grant, lowest first. */
const LEVELS = ['read', 'write', 'create-repo', 'admin'] as const satisfies readonly RuleLevel[];
/** Fails to compile when the contract gains a level this list lacks. */
const _everyLevelListed: [Exclude<RuleLevel, (typeof LEVELS)[number]>] extends [never] ? true : false = true;

/** A rule as the editor holds it: lists as the admin types them. */
interface RuleDraft {
  readonly id: string;
  readonly group: string;
  readonly projects: string;
  readonly repositories: string;
  readonly level: RuleLevel;
}

function draftOf(rule: PermissionRule): RuleDraft {
  return {
    id: rule.id,
    group: rule.group,
    projects: rule.projects.join(', '),
    repositories: rule.repositories.join(', '),
    level: rule.level,
  };
}

function ruleOf(draft: RuleDraft): PermissionRule {
  return {
    id: draft.id,
    group: draft.group.trim(),
    projects: listItems(draft.projects),
    repositories: listItems(draft.repositories),
    level: draft.level,
  };
}

function nextId(rules: readonly RuleDraft[]): string {
  let n = rules.length + 1;
  const taken = new Set(rules.map((rule) => rule.id));
  while (taken.has(`rule-${n}`)) n += 1;
  return `rule-${n}`;
}

const CHANGE_APPEARANCE = {
  add: 'success',
  change: 'moved',
  remove: 'removed',
  same: 'default',
  blocked: 'removed',
} as const satisfies Record<GrantPreview['change'], string>;

const cellStyle = { padding: '4px 8px 4px 0', verticalAlign: 'top' } as const;

const selectStyle = {
  height: 36,
  minWidth: 120,
  borderRadius: 3,
  border: `2px solid ${token('color.border.input', '#8590A2')}`,
  background: token('color.background.input', '#FFFFFF'),
  color: 'inherit',
  padding: '0 6px',
} as const;

/** A native picker under a rule's field: choosing an option calls `onPick` and the picker returns to its prompt. */
function Picker({
  id,
  label,
  prompt,
  options,
  onPick,
}: {
  readonly id: string;
  readonly label: string;
  readonly prompt: string;
  readonly options: readonly { readonly value: string; readonly label: string }[];
  readonly onPick: (value: string) => void;
}): ReactNode {
  if (options.length === 0) return null;
  return (
    <select
      id={id}
      aria-label={label}
      data-testid={id}
      value=""
      onChange={(event) => event.currentTarget.value && onPick(event.currentTarget.value)}
      style={{ ...selectStyle, height: 28, marginTop: 4, width: '100%', fontSize: 12 }}
    >
      <option value="">{prompt}</option>
      {options.map((option) => (
        <option key={option.value} value={option.value}>
          {option.label}
        </option>
      ))}
    </select>
  );
}

/** The Group permissions section. */
export function PermissionsSection({ onChanged }: SectionProps): ReactNode {
  const { client } = useAdmin();
  const settings = useLoader(() => client.call('settings/get'));
  return (
    <div>
      <SectionTitle>Group permissions</SectionTitle>
      <p style={{ color: token('color.text.subtle', '#44546F') }}>
        Each rule gives the members of an identity provider group a permission on Bitbucket projects (by key) or
        repositories (by slug pattern with <code>*</code> and <code>?</code>). When several rules apply, the highest
        level wins; the app only ever revokes grants it made itself.
      </p>
      <LoadableView state={settings.state} what="the permission rules" onRetry={() => settings.reload()}>
        {(value) => (
          <RulesEditor
            settings={value}
            onSaved={(next) => {
              settings.set(next);
              onChanged();
            }}
          />
        )}
      </LoadableView>
      <GroupMappingTable />
    </div>
  );
}

function RulesEditor({
  settings,
  onSaved,
}: {
  readonly settings: SyncSettings;
  readonly onSaved: (next: SyncSettings) => void;
}): ReactNode {
  const { client } = useAdmin();
  const [rules, setRules] = useState<readonly RuleDraft[]>(() => settings.rules.map(draftOf));
  const [errors, setErrors] = useState<readonly SettingsError[]>([]);
  const [preview, setPreview] = useState<RulesPreview | undefined>(undefined);
  const [saved, setSaved] = useState(false);
  const targets = useLoader(() => client.call('rules/targets'));
  const picks: RuleTargetsView | undefined = targets.state.status === 'ready' ? targets.state.value : undefined;
  const runPreview = useAction(async () =>
    setPreview(await client.call('rules/preview', { rules: rules.map(ruleOf) })),
  );
  const save = useAction(async () => {
    const result = await client.call('settings/save', { settings: { ...settings, rules: rules.map(ruleOf) } });
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    setErrors([]);
    setRules(result.value.rules.map(draftOf));
    setSaved(true);
    onSaved(result.value);
    // A preview on screen shows the saved rules from now on, not the drafts it was made from.
    if (preview) setPreview(await client.call('rules/preview', {}));
  });
  const change = (index: number, patch: Partial<RuleDraft>): void => {
    setRules((current) => current.map((rule, i) => (i === index ? { ...rule, ...patch } : rule)));
    setSaved(false);
  };
  const errorOf = (index: number, field: string): string | undefined => {
    const prefix = `rules[${index}]`;
    return errors
      .filter((error) => error.path === `${prefix}.${field}` || error.path.startsWith(`${prefix}.${field}[`))
      .map((error) => humanRulePaths(error.message))[0];
  };
  const dirty = JSON.stringify(settings.rules.map(draftOf)) !== JSON.stringify(rules);

  return (
    <div>
      {rules.length === 0 ? (
        <EmptyState title="No rules yet">Add a rule to grant a group access to projects or repositories.</EmptyState>
      ) : (
        <table style={{ width: '100%', borderCollapse: 'collapse', marginTop: 8 }} data-testid="permissions-rules">
          <caption style={{ textAlign: 'left', fontWeight: 600, paddingBottom: 4 }}>Rules</caption>
          <thead>
            <tr style={{ textAlign: 'left', borderBottom: `2px solid ${token('color.border', '#091E4224')}` }}>
              <th scope="col" style={cellStyle}>
                Group
              </th>
              <th scope="col" style={cellStyle}>
                Project keys
              </th>
              <th scope="col" style={cellStyle}>
                Repository patterns
              </th>
              <th scope="col" style={cellStyle}>
                Level
              </th>
              <th scope="col" style={cellStyle}>
                <VisuallyHidden>Actions</VisuallyHidden>
              </th>
            </tr>
          </thead>
          <tbody>
            {rules.map((rule, index) => (
              <tr key={rule.id} style={{ borderBottom: `1px solid ${token('color.border', '#091E4224')}` }}>
                <td style={cellStyle}>
                  <RuleInput
                    index={index}
                    field="group"
                    label="Group"
                    value={rule.group}
                    error={errorOf(index, 'group')}
                    onChange={(group) => change(index, { group })}
                    placeholder="e.g. Engineering"
                  />
                  <Picker
                    id={`rule-${index}-group-picker`}
                    label={`Pick the IdP group of rule ${index + 1}`}
                    prompt="Pick a pushed group…"
                    options={(picks?.groups ?? []).map((group) => ({ value: group, label: group }))}
                    onPick={(group) => change(index, { group })}
                  />
                </td>
                <td style={cellStyle}>
                  <RuleInput
                    index={index}
                    field="projects"
                    label="Project keys"
                    value={rule.projects}
                    error={errorOf(index, 'projects')}
                    onChange={(projects) => change(index, { projects })}
                    placeholder="e.g. CORE, WEB"
                  />
                  <Picker
                    id={`rule-${index}-project-picker`}
                    label={`Add a project to rule ${index + 1}`}
                    prompt="Add a project…"
                    options={(picks?.projects ?? []).map((project) => ({
                      value: project.key,
                      label: `${project.key} (${project.name})`,
                    }))}
                    onPick={(key) => change(index, { projects: withItem(rule.projects, key) })}
                  />
                </td>
                <td style={cellStyle}>
                  <RuleInput
                    index={index}
                    field="repositories"
                    label="Repository patterns"
                    value={rule.repositories}
                    error={errorOf(index, 'repositories')}
                    onChange={(repositories) => change(index, { repositories })}
                    placeholder="e.g. api-*"
                  />
                  <Picker
                    id={`rule-${index}-repository-picker`}
                    label={`Add a repository to rule ${index + 1}`}
                    prompt="Add a repository…"
                    options={(picks?.repositories ?? []).map((repository) => ({
                      value: repository.slug,
                      label: repository.projectKey ? `${repository.slug} (${repository.projectKey})` : repository.slug,
                    }))}
                    onPick={(slug) => change(index, { repositories: withItem(rule.repositories, slug) })}
                  />
                </td>
                <td style={cellStyle}>
                  <select
                    id={`rule-${index}-level`}
                    aria-label={`Level of rule ${index + 1}`}
                    value={rule.level}
                    onChange={(event) => change(index, { level: event.currentTarget.value as RuleLevel })}
                    style={selectStyle}
                  >
                    {LEVELS.map((level) => (
                      <option
                        key={level}
                        value={level}
                        disabled={!levelAllowed(level, rule.repositories) && level !== rule.level}
                      >
                        {levelAllowed(level, rule.repositories) ? level : `${level} (projects only)`}
                      </option>
                    ))}
                  </select>
                  {errorOf(index, 'level') ? (
                    <div style={{ color: token('color.text.danger', '#AE2E24'), fontSize: 12 }}>
                      {errorOf(index, 'level')}
                    </div>
                  ) : null}
                </td>
                <td style={cellStyle}>
                  <Button
                    appearance="subtle"
                    onClick={() => setRules((current) => current.filter((_, i) => i !== index))}
                    aria-label={`Remove rule ${index + 1}`}
                  >
                    Remove
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {errors.filter((error) => !/^rules\[\d+\]\.(group|projects|repositories|level)/.test(error.path)).length > 0 ? (
        <div style={{ marginTop: 12 }}>
          <SectionMessage headingLevel="h3" appearance="error" title="The rules were not saved">
            <ul>
              {errors
                .filter((error) => !/^rules\[\d+\]\.(group|projects|repositories|level)/.test(error.path))
                .map((error) => (
                  <li key={`${error.path}:${error.message}`}>
                    {error.path ? <code>{humanRulePaths(error.path)}</code> : null} {humanRulePaths(error.message)}
                  </li>
                ))}
            </ul>
          </SectionMessage>
        </div>
      ) : null}
      {picks?.detail ? (
        <p style={{ fontSize: 12, color: token('color.text.subtle', '#44546F') }}>{picks.detail}</p>
      ) : null}
      <ActionError
        error={
          (save.error ?? runPreview.error) === undefined
            ? undefined
            : humanRulePaths(save.error ?? runPreview.error ?? '')
        }
        onDismiss={() => [save, runPreview].forEach((action) => action.clearError())}
      />
      <div style={{ display: 'flex', gap: 8, marginTop: 12, alignItems: 'center', flexWrap: 'wrap' }}>
        <Button
          onClick={() =>
            setRules((current) => [
              ...current,
              { id: nextId(current), group: '', projects: '', repositories: '', level: 'read' },
            ])
          }
          testId="permissions-add-rule"
        >
          Add rule
        </Button>
        <Button onClick={() => void runPreview.run()} isLoading={runPreview.pending} testId="permissions-preview">
          Preview grants
        </Button>
        <Button
          appearance="primary"
          onClick={() => void save.run()}
          isLoading={save.pending}
          isDisabled={!dirty}
          testId="permissions-save"
        >
          Save rules
        </Button>
        <span role="status" aria-live="polite">
          {saved ? 'Saved.' : ''}
        </span>
      </div>
      <section aria-labelledby="permissions-preview-heading" style={{ marginTop: 24 }}>
        <SubTitle id="permissions-preview-heading">Preview</SubTitle>
        {runPreview.pending ? (
          <LoadingState what="the preview" />
        ) : preview ? (
          <PreviewView preview={preview} />
        ) : (
          <EmptyState title="No preview yet">
            Preview the rules above (saved or not) to see the grants they lead to.
          </EmptyState>
        )}
      </section>
    </div>
  );
}

function RuleInput({
  index,
  field,
  label,
  value,
  error,
  onChange,
  placeholder,
}: {
  readonly index: number;
  readonly field: string;
  readonly label: string;
  readonly value: string;
  readonly error: string | undefined;
  readonly onChange: (value: string) => void;
  readonly placeholder: string;
}): ReactNode {
  const id = `rule-${index}-${field}`;
  return (
    <>
      <Textfield
        id={id}
        aria-label={`${label} of rule ${index + 1}`}
        value={value}
        onChange={(event) => onChange(event.currentTarget.value)}
        isInvalid={Boolean(error)}
        placeholder={placeholder}
        aria-describedby={error ? `${id}-error` : undefined}
        testId={id}
      />
      {error ? (
        <div id={`${id}-error`} style={{ color: token('color.text.danger', '#AE2E24'), fontSize: 12 }}>
          {error}
        </div>
      ) : null}
    </>
  );
}

function PreviewView({ preview }: { readonly preview: RulesPreview }): ReactNode {
  const counts: Record<GrantPreview['change'], number> = { add: 0, change: 0, remove: 0, same: 0, blocked: 0 };
  for (const grant of preview.grants) counts[grant.change] += 1;
  return (
    <div data-testid="permissions-preview-result">
      {!preview.comparedWithBitbucket ? (
        <SectionMessage headingLevel="h3" appearance="information" title="Not compared with Bitbucket">
          <p>{preview.detail ?? 'The current grants could not be read, so every grant shows as an addition.'}</p>
        </SectionMessage>
      ) : null}
      {preview.unknownGroups.length > 0 ? (
        <div style={{ marginTop: 8 }}>
          <SectionMessage headingLevel="h3" appearance="warning" title="Groups the identity provider has not pushed">
            <p>
              These rules grant nothing until the identity provider pushes the group: {preview.unknownGroups.join(', ')}
              .
            </p>
          </SectionMessage>
        </div>
      ) : null}
      {(preview.ruleProblems ?? []).length > 0 ? (
        <div style={{ marginTop: 8 }} data-testid="permissions-rule-problems">
          <SectionMessage headingLevel="h3" appearance="warning" title="Rules that grant nothing where they point">
            <ul>
              {(preview.ruleProblems ?? []).map((problem) => (
                <li key={problem.ruleId}>
                  {`Rule ${problem.position} (${problem.ruleId}): ${problem.problems.join('; ')}.`}
                </li>
              ))}
            </ul>
          </SectionMessage>
        </div>
      ) : null}
      <p style={{ display: 'flex', gap: 8, flexWrap: 'wrap', marginTop: 12 }} aria-label="Summary of changes">
        <Lozenge appearance="success">{`${counts.add} to add`}</Lozenge>
        <Lozenge appearance="moved">{`${counts.change} to change`}</Lozenge>
        <Lozenge appearance="removed">{`${counts.remove} to remove`}</Lozenge>
        <Lozenge appearance="default">{`${counts.same} unchanged`}</Lozenge>
        {counts.blocked > 0 ? <Lozenge appearance="removed">{`${counts.blocked} blocked`}</Lozenge> : null}
      </p>
      {counts.blocked > 0 ? (
        <SectionMessage headingLevel="h3" appearance="warning" title="Some grants are blocked">
          <p>
            Bitbucket already has a grant the app did not make for these groups; the app never changes those. Remove
            them in Bitbucket if the rules should apply.
          </p>
        </SectionMessage>
      ) : null}
      <DynamicTable
        caption={<TableCaption>Grants the rules lead to</TableCaption>}
        head={{
          cells: [
            { key: 'target', content: 'Project or repository' },
            { key: 'group', content: 'Group' },
            { key: 'current', content: 'Now' },
            { key: 'desired', content: 'After sync' },
            { key: 'change', content: 'Change' },
            { key: 'rules', content: 'Rules' },
          ],
        }}
        rows={preview.grants.map((grant: GrantPreview) => ({
          key: `${grant.target.type}:${grant.target.id}:${grant.groupSlug}`,
          cells: [
            {
              key: 'target',
              content: `${grant.target.type === 'project' ? 'Project' : 'Repository'} ${grant.target.id}`,
            },
            { key: 'group', content: <span title={`Bitbucket group slug: ${grant.groupSlug}`}>{grant.group}</span> },
            { key: 'current', content: grant.current ?? '—' },
            { key: 'desired', content: grant.desired ?? 'none' },
            { key: 'change', content: <Lozenge appearance={CHANGE_APPEARANCE[grant.change]}>{grant.change}</Lozenge> },
            { key: 'rules', content: grant.ruleIds.join(', ') || '—' },
          ],
        }))}
        rowsPerPage={20}
        emptyView={
          <EmptyState title="The rules grant nothing">
            No pushed group matches a rule, or the projects and repositories do not exist.
          </EmptyState>
        }
      />
    </div>
  );
}
