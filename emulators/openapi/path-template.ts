/**
 * OpenAPI path templating (OpenAPI 3.0 section 4.7.8.1): `{name}` binds one whole or partial path segment.
 * When several templates match, the one with more literal segments wins, as the spec requires for
 * concrete paths ("/users/me" before "/users/{id}").
 */

/** A path template split into per-segment matchers. */
export interface CompiledTemplate {
  readonly template: string;
  readonly segments: ReadonlyArray<{
    readonly pattern: RegExp;
    readonly names: readonly string[];
    readonly literal: boolean;
  }>;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compiles a template such as `/repositories/{workspace}/{repo_slug}`. */
export function compileTemplate(template: string): CompiledTemplate {
  const segments = template
    .split('/')
    .slice(1)
    .map((segment) => {
      const names: string[] = [];
      let source = '';
      let rest = segment;
      for (let m = /\{([^}]+)\}/.exec(rest); m !== null; m = /\{([^}]+)\}/.exec(rest)) {
        source += escapeRegExp(rest.slice(0, m.index)) + '(.+?)';
        names.push(m[1] ?? '');
        rest = rest.slice(m.index + m[0].length);
      }
      source += escapeRegExp(rest);
      return { pattern: new RegExp(`^${source}$`), names, literal: names.length === 0 };
    });
  return { template, segments };
}

/** Splits a raw request path into percent-decoded segments; undefined when an escape is malformed. */
export function splitPath(rawPath: string): string[] | undefined {
  if (!rawPath.startsWith('/')) return undefined;
  try {
    return rawPath
      .split('/')
      .slice(1)
      .map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

/** Binds a template against decoded segments, returning the path parameters, or undefined. */
export function matchTemplate(
  compiled: CompiledTemplate,
  segments: readonly string[],
): Record<string, string> | undefined {
  if (compiled.segments.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const matcher = compiled.segments[i];
    const value = segments[i];
    if (matcher === undefined || value === undefined || value === '') return undefined;
    const m = matcher.pattern.exec(value);
    if (m === null) return undefined;
    matcher.names.forEach((name, index) => {
      params[name] = m[index + 1] ?? '';
    });
  }
  return params;
}

/** Orders templates so that the more concrete one comes first (literal segments before parameters). */
export function compareSpecificity(a: CompiledTemplate, b: CompiledTemplate): number {
  const length = Math.min(a.segments.length, b.segments.length);
  for (let i = 0; i < length; i++) {
    const la = a.segments[i]?.literal ?? false;
    const lb = b.segments[i]?.literal ?? false;
    if (la !== lb) return la ? -1 : 1;
  }
  return a.template.localeCompare(b.template);
}
