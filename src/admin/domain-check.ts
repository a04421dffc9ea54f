/**
 * The username transform preview's domain check: an account email whose domain is not one of the organization's
 * verified domains (getDomains, admin-organization-openapi.json) is flagged, because the app would invite an
 * account under it (`ada@contoso.onmicrosoft.com` from Entra's default userName) that the organization does not
 * manage, and show it as synced. The domains are read at most once a minute per organization.
 */
import type { TransformDomainCheck } from '../shared/admin-api';
import type { TransformPreview } from '../sync/username-transform';
import type { AdminSync } from './admin-parts';

const CACHE_MS = 60_000;
const cache = new Map<string, { readonly at: number; readonly domains: readonly string[] }>();

/** The organization's verified domains, or why they could not be read. */
async function verifiedDomains(
  sync: Pick<AdminSync, 'connect'>,
  now: number,
): Promise<{ domains: readonly string[] } | { detail: string }> {
  const connected = await sync.connect({ requireDirectory: false });
  if (!connected.ok)
    return {
      detail: `The organization's domains are checked once connected; missing: ${connected.missing.join(', ')}`,
    };
  const orgId = connected.settings.target.orgId;
  const cached = cache.get(orgId);
  if (cached && now - cached.at < CACHE_MS) return { domains: cached.domains };
  if (!connected.admin.listVerifiedDomains) return { detail: "The organization's domains cannot be read here" };
  try {
    const domains = await connected.admin.listVerifiedDomains();
    cache.set(orgId, { at: now, domains });
    return { domains };
  } catch (error) {
    return {
      detail: `The organization's domains could not be read: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** The domain of an email, lower-cased; undefined when there is none. */
function domainOf(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  return at < 0 ? undefined : email.slice(at + 1).toLowerCase();
}

/** Which preview results are emails outside the organization's verified domains. */
export async function checkPreviewDomains(
  preview: TransformPreview,
  sync: Pick<AdminSync, 'connect'>,
  now = Date.now(),
): Promise<TransformDomainCheck | undefined> {
  if (!preview.ok) return undefined;
  const found = await verifiedDomains(sync, now);
  if ('detail' in found) return { verified: [], outside: [], detail: found.detail };
  const verified = new Set(found.domains);
  const outside = preview.samples
    .filter((sample) => sample.looksLikeEmail)
    .map((sample) => sample.output)
    .filter((email) => {
      const domain = domainOf(email);
      return domain !== undefined && !verified.has(domain);
    });
  return { verified: [...found.domains], outside: [...new Set(outside)] };
}
