/**
 * The admin page's entry: picks the transport at run time (Forge's bridge inside Bitbucket, the local host's
 * HTTP bridge under /admin/), then renders the page.
 */
import '@atlaskit/css-reset';
import { setGlobalTheme } from '@atlaskit/tokens/set-global-theme';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { AdminContext, type AdminEnvironment } from './admin-context';
import { App, MissingKey } from './app';
import { makeAdminClient } from './bridge/admin-client';
import { connectForge, insideForge } from './bridge/forge-bridge';
import { localTransport, takeAdminKey } from './bridge/local-bridge';

async function connect(): Promise<AdminEnvironment | undefined> {
  if (insideForge(window)) {
    const forge = await connectForge();
    return { client: makeAdminClient(forge.transport), host: 'forge', openLink: forge.openLink };
  }
  await setGlobalTheme({ colorMode: 'light' }).catch(() => undefined);
  // Pasting the admin URL into a tab that already shows the page changes only the hash: start again with the new key.
  window.addEventListener('hashchange', () => {
    if (
      /(?:^#|&)key=/.test(window.location.hash) &&
      takeAdminKey(window.location, window.sessionStorage, window.history)
    )
      window.location.reload();
  });
  const key = takeAdminKey(window.location, window.sessionStorage, window.history);
  if (key === undefined) return undefined;
  return { client: makeAdminClient(localTransport(key, new URL('api/invoke', window.location.href))), host: 'local' };
}

const container = document.getElementById('root');
if (container === null) throw new Error('The page has no #root element');
const root = createRoot(container);
void connect().then((environment) => {
  root.render(
    <StrictMode>
      {environment ? (
        <AdminContext.Provider value={environment}>
          <App />
        </AdminContext.Provider>
      ) : (
        <MissingKey />
      )}
    </StrictMode>,
  );
});
