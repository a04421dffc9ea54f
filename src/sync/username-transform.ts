/**
 * The username transform: a pattern and a replacement that turn a SCIM `userName` into the account email or
 * match key (e.g. `(.*)@corp\.example` -> `$1@example.com`). Patterns are compiled with re2js, whose matching
 * time is linear in the input, so an admin's pattern cannot stall a sync the way a backtracking engine could.
 *
 * Semantics: the pattern must match the whole userName (as if wrapped in `^(?:…)$`); when it does, the result
 * is the replacement with `$1`…`$9` replaced by the groups' text (an unmatched group gives '') and `$$` by '$'.
 * When it does not match, the userName is used unchanged, so one pattern can rewrite some names and leave the
 * rest alone.
 */
import { RE2JS } from 're2js';
import type {
  SyncSettings,
  TransformIssue,
  TransformPreview,
  TransformSample,
  UsernameTransform,
} from '../shared/settings-types';
import { SyncError } from './sync-error';

/** Longest pattern or replacement accepted, in characters. */
export const MAX_TRANSFORM_LENGTH = 500;
/**
 * Largest compiled program accepted. Matching costs O(input length × program size); with this cap a 1,000
 * character userName still takes milliseconds, while `a{1000}`-style repetition of whole patterns is refused.
 */
export const MAX_PROGRAM_SIZE = 2000;
/** Most samples one preview evaluates, so the admin page cannot make one resolver call arbitrarily expensive. */
export const MAX_PREVIEW_SAMPLES = 50;
/** Longest sample a preview evaluates, in characters. */
export const MAX_PREVIEW_SAMPLE_LENGTH = 1000;

/** The `config` SyncError thrown by compileTransform for a pattern or replacement that cannot be used, with every issue; the only error it throws. */
export class TransformValidationError extends SyncError {
  constructor(readonly issues: readonly TransformIssue[]) {
    super('config', issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '));
    this.name = 'TransformValidationError';
  }
}

type ReplacementPart = { readonly text: string } | { readonly group: number };

/** A transform ready to apply; obtain one from compileTransform. */
export interface CompiledTransform {
  readonly pattern: string;
  readonly replacement: string;
  readonly regex: RE2JS;
  readonly parts: readonly ReplacementPart[];
}

/** Checks a transform as the settings page saves it; an empty list means it compiles and can be applied. */
export function validateTransform(transform: UsernameTransform): TransformIssue[] {
  const result = tryCompile(transform);
  return 'issues' in result ? result.issues : [];
}

/** Compiles a transform, throwing TransformValidationError (and nothing else) when it cannot be used. */
export function compileTransform(transform: UsernameTransform): CompiledTransform {
  const result = tryCompile(transform);
  if ('issues' in result) throw new TransformValidationError(result.issues);
  return result.compiled;
}

/** Applies a compiled transform to a userName; with no transform, or when the pattern does not match the whole userName, returns it unchanged. */
export function transformUserName(compiled: CompiledTransform | null, userName: string): string {
  if (compiled === null) return userName;
  const matcher = compiled.regex.matcher(userName);
  if (!matcher.matches()) return userName;
  return compiled.parts.map((part) => ('text' in part ? part.text : (matcher.group(part.group) ?? ''))).join('');
}

/** The preview's types are the admin page's data (src/shared/settings-types.ts); re-exported for the sync's modules. */
export type { TransformIssue, TransformPreview, TransformSample };

/**
 * Runs the settings' transform over sample userNames for the admin page, before the settings are saved.
 * At most MAX_PREVIEW_SAMPLES samples are evaluated (the rest are counted in `omitted`) and each is cut to
 * MAX_PREVIEW_SAMPLE_LENGTH characters.
 */
export function previewTransform(
  settings: Pick<SyncSettings, 'usernameTransform'>,
  samples: readonly string[],
): TransformPreview {
  let compiled: CompiledTransform | null = null;
  if (settings.usernameTransform !== null) {
    const result = tryCompile(settings.usernameTransform);
    if ('issues' in result) return { ok: false, issues: result.issues };
    compiled = result.compiled;
  }
  const evaluated = samples.slice(0, MAX_PREVIEW_SAMPLES).map((sample) => {
    const input = sample.slice(0, MAX_PREVIEW_SAMPLE_LENGTH);
    const matched = compiled !== null && compiled.regex.matcher(input).matches();
    const output = transformUserName(compiled, input);
    return { input, output, matched, looksLikeEmail: looksLikeEmail(output) };
  });
  return { ok: true, samples: evaluated, omitted: Math.max(0, samples.length - MAX_PREVIEW_SAMPLES) };
}

/** A deliberately loose email shape (one @, something on both sides, a dot in the domain, no spaces). */
export function looksLikeEmail(value: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
}

function tryCompile(transform: UsernameTransform): { compiled: CompiledTransform } | { issues: TransformIssue[] } {
  const issues: TransformIssue[] = [];
  const { pattern, replacement } = transform;
  let regex: RE2JS | undefined;
  if (typeof pattern !== 'string' || pattern.length === 0) {
    issues.push({ field: 'pattern', message: 'must be a non-empty regular expression' });
  } else if (pattern.length > MAX_TRANSFORM_LENGTH) {
    issues.push({
      field: 'pattern',
      message: `must be at most ${MAX_TRANSFORM_LENGTH} characters, not ${pattern.length}`,
    });
  } else {
    const compiled = compileRegex(pattern);
    if ('message' in compiled) issues.push({ field: 'pattern', message: compiled.message });
    else regex = compiled.regex;
  }
  let parts: ReplacementPart[] = [];
  if (typeof replacement !== 'string') {
    issues.push({ field: 'replacement', message: 'must be a string' });
  } else if (replacement.length > MAX_TRANSFORM_LENGTH) {
    issues.push({
      field: 'replacement',
      message: `must be at most ${MAX_TRANSFORM_LENGTH} characters, not ${replacement.length}`,
    });
  } else {
    const parsed = parseReplacement(replacement, regex?.groupCount());
    if ('message' in parsed) issues.push({ field: 'replacement', message: parsed.message });
    else parts = parsed.parts;
  }
  if (issues.length > 0 || regex === undefined) return { issues };
  return { compiled: { pattern, replacement, regex, parts } };
}

// re2js reports syntax errors as RE2JSSyntaxException; anything else it might throw on a hostile pattern (a
// stack overflow, an internal error) is turned into a validation message too, so saving settings never fails
// with an unexpected error.
function compileRegex(pattern: string): { regex: RE2JS } | { message: string } {
  let regex: RE2JS;
  try {
    regex = RE2JS.compile(pattern);
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : String(error);
    return { message: `is not a valid RE2 regular expression: ${detail}` };
  }
  const size = regex.programSize();
  if (size > MAX_PROGRAM_SIZE) {
    return {
      message: `is too complex (compiled size ${size}, at most ${MAX_PROGRAM_SIZE}); use fewer or smaller repetitions`,
    };
  }
  return { regex };
}

// `$1`…`$9` refer to groups, `$$` is a literal '$'; any other '$' is refused rather than guessed at, so that
// `$0`, `$&` or `${name}` from other regex dialects fail at save time instead of producing surprising emails.
// Only one digit is read: `$10` is group 1 followed by '0'.
function parseReplacement(
  replacement: string,
  groupCount: number | undefined,
): { parts: ReplacementPart[] } | { message: string } {
  const parts: ReplacementPart[] = [];
  let text = '';
  for (let i = 0; i < replacement.length; i += 1) {
    const char = replacement.charAt(i);
    if (char !== '$') {
      text += char;
      continue;
    }
    const next = replacement.charAt(i + 1);
    if (next === '$') {
      text += '$';
      i += 1;
      continue;
    }
    if (next >= '1' && next <= '9') {
      const group = Number(next);
      if (groupCount !== undefined && group > groupCount) {
        return {
          message: `refers to group $${group}, but the pattern has ${groupCount === 0 ? 'no groups' : `only ${groupCount} group${groupCount === 1 ? '' : 's'}`}`,
        };
      }
      if (text !== '') parts.push({ text });
      text = '';
      parts.push({ group });
      i += 1;
      continue;
    }
    return {
      message: `has a '$' at position ${i + 1} that is not followed by 1-9 or '$' (write $$ for a literal dollar sign)`,
    };
  }
  if (text !== '') parts.push({ text });
  return { parts };
}
