/**
 * `npm run token -- <list|issue|rotate|revoke> [...]`: manages the local host's SCIM bearer tokens in DATA_DIR
 * (stop `npm start` first: the data directory is locked while the server runs). On Forge the admin page's
 * resolvers (`tokens/*`) do the same.
 */
import path from 'node:path';
import { TokenAdmin } from '../admin/token-admin';
import { BearerTokens } from '../auth/bearer-tokens';
import { createLocalKvs, createLocalKvsService, loadEntityDefinitions } from '../storage/local-kvs';

const USAGE = `usage: npm run token -- list
       npm run token -- issue [--label TEXT] [--expires-in-days N]
       npm run token -- rotate --overlap-hours N [--label TEXT] [--expires-in-days N]
       npm run token -- revoke ID`;

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index === -1 ? undefined : args[index + 1];
}

function numberOption(args: string[], name: string): number | undefined {
  const value = option(args, name);
  return value === undefined ? undefined : Number(value);
}

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  const dataDir = path.resolve(process.env.DATA_DIR ?? '.data');
  const service = createLocalKvsService({ entities: loadEntityDefinitions(path.resolve(__dirname, '../../manifest.yml')), dataDir });
  try {
    const admin = new TokenAdmin(new BearerTokens(createLocalKvs(service)));
    const label = option(rest, '--label');
    const expiresInDays = numberOption(rest, '--expires-in-days');
    const common = { ...(label ? { label } : {}), ...(expiresInDays !== undefined ? { expiresInDays } : {}) };
    switch (command) {
      case 'list':
        for (const token of await admin.list()) {
          console.log(`${token.id}  …${token.suffix}  created ${token.createdAt}${token.expiresAt ? `  expires ${token.expiresAt}` : ''}${token.label ? `  ${token.label}` : ''}`);
        }
        return 0;
      case 'issue': {
        const issued = await admin.issue(common);
        console.log(`New SCIM bearer token (shown once): ${issued.token}`);
        return 0;
      }
      case 'rotate': {
        const issued = await admin.rotate({ ...common, overlapHours: numberOption(rest, '--overlap-hours') });
        console.log(`New SCIM bearer token (shown once): ${issued.token}`);
        return 0;
      }
      case 'revoke': {
        const result = await admin.revoke({ id: rest[0] });
        console.log(result.revoked ? 'Revoked.' : 'No such token.');
        return result.revoked ? 0 : 1;
      }
      default:
        console.error(USAGE);
        return 2;
    }
  } finally {
    await service.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
