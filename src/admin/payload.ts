/** Server-side validation of resolver payloads: every field the page sends is checked again here. */
import { AdminError } from './workspace-admin';

/** The payload as a plain object; absent payloads are empty objects. */
export function payloadObject(payload: unknown): Record<string, unknown> {
  if (payload === undefined || payload === null) return {};
  if (typeof payload !== 'object' || Array.isArray(payload))
    throw new AdminError('invalid-input', 'The payload must be an object');
  return payload as Record<string, unknown>;
}

/** An optional string of at most `max` characters. */
export function optionalText(record: Record<string, unknown>, name: string, max: number): string | undefined {
  const value = record[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > max)
    throw new AdminError('invalid-input', `${name} must be text of at most ${max} characters`);
  return value;
}

/** An optional whole number within [min, max]. */
export function optionalInteger(
  record: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const value = record[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new AdminError('invalid-input', `${name} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** An optional ISO 8601 date or date-time. */
export function optionalInstant(record: Record<string, unknown>, name: string): string | undefined {
  const value = optionalText(record, name, 40);
  if (value === undefined || value === '') return undefined;
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(Date.parse(value)))
    throw new AdminError('invalid-input', `${name} must be an ISO 8601 date or date-time`);
  return new Date(value).toISOString();
}

/** An optional value out of a fixed list. */
export function optionalChoice<T extends string>(
  record: Record<string, unknown>,
  name: string,
  choices: readonly T[],
): T | undefined {
  const value = record[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value))
    throw new AdminError('invalid-input', `${name} must be one of ${choices.join(', ')}`);
  return value as T;
}

/** An optional array of strings, each at most `maxLength` characters, at most `maxItems` of them. */
export function optionalStrings(
  record: Record<string, unknown>,
  name: string,
  maxItems: number,
  maxLength: number,
): string[] | undefined {
  const value = record[name];
  if (value === undefined || value === null) return undefined;
  if (
    !Array.isArray(value) ||
    value.length > maxItems ||
    value.some((item) => typeof item !== 'string' || item.length > maxLength)
  ) {
    throw new AdminError(
      'invalid-input',
      `${name} must be a list of at most ${maxItems} texts of at most ${maxLength} characters`,
    );
  }
  return value as string[];
}
