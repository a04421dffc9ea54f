/**
 * When the identity provider last reached the SCIM endpoint with a valid token: until it has, the admin page says
 * it waits for the IdP instead of "Provisioning is running". Written under a plain KVS key at most once a minute
 * per function instance, so a busy IdP costs no write per request.
 */
import type { ForgeKvs } from '../storage/kvs-port';

/** The plain KVS key of the last contact. */
export const IDP_CONTACT_KEY = 'status:last-idp-contact';
/** How often one instance writes the contact at most. */
const WRITE_EVERY_MS = 60_000;

/** The last authenticated SCIM request: when, which method, and the suffix of the token it used. */
export interface IdpContact {
  readonly at: string;
  readonly method: string;
  readonly tokenSuffix?: string;
}

/** Records authenticated SCIM requests, throttled per instance. */
export class IdpContactRecorder {
  private lastWriteMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly kvs: Pick<ForgeKvs, 'set'>,
    private readonly now: () => Date,
  ) {}

  /** Notes one authenticated request; writes when this instance has not written within the last minute. */
  async record(method: string, tokenSuffix: string | undefined): Promise<void> {
    const now = this.now();
    if (now.getTime() - this.lastWriteMs < WRITE_EVERY_MS) return;
    this.lastWriteMs = now.getTime();
    const contact: IdpContact = { at: now.toISOString(), method, ...(tokenSuffix ? { tokenSuffix } : {}) };
    await this.kvs.set(IDP_CONTACT_KEY, contact);
  }
}
