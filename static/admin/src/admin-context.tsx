/** The page's connection to its backend, provided once at the top and read by every section. */
import { createContext, useContext } from 'react';
import type { AdminClient } from './bridge/admin-client';

/** Where the page runs and how it talks to the resolvers. */
export interface AdminEnvironment {
  readonly client: AdminClient;
  readonly host: 'forge' | 'local';
  /** Opens an external link (Forge: the bridge's router; local: a new tab). */
  readonly openLink?: (href: string) => void;
}

/** The React context that carries the AdminEnvironment. */
export const AdminContext = createContext<AdminEnvironment | undefined>(undefined);

/** The environment; only valid below the provider in main.tsx. */
export function useAdmin(): AdminEnvironment {
  const environment = useContext(AdminContext);
  if (environment === undefined) throw new Error('useAdmin must be used below AdminContext.Provider');
  return environment;
}
