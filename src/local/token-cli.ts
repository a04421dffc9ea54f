/**
 * `npm run token -- <list|issue|rotate|revoke|--help> [...]`: manages the local host's SCIM bearer tokens in
 * DATA_DIR (stop `npm start` first: the data directory is locked while the server runs). The commands are in
 * src/local/token-command.ts; on Forge the admin page's resolvers (`tokens/*`) do the same.
 */
import path from 'node:path';
import { runTokenCommand } from './token-command';

runTokenCommand(process.argv.slice(2), {
  dataDir: path.resolve(process.env.DATA_DIR ?? '.data'),
  out: (line) => console.log(line),
  err: (line) => console.error(line),
}).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
