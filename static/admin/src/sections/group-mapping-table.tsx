/**
 * Which IdP group is which org group: the identity provider's group name beside the org group the app created for
 * it and the Bitbucket group slug that permissions and Bitbucket's permission pages show, with its sync state.
 */
import Button from '@atlaskit/button/new';
import DynamicTable from '@atlaskit/dynamic-table';
import Lozenge from '@atlaskit/lozenge';
import { useState, type ReactNode } from 'react';
import type { GroupMappingView } from '../../../../src/shared/admin-api';
import { useAdmin } from '../admin-context';
import { SubTitle, TableCaption } from '../ui/headings';
import { EmptyState, LoadableView } from '../ui/loadable-view';
import { useLoader } from '../ui/use-loader';

const PAGE = 50;
const STATE_APPEARANCE = { failed: 'removed', pending: 'inprogress', skipped: 'moved', synced: 'success' } as const;

/** The IdP group -> org group table, paged 50 at a time. */
export function GroupMappingTable(): ReactNode {
  const { client } = useAdmin();
  const [offset, setOffset] = useState(0);
  const page = useLoader(() => client.call('groups/list', { offset, count: PAGE }), String(offset));
  return (
    <section aria-labelledby="group-mapping-heading" data-testid="group-mapping">
      <SubTitle id="group-mapping-heading">IdP groups and their org groups</SubTitle>
      <LoadableView state={page.state} what="the groups" onRetry={() => page.reload()}>
        {(view) => (
          <>
            <DynamicTable
              caption={
                <TableCaption>{`${view.total} group${view.total === 1 ? '' : 's'} pushed by the identity provider`}</TableCaption>
              }
              head={{
                cells: [
                  { key: 'idp', content: 'IdP group' },
                  { key: 'org', content: 'Org group' },
                  { key: 'slug', content: 'Bitbucket group slug' },
                  { key: 'state', content: 'State' },
                ],
              }}
              rows={view.groups.map((group: GroupMappingView) => ({
                key: group.id,
                cells: [
                  { key: 'idp', content: group.displayName },
                  {
                    key: 'org',
                    content: group.orgGroupName ? (
                      <code data-testid="group-mapping-org">{group.orgGroupName}</code>
                    ) : (
                      'not created yet'
                    ),
                  },
                  { key: 'slug', content: group.groupSlug ? <code>{group.groupSlug}</code> : '—' },
                  {
                    key: 'state',
                    content: <Lozenge appearance={STATE_APPEARANCE[group.state]}>{group.state}</Lozenge>,
                  },
                ],
              }))}
              emptyView={
                <EmptyState title="No groups yet">
                  Groups appear here once the identity provider pushes them.
                </EmptyState>
              }
            />
            {view.total > PAGE ? (
              <nav aria-label="Group pages" style={{ display: 'flex', gap: 8, marginTop: 8 }}>
                <Button isDisabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
                  Previous
                </Button>
                <Button isDisabled={offset + PAGE >= view.total} onClick={() => setOffset(offset + PAGE)}>
                  Next
                </Button>
              </nav>
            ) : null}
          </>
        )}
      </LoadableView>
    </section>
  );
}
