/**
 * Exact parsing and ordering of SCIM dateTime values (RFC 7643 section 2.3.5: xsd:dateTime, in practice the
 * RFC 3339 profile). Date.parse is not used: it keeps only milliseconds, while .NET clients send seven
 * fractional digits, and its handling of unusual forms differs between engines.
 */

/** A point in time: whole seconds since 1970-01-01T00:00:00Z and the fractional digits beyond them. */
export interface Instant {
  readonly epochSeconds: number;
  /** Fractional-second digits with trailing zeros removed ('' for a whole second). */
  readonly fraction: string;
}

function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const code = text.charCodeAt(i);
    if (!(code >= 0x30 && code <= 0x39)) return -1;
    value = value * 10 + (code - 0x30);
  }
  return value;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days from 1970-01-01 to a proleptic Gregorian date (the well-known era/day-of-era conversion). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/**
 * Parses `YYYY-MM-DDThh:mm:ss[.fraction][Z|±hh:mm|±hhmm]`. Any number of fractional digits is kept; a missing
 * zone is read as UTC (xsd:dateTime allows it, and treating it as server-local time would make results depend
 * on where the code runs). Returns undefined for anything else, including impossible dates.
 */
export function parseDateTime(text: string): Instant | undefined {
  if (text.length < 19) return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if (
    year < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 60
  ) {
    return undefined;
  }
  const separator = text.charAt(10);
  if (
    text.charAt(4) !== '-' ||
    text.charAt(7) !== '-' ||
    (separator !== 'T' && separator !== 't') ||
    text.charAt(13) !== ':' ||
    text.charAt(16) !== ':'
  ) {
    return undefined;
  }
  const monthLength = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  if (day > monthLength) return undefined;

  let i = 19;
  let fraction = '';
  if (text.charAt(i) === '.') {
    const start = ++i;
    while (i < text.length && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
    if (i === start) return undefined;
    let end = i;
    while (end > start && text.charAt(end - 1) === '0') end--;
    fraction = text.slice(start, end);
  }

  let offsetSeconds = 0;
  const zone = text.slice(i);
  if (zone === 'Z' || zone === 'z' || zone === '') {
    offsetSeconds = 0;
  } else if ((zone.startsWith('+') || zone.startsWith('-')) && (zone.length === 6 || zone.length === 5)) {
    const withColon = zone.length === 6;
    if (withColon && zone.charAt(3) !== ':') return undefined;
    const offsetHours = digitsAt(zone, 1, 2);
    const offsetMinutes = digitsAt(zone, withColon ? 4 : 3, 2);
    if (offsetHours < 0 || offsetHours > 23 || offsetMinutes < 0 || offsetMinutes > 59) return undefined;
    offsetSeconds = (zone.startsWith('-') ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
  } else {
    return undefined;
  }

  const epochSeconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds;
  return { epochSeconds, fraction };
}

/** Orders two instants: negative when `a` is earlier, 0 when equal, positive when later. */
export function compareInstants(a: Instant, b: Instant): number {
  if (a.epochSeconds !== b.epochSeconds) return a.epochSeconds < b.epochSeconds ? -1 : 1;
  const length = Math.max(a.fraction.length, b.fraction.length);
  for (let i = 0; i < length; i++) {
    // A missing digit is a zero: '5' and '50' are the same fraction.
    const difference = (a.fraction.charCodeAt(i) || 0x30) - (b.fraction.charCodeAt(i) || 0x30);
    if (difference !== 0) return difference < 0 ? -1 : 1;
  }
  return 0;
}
