/**
 * The local token CLI's commands (`npm run token -- …`, src/local/token-cli.ts), as a function tests can run:
 * list, issue, rotate and revoke the local host's SCIM bearer tokens in DATA_DIR. Every change is recorded in the
 * audit log like the admin page's (src/admin/token-audit.ts), with the CLI as its actor. A token is revoked by
 * its id or by the 4-character suffix `list` and the admin page show.
 */
import path from 'node:path';
import { TokenAdmin } from '../admin/token-admin';
import { auditTokenChange } from '../admin/token-audit';
import { AdminError } from '../admin/workspace-admin';
import { BearerTokenError, BearerTokens } from '../auth/bearer-tokens';
import {
  createLocalKvs,
  createLocalKvsService,
  loadEntityDefinitions,
  type LocalKvsService,
} from '../storage/local-kvs';
import { TOKEN_CLI_ACTOR } from '../sync/audit-actor';
import { AuditLog } from '../sync/audit-log';

/** The CLI's usage text. */
export const TOKEN_USAGE = `usage: npm run token -- list
       npm run token -- issue [--label TEXT] [--expires-in-days N]
       npm run token -- rotate --overlap-hours N [--label TEXT] [--expires-in-days N]
       npm run token -- revoke ID-OR-SUFFIX      (the id, or the last 4 characters list shows, e.g. …a1B2)
       npm run token -- --help

Stop npm start first: it holds the data directory (DATA_DIR, default ./.data) while it runs.`;

/** Where the CLI writes and which data directory it opens. */
export interface TokenCommandOptions {
  readonly dataDir: string;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** The manifest whose storage entities the local KVS enforces (default: the repository's). */
  readonly manifestPath?: string;
}

function option(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index === -1 ? undefined : args[index + 1];
}

function numberOption(args: readonly string[], name: string): number | undefined {
  const value = option(args, name);
  return value === undefined ? undefined : Number(value);
}

/** Opens the data directory, or explains that `npm start` holds it. */
function open(options: TokenCommandOptions): LocalKvsService | string {
  try {
    return createLocalKvsService({
      entities: loadEntityDefinitions(options.manifestPath ?? path.resolve(__dirname, '../../manifest.yml')),
      dataDir: options.dataDir,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const locked = /is locked by running process (\d+)/.exec(message);
    if (!locked) throw error;
    return `The data directory ${options.dataDir} is in use by a running npm start (process ${locked[1]}): stop npm start first (Ctrl+C in its terminal), run the token command, then start it again. (On the admin page the same can be done while it runs: Set-up → Bearer tokens.)`;
  }
}

/** Runs one CLI command; answers the exit code (0 done, 1 failed, 2 usage). */
export async function runTokenCommand(args: readonly string[], options: TokenCommandOptions): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? options.err : options.out)(TOKEN_USAGE);
    return command === undefined ? 2 : 0;
  }
  if (!['list', 'issue', 'rotate', 'revoke'].includes(command)) {
    options.err(`Unknown command ${JSON.stringify(command)}.\n${TOKEN_USAGE}`);
    return 2;
  }
  const overlapHours = numberOption(rest, '--overlap-hours');
  if (command === 'rotate' && overlapHours === undefined) {
    options.err(
      `rotate needs --overlap-hours N: how many hours the current token stays valid while you switch the identity provider to the new one.\n${TOKEN_USAGE}`,
    );
    return 2;
  }
  if (command === 'revoke' && rest[0] === undefined) {
    options.err(
      `revoke needs the token's id or its last 4 characters (npm run token -- list shows both).\n${TOKEN_USAGE}`,
    );
    return 2;
  }
  const service = open(options);
  if (typeof service === 'string') {
    options.err(service);
    return 1;
  }
  try {
    const kvs = createLocalKvs(service);
    const admin = new TokenAdmin(new BearerTokens(kvs));
    const auditLog = new AuditLog({ kvs });
    const label = option(rest, '--label');
    const expiresInDays = numberOption(rest, '--expires-in-days');
    const common = { ...(label ? { label } : {}), ...(expiresInDays !== undefined ? { expiresInDays } : {}) };
    switch (command) {
      case 'list':
        for (const token of await admin.list()) {
          const state = token.retiring ? '  retiring' : '';
          options.out(
            `${token.id}  …${token.suffix}  created ${token.createdAt}${token.expiresAt ? `  expires ${token.expiresAt}` : ''}${state}${token.label ? `  ${token.label}` : ''}`,
          );
        }
        return 0;
      case 'issue': {
        const issued = await admin.issue(common);
        await auditTokenChange(auditLog, 'token-issued', issued.view, { actor: TOKEN_CLI_ACTOR });
        options.out(`New SCIM bearer token …${issued.view.suffix} (shown once): ${issued.token}`);
        return 0;
      }
      case 'rotate': {
        const issued = await admin.rotate({ ...common, overlapHours });
        await auditTokenChange(auditLog, 'token-rotated', issued.view, {
          retiring: issued.retiring ?? [],
          actor: TOKEN_CLI_ACTOR,
        });
        options.out(`New SCIM bearer token …${issued.view.suffix} (shown once): ${issued.token}`);
        for (const old of issued.retiring ?? [])
          options.out(
            `Token …${old.suffix} stays valid until ${old.expiresAt ?? 'revoked'}; switch the identity provider to the new token before then.`,
          );
        return 0;
      }
      default: {
        const result = await admin.revoke({ id: rest[0] });
        if (!result.revoked || !result.token) {
          options.err(`No live token has the id or suffix ${rest[0] ?? ''} (npm run token -- list shows them).`);
          return 1;
        }
        await auditTokenChange(auditLog, 'token-revoked', result.token, { actor: TOKEN_CLI_ACTOR });
        options.out(`Revoked token …${result.token.suffix}${result.token.label ? ` (${result.token.label})` : ''}.`);
        return 0;
      }
    }
  } catch (error) {
    if (!(error instanceof AdminError)) throw error;
    options.err(
      error.message.replace(/\boverlapHours\b/, '--overlap-hours').replace(/\bexpiresInDays\b/, '--expires-in-days'),
    );
    // A refusal by the token store (a rotation while two tokens are valid) is a failed command, not a usage error.
    return error.cause instanceof BearerTokenError ? 1 : 2;
  } finally {
    await service.close();
  }
}
