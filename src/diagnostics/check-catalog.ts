/**
 * What each Diagnostics check asks, what the app assumed before any installation answered, and what the app does
 * with each answer. The texts are the page's; the reactions themselves are code (src/diagnostics/verdicts.ts and
 * its readers), and these sentences describe them.
 */
import type {
  DiagnosticCheckId,
  DiagnosticCheckInfo,
  DiagnosticImpact,
  DiagnosticVerdict,
} from '../shared/diagnostics-api';
import { DIAGNOSTIC_CHECKS } from '../shared/diagnostics-api';

const INFO: Readonly<Record<DiagnosticCheckId, Omit<DiagnosticCheckInfo, 'id'>>> = {
  'kvs-conditions': {
    title: 'Storage: a create-only condition on a new key',
    question:
      'Does a KVS transaction whose set carries a NOT_EXISTS condition pass on a key that does not exist yet, and fail on one that does?',
    assumed:
      'A NOT_EXISTS condition holds on a missing key and fails on an existing one (DynamoDB-like; Forge does not document it). Every SCIM create and rename takes its uniqueness claim this way (src/storage/kvs-directory-store.ts).',
    needsConfirmation: false,
  },
  'storage-outbound': {
    title: 'Storage requests and the 100 outbound requests per invocation',
    question:
      'Do KVS requests count toward the 100 outbound requests one invocation may make? 101 tiny reads in one resolver call show it.',
    assumed:
      'They count (the stricter reading; no document says). The local Forge runtime, on which the app is tested and measured, counts them as outbound requests.',
    needsConfirmation: false,
  },
  egress: {
    title: 'Egress to api.atlassian.com and api.bitbucket.org',
    question: "May the app's fetch reach the Admin API and Bitbucket with the credentials saved under Connections?",
    assumed:
      "Forge's fetch reaches both hosts, which the manifest declares under permissions.external.fetch.backend (unconfirmed for Atlassian's own hosts).",
    needsConfirmation: false,
  },
  'install-context': {
    title: 'The installation context names the workspace',
    question:
      'Is the installation context ari:cloud:bitbucket::workspace/<uuid>, does Bitbucket know {uuid} with the saved credentials, and is it the workspace the app syncs to?',
    assumed:
      "installContext is ari:cloud:bitbucket::workspace/<uuid> (src/admin/workspace-admin.ts); {uuid} names the workspace in Bitbucket API paths and the ARI is the Bitbucket product's resource id in the Admin API.",
    needsConfirmation: false,
  },
  'group-slug': {
    title: 'A group the app creates is addressable by the slug it computes',
    question:
      "Does Bitbucket's permissions-config accept the slug src/targets/group-slug.ts computes for an org group the app creates? A scratch group gets a read grant on a repository you pick; the grant and the group are removed again.",
    assumed:
      "An org group's Bitbucket slug is its name with accents folded, lower-cased, other characters turned into hyphens, cut at 62 characters (undocumented).",
    needsConfirmation: true,
  },
};

/** Every check with its texts, in DIAGNOSTIC_CHECKS order. */
export function checkCatalog(): DiagnosticCheckInfo[] {
  return DIAGNOSTIC_CHECKS.map((id) => ({ id, ...INFO[id] }));
}

/** The assumption of one check. */
export function assumptionOf(check: DiagnosticCheckId): string {
  return INFO[check].assumed;
}

/** What a verdict makes the app do: a differing storage count is adapted to; any other difference is refused work. */
export function impactOf(check: DiagnosticCheckId, verdict: DiagnosticVerdict): DiagnosticImpact {
  if (verdict !== 'differs') return 'none';
  return check === 'storage-outbound' ? 'adapted' : 'refusing';
}

const REACTIONS: Readonly<
  Record<DiagnosticCheckId, Readonly<Record<'as-assumed' | 'differs' | 'inconclusive', string>>>
> = {
  'kvs-conditions': {
    'as-assumed': 'Nothing changes: SCIM creates and renames take their uniqueness claims this way.',
    differs:
      'The SCIM endpoint refuses the writes that rely on the condition with 503 and this reason (creates; every write when conditions are ignored), so no userName or group name can be taken twice. Run the check again once Forge behaves as assumed.',
    inconclusive: 'Nothing changes; run the check again.',
  },
  'storage-outbound': {
    'as-assumed':
      'KVS requests stay counted as outbound requests by the local Forge runtime, so the app keeps being tested and measured against the stricter reading.',
    differs:
      'KVS requests are no longer counted as outbound requests: the stored setting switches the local Forge runtime (and bench:forge --storage-not-outbound models the same).',
    inconclusive: 'KVS requests stay counted (the stricter reading); run the check again.',
  },
  egress: {
    'as-assumed': 'Nothing changes: the sync calls both APIs with these credentials.',
    differs:
      'The sync does not call Atlassian while the check fails: Connections and the sync report the refused host as what is missing. Run the check again after the egress is allowed.',
    inconclusive: 'Nothing changes; check the credentials under Connections and run the check again.',
  },
  'install-context': {
    'as-assumed': 'Nothing changes: the sync writes to the workspace the installation names.',
    differs:
      "The sync does not write to Bitbucket or grant access while the check fails: Connections and the sync report the unconfirmed workspace as what is missing. Set the target workspace to this installation's, or report the context form, then run the check again.",
    inconclusive: 'Nothing changes; save credentials under Connections and run the check again.',
  },
  'group-slug': {
    'as-assumed': "Nothing changes: permission sync addresses the app's groups by the slug it computes.",
    differs:
      'Permission sync refuses to run and records this reason on its Status item (skipped) until the check passes; when it passes, permission sync runs again.',
    inconclusive: 'Permission sync keeps running as before; run the check again.',
  },
};

/** The sentence the page shows under "what the app does". */
export function reactionOf(check: DiagnosticCheckId, verdict: DiagnosticVerdict): string {
  return REACTIONS[check][verdict];
}
