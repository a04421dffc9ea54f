/**
 * Finds a secret in text or bytes in the forms it could leak in: clear, hex (either case), and base64 or base64url at
 * any of the three byte alignments it could have inside a longer encoded blob (the characters that depend only on the
 * secret's own bytes).
 */

/** Every form of `secret` to look for. */
export function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = new Set<string>([secret, bytes.toString('hex'), bytes.toString('hex').toUpperCase()]);
  for (let offset = 0; offset < 3; offset += 1) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    // With `offset` leading bytes the first group mixes in bytes that are not the secret's, and the last group may
    // mix in what follows it: only the groups in between are certain.
    const start = offset === 0 ? 0 : 4;
    const end = encoded.length - 4;
    if (end - start < 8) continue;
    const inner = encoded.slice(start, end);
    forms.add(inner);
    forms.add(inner.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...forms];
}

/** The secrets (by name) of which some form occurs in `haystack`, with the form found. */
export function leakedSecrets(haystack: string | Buffer, secrets: Readonly<Record<string, string>>): string[] {
  const text = typeof haystack === 'string' ? haystack : haystack.toString('latin1');
  const found: string[] = [];
  for (const [name, secret] of Object.entries(secrets)) {
    const form = secretForms(secret).find((candidate) => text.includes(candidate));
    if (form !== undefined) found.push(`${name} (as ${form === secret ? 'clear text' : form})`);
  }
  return found;
}
