import fc from 'fast-check';
import { compareInstants, parseDateTime } from '../../../src/scim/filter/date-time';

const DATES = { min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true };

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

describe('parseDateTime', () => {
  it.each([
    { text: '1970-01-01T00:00:00Z', epochSeconds: 0, fraction: '' },
    { text: '1970-01-01t00:00:01z', epochSeconds: 1, fraction: '' },
    { text: '1970-01-01T00:00:00', epochSeconds: 0, fraction: '' },
    { text: '2008-01-23T04:56:22Z', epochSeconds: 1201064182, fraction: '' },
    { text: '2015-10-10T14:38:21.8617979-07:00', epochSeconds: 1444513101, fraction: '8617979' },
    { text: '2015-10-10T21:38:21.8617979000Z', epochSeconds: 1444513101, fraction: '8617979' },
    { text: '2020-01-01T00:30:00+01:00', epochSeconds: 1577835000, fraction: '' },
    { text: '2020-01-01T00:30:00+0100', epochSeconds: 1577835000, fraction: '' },
    { text: '2000-02-29T00:00:00.000Z', epochSeconds: 951782400, fraction: '' },
    { text: '1969-12-31T23:59:59.5Z', epochSeconds: -1, fraction: '5' },
  ])('$text', ({ text, epochSeconds, fraction }) => {
    expect(parseDateTime(text)).toEqual({ epochSeconds, fraction });
  });

  it.each([
    '',
    '2020-01-01',
    '2020-01-01T00:00Z',
    '2020-1-01T00:00:00Z',
    '2020-13-01T00:00:00Z',
    '2020-00-01T00:00:00Z',
    '2019-02-29T00:00:00Z',
    '2100-02-29T00:00:00Z',
    '2020-04-31T00:00:00Z',
    '2020-01-01T24:00:00Z',
    '2020-01-01T00:60:00Z',
    '2020-01-01T00:00:61Z',
    '2020-01-01 00:00:00Z',
    '2020-01-01T00:00:00.Z',
    '2020-01-01T00:00:00+01',
    '2020-01-01T00:00:00+1:00',
    '2020-01-01T00:00:00+24:00',
    '2020-01-01T00:00:00+01:60',
    '2020-01-01T00:00:00ZZ',
    '2020-01-01T00:00:00 Z',
    'yesterday at noon',
    '+2020-01-01T00:00:00Z',
  ])('rejects %j', (text) => {
    expect(parseDateTime(text)).toBeUndefined();
  });

  it('agrees with Date on every ISO string Date produces', () => {
    fc.assert(
      fc.property(fc.date(DATES), (date) => {
        const instant = parseDateTime(date.toISOString());
        expect(instant).toBeDefined();
        const milliseconds = instant!.epochSeconds * 1000 + Number(instant!.fraction.padEnd(3, '0').slice(0, 3));
        expect(milliseconds).toBe(date.getTime());
      }),
      { numRuns: 500 },
    );
  });

  it('applies offsets: local time minus the offset is the UTC instant', () => {
    fc.assert(
      fc.property(fc.date(DATES), fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }), (date, offsetMinutes) => {
        const local = new Date(date.getTime() + offsetMinutes * 60_000);
        fc.pre(local.getUTCFullYear() >= 1 && local.getUTCFullYear() <= 9999);
        const sign = offsetMinutes < 0 ? '-' : '+';
        const magnitude = Math.abs(offsetMinutes);
        const text = `${local.toISOString().slice(0, -1)}${sign}${pad(Math.floor(magnitude / 60), 2)}:${pad(magnitude % 60, 2)}`;
        const instant = parseDateTime(text);
        const utc = parseDateTime(date.toISOString());
        expect(instant).toEqual(utc);
      }),
      { numRuns: 500 },
    );
  });
});

describe('compareInstants', () => {
  it.each([
    { a: '2020-01-01T00:30:00+01:00', b: '2020-01-01T00:00:00Z', expected: -1 },
    { a: '2015-10-10T14:38:21.8617979-07:00', b: '2015-10-10T21:38:21.861Z', expected: 1 },
    { a: '2015-10-10T21:38:21.861Z', b: '2015-10-10T21:38:21.8610000Z', expected: 0 },
    { a: '2015-10-10T21:38:21.09Z', b: '2015-10-10T21:38:21.1Z', expected: -1 },
    { a: '2015-10-10T21:38:21Z', b: '2015-10-10T21:38:21.0000001Z', expected: -1 },
  ])('$a vs $b', ({ a, b, expected }) => {
    expect(compareInstants(parseDateTime(a)!, parseDateTime(b)!)).toBe(expected);
    expect(compareInstants(parseDateTime(b)!, parseDateTime(a)!)).toBe(-expected || 0);
  });

  it('orders like the underlying milliseconds', () => {
    fc.assert(
      fc.property(fc.date(DATES), fc.date(DATES), (a, b) => {
        const expected = Math.sign(a.getTime() - b.getTime());
        expect(compareInstants(parseDateTime(a.toISOString())!, parseDateTime(b.toISOString())!)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});
