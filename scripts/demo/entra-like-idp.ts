/**
 * An identity provider that pushes like Microsoft Entra ID's provisioning service (docs/idp/entra-id.md,
 * test/conformance/fixtures/entra-default.json): for each user a filter GET on userName, then a POST when it is
 * not there; for each group a filter GET on displayName, a POST without members, then member PATCHes with
 * capitalised `Add` operations; a deactivation is a PATCH that replaces `active` with the string "False".
 */
import type { DemoGroup, DemoUser } from './demo-directory';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** Entra sends group member changes in PATCHes of a few members each. */
const MEMBERS_PER_PATCH = 10;

/** What the IdP did, counted. */
export interface IdpReport {
  requests: number;
  created: number;
  found: number;
}

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown> | undefined;
}

/** The Entra-like IdP against one SCIM base URL with one bearer token. */
export class EntraLikeIdp {
  readonly report: IdpReport = { requests: 0, created: 0, found: 0 };
  private readonly ids = new Map<string, string>();

  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  private async send(method: string, path: string, body?: unknown): Promise<Answer> {
    this.report.requests += 1;
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        'content-type': 'application/scim+json',
        accept: 'application/scim+json',
        'user-agent': 'Azure Active Directory SCIM client (bitbucket-scim-sync demo)',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    const answer = { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
    if (answer.status >= 400) throw new Error(`${method} ${path} answered ${answer.status}: ${text.slice(0, 300)}`);
    return answer;
  }

  /** The first resource a filter GET found, if any. */
  private async findResource(
    collection: 'Users' | 'Groups',
    attribute: 'userName' | 'displayName',
    value: string,
  ): Promise<{ id: string; active?: unknown } | undefined> {
    const filter = encodeURIComponent(`${attribute} eq "${value.replace(/(["\\])/g, '\\$1')}"`);
    const extra = collection === 'Groups' ? '&excludedAttributes=members' : '';
    const answer = await this.send('GET', `/${collection}?filter=${filter}${extra}`);
    const [first] = (answer.body?.Resources as { id?: unknown; active?: unknown }[] | undefined) ?? [];
    return typeof first?.id === 'string' ? { id: first.id, active: first.active } : undefined;
  }

  /** The id of the first resource a filter GET found, if any. */
  private async find(
    collection: 'Users' | 'Groups',
    attribute: 'userName' | 'displayName',
    value: string,
  ): Promise<string | undefined> {
    return (await this.findResource(collection, attribute, value))?.id;
  }

  /** Provisions one user: filter GET, then POST when missing; answers its SCIM id. */
  async provisionUser(user: DemoUser): Promise<string> {
    const existing = await this.findResource('Users', 'userName', user.userName);
    if (existing) {
      this.report.found += 1;
      this.ids.set(user.userName, existing.id);
      // Assigned again (a second demo run): Entra enables the user it had disabled.
      if (existing.active === false)
        await this.send('PATCH', `/Users/${existing.id}`, {
          schemas: [PATCH_SCHEMA],
          Operations: [{ op: 'Replace', path: 'active', value: 'True' }],
        });
      return existing.id;
    }
    const created = await this.send('POST', '/Users', {
      schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
      externalId: user.externalId,
      userName: user.userName,
      active: true,
      displayName: `${user.givenName} ${user.familyName}`,
      name: {
        formatted: `${user.givenName} ${user.familyName}`,
        givenName: user.givenName,
        familyName: user.familyName,
      },
      emails: [{ primary: true, type: 'work', value: user.userName }],
      [ENTERPRISE_SCHEMA]: { department: user.department },
    });
    this.report.created += 1;
    const id = String(created.body?.id);
    this.ids.set(user.userName, id);
    return id;
  }

  /** Provisions one group: filter GET, POST without members when missing, then Add PATCHes of its members. */
  async provisionGroup(group: DemoGroup): Promise<string> {
    let id = await this.find('Groups', 'displayName', group.displayName);
    if (id) {
      this.report.found += 1;
    } else {
      const created = await this.send('POST', '/Groups', {
        schemas: [GROUP_SCHEMA],
        externalId: group.externalId,
        displayName: group.displayName,
      });
      this.report.created += 1;
      id = String(created.body?.id);
    }
    const members = group.members
      .map((userName) => this.ids.get(userName))
      .filter((memberId): memberId is string => memberId !== undefined);
    for (let i = 0; i < members.length; i += MEMBERS_PER_PATCH) {
      await this.send('PATCH', `/Groups/${id}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [
          { op: 'Add', path: 'members', value: members.slice(i, i + MEMBERS_PER_PATCH).map((value) => ({ value })) },
        ],
      });
    }
    return id;
  }

  /** Deactivates a user the way Entra does when it is unassigned or disabled. */
  async deactivate(userName: string): Promise<void> {
    const id = this.ids.get(userName) ?? (await this.find('Users', 'userName', userName));
    if (!id) throw new Error(`No user ${userName} to deactivate`);
    await this.send('PATCH', `/Users/${id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
  }
}
