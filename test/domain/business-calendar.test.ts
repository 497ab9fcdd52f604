import { expect } from 'chai';
import {
  WEEKDAYS,
  ShopCalendarSchema,
  businessMinutesBetween,
  businessMinutesOfUnion,
  openWindows,
  type OpeningSpan,
  type ShopCalendar,
  type Weekday,
} from '../../src/domain/business-calendar.js';
import { unionOverlapMinutes } from '../../src/domain/overlap.js';

// All instants in these tests are written as ISO strings with an explicit UTC offset, so the
// expectations do not depend on the module's own wall-time conversion.
const d = (iso: string): Date => new Date(iso);
const span = (start: string, end: string): OpeningSpan => ({ start, end });
const mins = (calendar: ShopCalendar | null, from: string, to: string): number =>
  businessMinutesBetween(calendar, d(from), d(to));
/** openWindows as [startISO, endISO] pairs (UTC). */
const wins = (calendar: ShopCalendar | null, from: string, to: string): [string, string][] =>
  openWindows(calendar, d(from), d(to)).map((w) => [w.start.toISOString(), w.end.toISOString()]);

const nineToFive = () => [span('08:00', '17:00')];
/** Mon–Fri 08:00–17:00 in Berlin; 2026-01-01 (Thu) and 2026-05-01 (Fri) are holidays. */
const BERLIN_OFFICE: ShopCalendar = {
  timezone: 'Europe/Berlin',
  weeklyHours: { mon: nineToFive(), tue: nineToFive(), wed: nineToFive(), thu: nineToFive(), fri: nineToFive() },
  holidays: ['2026-01-01', '2026-05-01'],
};
/** Friday and Sunday night shifts, 22:00–06:00, in Berlin. */
const NIGHT_SHIFTS = (holidays: string[] = []): ShopCalendar => ({
  timezone: 'Europe/Berlin',
  weeklyHours: { fri: [span('22:00', '06:00')], sun: [span('22:00', '06:00')] },
  holidays,
});
/** A calendar open on Sundays only, for the DST tests (all 2026 DST changes are on Sundays). */
const sundays = (timezone: string, ...spans: OpeningSpan[]): ShopCalendar => ({
  timezone,
  weeklyHours: { sun: spans },
  holidays: [],
});
const everyDay = (timezone: string, ...spans: OpeningSpan[]): ShopCalendar => ({
  timezone,
  weeklyHours: Object.fromEntries(WEEKDAYS.map((day) => [day, spans])),
  holidays: [],
});

describe('business calendar (src/domain/business-calendar.ts)', () => {
  describe('no calendar (24/7)', () => {
    it('openWindows is the whole range', () => {
      expect(wins(null, '2026-01-01T10:00:00Z', '2026-01-03T10:00:00Z')).to.deep.equal([
        ['2026-01-01T10:00:00.000Z', '2026-01-03T10:00:00.000Z'],
      ]);
    });

    it('minutes are plain elapsed minutes, fractional', () => {
      expect(mins(null, '2026-01-01T10:00:00Z', '2026-01-03T10:00:00Z')).to.equal(2 * 1440);
      expect(mins(null, '2026-01-01T10:00:00Z', '2026-01-01T10:01:30Z')).to.equal(1.5);
    });

    it('empty or inverted range → no windows, 0 minutes (never -0)', () => {
      expect(wins(null, '2026-01-01T10:00:00Z', '2026-01-01T10:00:00Z')).to.deep.equal([]);
      expect(wins(null, '2026-01-01T10:00:00Z', '2026-01-01T09:00:00Z')).to.deep.equal([]);
      const inverted = mins(null, '2026-01-01T10:00:00Z', '2026-01-01T09:00:00Z');
      expect(inverted).to.equal(0);
      expect(Object.is(inverted, -0)).to.equal(false);
      expect(mins(BERLIN_OFFICE, '2026-01-14T12:00:00+01:00', '2026-01-14T10:00:00+01:00')).to.equal(0);
    });

    it('businessMinutesOfUnion equals unionOverlapMinutes of overlap.ts', () => {
      const intervals = [
        { start: d('2026-01-01T09:50:00Z'), end: d('2026-01-01T10:30:00Z') },
        { start: d('2026-01-01T10:20:00Z'), end: null },
      ];
      const args = [d('2026-01-01T10:00:00Z'), d('2026-01-01T12:00:00Z'), d('2026-01-01T11:15:00Z')] as const;
      expect(businessMinutesOfUnion(null, intervals, ...args)).to.equal(75);
      expect(businessMinutesOfUnion(null, intervals, ...args)).to.equal(unionOverlapMinutes(intervals, ...args));
    });

    it('rejects invalid Dates', () => {
      expect(() => openWindows(null, new Date(Number.NaN), d('2026-01-01T00:00:00Z'))).to.throw(RangeError, /from/);
      expect(() => businessMinutesOfUnion(BERLIN_OFFICE, [{ start: new Date('x'), end: null }], d('2026-01-01T00:00:00Z'), d('2026-01-02T00:00:00Z'), d('2026-01-02T00:00:00Z'))).to.throw(RangeError, /intervals\[0\]\.start/);
    });
  });

  describe('Mon–Fri 08:00–17:00, Europe/Berlin', () => {
    it('a range within one day', () => {
      // Wed 2026-01-14, CET (UTC+1)
      expect(mins(BERLIN_OFFICE, '2026-01-14T10:00:00+01:00', '2026-01-14T12:30:00+01:00')).to.equal(150);
      expect(wins(BERLIN_OFFICE, '2026-01-14T10:00:00+01:00', '2026-01-14T12:30:00+01:00')).to.deep.equal([
        ['2026-01-14T09:00:00.000Z', '2026-01-14T11:30:00.000Z'],
      ]);
    });

    it('a whole day is the opening span, in CET and in CEST', () => {
      expect(wins(BERLIN_OFFICE, '2026-01-14T00:00:00+01:00', '2026-01-15T00:00:00+01:00')).to.deep.equal([
        ['2026-01-14T07:00:00.000Z', '2026-01-14T16:00:00.000Z'],
      ]);
      expect(wins(BERLIN_OFFICE, '2026-07-15T00:00:00+02:00', '2026-07-16T00:00:00+02:00')).to.deep.equal([
        ['2026-07-15T06:00:00.000Z', '2026-07-15T15:00:00.000Z'],
      ]);
      expect(mins(BERLIN_OFFICE, '2026-07-15T05:00:00+02:00', '2026-07-15T21:00:00+02:00')).to.equal(540);
    });

    it('boundaries are half-open: [17:00, 18:00) and [07:00, 08:00) are closed', () => {
      expect(mins(BERLIN_OFFICE, '2026-01-14T17:00:00+01:00', '2026-01-14T18:00:00+01:00')).to.equal(0);
      expect(mins(BERLIN_OFFICE, '2026-01-14T07:00:00+01:00', '2026-01-14T08:00:00+01:00')).to.equal(0);
      expect(mins(BERLIN_OFFICE, '2026-01-14T16:59:00+01:00', '2026-01-14T17:00:00+01:00')).to.equal(1);
    });

    it('is fractional (30 s → 0.5 min)', () => {
      expect(mins(BERLIN_OFFICE, '2026-01-14T08:00:30+01:00', '2026-01-14T08:01:00+01:00')).to.equal(0.5);
    });

    it('across a night: Wed 16:00 → Thu 09:30 = 60 + 90', () => {
      expect(mins(BERLIN_OFFICE, '2026-01-14T16:00:00+01:00', '2026-01-15T09:30:00+01:00')).to.equal(150);
      expect(wins(BERLIN_OFFICE, '2026-01-14T16:00:00+01:00', '2026-01-15T09:30:00+01:00')).to.deep.equal([
        ['2026-01-14T15:00:00.000Z', '2026-01-14T16:00:00.000Z'],
        ['2026-01-15T07:00:00.000Z', '2026-01-15T08:30:00.000Z'],
      ]);
    });

    it('across a weekend: Fri 15:00 → Mon 10:00 = 120 + 120', () => {
      expect(mins(BERLIN_OFFICE, '2026-01-16T15:00:00+01:00', '2026-01-19T10:00:00+01:00')).to.equal(240);
      expect(mins(BERLIN_OFFICE, '2026-01-17T00:00:00+01:00', '2026-01-19T00:00:00+01:00')).to.equal(0);
    });

    it('a holiday is closed: Wed 2025-12-31 16:00 → Fri 2026-01-02 09:00 skips New Year', () => {
      expect(mins(BERLIN_OFFICE, '2025-12-31T16:00:00+01:00', '2026-01-02T09:00:00+01:00')).to.equal(120);
      expect(mins(BERLIN_OFFICE, '2026-01-01T00:00:00+01:00', '2026-01-02T00:00:00+01:00')).to.equal(0);
      expect(mins({ ...BERLIN_OFFICE, holidays: [] }, '2026-01-01T00:00:00+01:00', '2026-01-02T00:00:00+01:00')).to.equal(540);
    });

    it('a full week with a holiday: 4 × 540', () => {
      // Mon 2026-04-27 … Sun 2026-05-03, Fri 2026-05-01 is a holiday
      expect(mins(BERLIN_OFFICE, '2026-04-27T00:00:00+02:00', '2026-05-04T00:00:00+02:00')).to.equal(4 * 540);
      expect(openWindows(BERLIN_OFFICE, d('2026-04-27T00:00:00+02:00'), d('2026-05-04T00:00:00+02:00'))).to.have.length(4);
    });

    it('unsorted spans within a day still give sorted windows, and the calendar is not modified', () => {
      const calendar: ShopCalendar = {
        timezone: 'Europe/Berlin',
        weeklyHours: { wed: [span('14:00', '17:00'), span('08:00', '12:00')] },
        holidays: [],
      };
      const before = JSON.stringify(calendar);
      expect(wins(calendar, '2026-01-14T00:00:00+01:00', '2026-01-15T00:00:00+01:00')).to.deep.equal([
        ['2026-01-14T07:00:00.000Z', '2026-01-14T11:00:00.000Z'],
        ['2026-01-14T13:00:00.000Z', '2026-01-14T16:00:00.000Z'],
      ]);
      expect(JSON.stringify(calendar)).to.equal(before);
    });

    it('adjacent spans are merged into one window', () => {
      const calendar: ShopCalendar = {
        timezone: 'Europe/Berlin',
        weeklyHours: { wed: [span('08:00', '12:00'), span('12:00', '17:00')] },
        holidays: [],
      };
      expect(wins(calendar, '2026-01-14T00:00:00+01:00', '2026-01-15T00:00:00+01:00')).to.deep.equal([
        ['2026-01-14T07:00:00.000Z', '2026-01-14T16:00:00.000Z'],
      ]);
    });

    it('other zones: Asia/Tokyo (+09, no DST) and Asia/Kolkata (+05:30)', () => {
      const tokyo = { ...BERLIN_OFFICE, timezone: 'Asia/Tokyo', holidays: [] };
      expect(wins(tokyo, '2026-07-15T00:00:00+09:00', '2026-07-16T00:00:00+09:00')).to.deep.equal([
        ['2026-07-14T23:00:00.000Z', '2026-07-15T08:00:00.000Z'],
      ]);
      const kolkata = { ...BERLIN_OFFICE, timezone: 'Asia/Kolkata', holidays: [] };
      expect(wins(kolkata, '2026-07-15T00:00:00+05:30', '2026-07-16T00:00:00+05:30')).to.deep.equal([
        ['2026-07-15T02:30:00.000Z', '2026-07-15T11:30:00.000Z'],
      ]);
    });
  });

  describe('overnight spans (22:00–06:00)', () => {
    it('Fri 22:00–06:00 runs into Saturday morning', () => {
      // Fri 2026-01-16
      expect(wins(NIGHT_SHIFTS(), '2026-01-16T12:00:00+01:00', '2026-01-17T12:00:00+01:00')).to.deep.equal([
        ['2026-01-16T21:00:00.000Z', '2026-01-17T05:00:00.000Z'],
      ]);
      expect(mins(NIGHT_SHIFTS(), '2026-01-16T12:00:00+01:00', '2026-01-17T12:00:00+01:00')).to.equal(480);
      expect(mins(NIGHT_SHIFTS(), '2026-01-16T23:00:00+01:00', '2026-01-17T02:00:00+01:00')).to.equal(180);
      // a range that starts on Saturday still sees the span that started on Friday
      expect(mins(NIGHT_SHIFTS(), '2026-01-17T00:00:00+01:00', '2026-01-17T12:00:00+01:00')).to.equal(360);
    });

    it('a holiday on Friday closes the whole span; a holiday on Saturday does not touch it', () => {
      expect(mins(NIGHT_SHIFTS(['2026-01-16']), '2026-01-16T12:00:00+01:00', '2026-01-17T12:00:00+01:00')).to.equal(0);
      expect(mins(NIGHT_SHIFTS(['2026-01-16']), '2026-01-17T00:00:00+01:00', '2026-01-17T12:00:00+01:00')).to.equal(0);
      expect(mins(NIGHT_SHIFTS(['2026-01-17']), '2026-01-16T12:00:00+01:00', '2026-01-17T12:00:00+01:00')).to.equal(480);
    });

    it('across the week boundary: Sun 22:00–06:00 runs into Monday', () => {
      // Sun 2026-01-18 → Mon 2026-01-19
      expect(wins(NIGHT_SHIFTS(), '2026-01-18T12:00:00+01:00', '2026-01-19T12:00:00+01:00')).to.deep.equal([
        ['2026-01-18T21:00:00.000Z', '2026-01-19T05:00:00.000Z'],
      ]);
      expect(mins(NIGHT_SHIFTS(), '2026-01-19T00:00:00+01:00', '2026-01-19T12:00:00+01:00')).to.equal(360);
      expect(mins(NIGHT_SHIFTS(['2026-01-19']), '2026-01-18T12:00:00+01:00', '2026-01-19T12:00:00+01:00')).to.equal(480);
      expect(mins(NIGHT_SHIFTS(['2026-01-18']), '2026-01-18T12:00:00+01:00', '2026-01-19T12:00:00+01:00')).to.equal(0);
    });

    it('a whole week has two 8-hour night shifts', () => {
      // Mon 00:00 → Mon 00:00: tail of the previous Sunday night (360) + Friday (480) + start of Sunday's (120)
      expect(mins(NIGHT_SHIFTS(), '2026-01-12T00:00:00+01:00', '2026-01-19T00:00:00+01:00')).to.equal(360 + 480 + 120);
      expect(mins(NIGHT_SHIFTS(), '2026-01-12T06:00:00+01:00', '2026-01-19T06:00:00+01:00')).to.equal(960);
    });

    it('end 00:00 means midnight, end 24:00 too; spans touching at midnight merge', () => {
      const calendar: ShopCalendar = {
        timezone: 'Europe/Berlin',
        weeklyHours: { thu: [span('22:00', '00:00')], fri: [span('20:00', '24:00')], sat: [span('00:00', '02:00')] },
        holidays: [],
      };
      expect(wins(calendar, '2026-01-15T00:00:00+01:00', '2026-01-18T00:00:00+01:00')).to.deep.equal([
        ['2026-01-15T21:00:00.000Z', '2026-01-15T23:00:00.000Z'],
        ['2026-01-16T19:00:00.000Z', '2026-01-17T01:00:00.000Z'],
      ]);
    });

    it('open around the clock every day → one window for the whole range', () => {
      const calendar = everyDay('Europe/Berlin', span('06:00', '22:00'), span('22:00', '06:00'));
      expect(wins(calendar, '2026-03-01T00:00:00Z', '2026-11-30T00:00:00Z')).to.deep.equal([
        ['2026-03-01T00:00:00.000Z', '2026-11-30T00:00:00.000Z'],
      ]);
    });
  });

  describe('DST changes in the shop time zone', () => {
    describe('Europe/Berlin spring forward, Sun 2026-03-29 (02:00 CET → 03:00 CEST at 01:00Z)', () => {
      const day = ['2026-03-28T12:00:00Z', '2026-03-30T12:00:00Z'] as const;

      it('a span away from the gap keeps its length: 08:00–17:00 = 540', () => {
        expect(mins(sundays('Europe/Berlin', span('08:00', '17:00')), ...day)).to.equal(540);
        expect(wins(sundays('Europe/Berlin', span('08:00', '17:00')), ...day)).to.deep.equal([
          ['2026-03-29T06:00:00.000Z', '2026-03-29T15:00:00.000Z'],
        ]);
      });

      it('a span containing the gap loses the hour: 01:00–04:00 = 120', () => {
        expect(wins(sundays('Europe/Berlin', span('01:00', '04:00')), ...day)).to.deep.equal([
          ['2026-03-29T00:00:00.000Z', '2026-03-29T02:00:00.000Z'],
        ]);
        expect(mins(sundays('Europe/Berlin', span('01:00', '04:00')), ...day)).to.equal(120);
      });

      it('a time inside the gap maps to the first instant after it: 02:30–03:30 = 03:00–03:30 CEST', () => {
        expect(wins(sundays('Europe/Berlin', span('02:30', '03:30')), ...day)).to.deep.equal([
          ['2026-03-29T01:00:00.000Z', '2026-03-29T01:30:00.000Z'],
        ]);
        expect(mins(sundays('Europe/Berlin', span('01:00', '02:30')), ...day)).to.equal(60);
      });

      it('a span entirely inside the gap is empty', () => {
        expect(wins(sundays('Europe/Berlin', span('02:00', '03:00')), ...day)).to.deep.equal([]);
        expect(mins(sundays('Europe/Berlin', span('02:10', '02:50')), ...day)).to.equal(0);
      });

      it('an overnight span across the gap: Sat 22:00 CET → Sun 06:00 CEST = 420', () => {
        const calendar: ShopCalendar = { timezone: 'Europe/Berlin', weeklyHours: { sat: [span('22:00', '06:00')] }, holidays: [] };
        expect(wins(calendar, ...day)).to.deep.equal([['2026-03-28T21:00:00.000Z', '2026-03-29T04:00:00.000Z']]);
        expect(mins(calendar, ...day)).to.equal(420);
      });

      it('the office week around the change is 5 × 540', () => {
        expect(mins(BERLIN_OFFICE, '2026-03-23T00:00:00+01:00', '2026-03-30T00:00:00+02:00')).to.equal(5 * 540);
        expect(mins(BERLIN_OFFICE, '2026-03-30T00:00:00+02:00', '2026-03-31T00:00:00+02:00')).to.equal(540);
      });
    });

    describe('Europe/Berlin fall back, Sun 2026-10-25 (03:00 CEST → 02:00 CET at 01:00Z)', () => {
      const day = ['2026-10-24T12:00:00Z', '2026-10-26T12:00:00Z'] as const;

      it('a span away from the repeated hour keeps its length: 08:00–17:00 = 540', () => {
        expect(mins(sundays('Europe/Berlin', span('08:00', '17:00')), ...day)).to.equal(540);
      });

      it('a span containing the repeated hour gains it: 01:00–04:00 = 240', () => {
        expect(wins(sundays('Europe/Berlin', span('01:00', '04:00')), ...day)).to.deep.equal([
          ['2026-10-24T23:00:00.000Z', '2026-10-25T03:00:00.000Z'],
        ]);
        expect(mins(sundays('Europe/Berlin', span('01:00', '04:00')), ...day)).to.equal(240);
      });

      it('an ambiguous time maps to the earlier instant: 02:30–03:30 = 02:30 CEST → 03:30 CET = 120', () => {
        expect(wins(sundays('Europe/Berlin', span('02:30', '03:30')), ...day)).to.deep.equal([
          ['2026-10-25T00:30:00.000Z', '2026-10-25T02:30:00.000Z'],
        ]);
        expect(mins(sundays('Europe/Berlin', span('02:00', '02:30')), ...day)).to.equal(30);
        expect(mins(sundays('Europe/Berlin', span('03:00', '04:00')), ...day)).to.equal(60);
      });

      it('an overnight span across the change: Sat 22:00 CEST → Sun 06:00 CET = 540', () => {
        const calendar: ShopCalendar = { timezone: 'Europe/Berlin', weeklyHours: { sat: [span('22:00', '06:00')] }, holidays: [] };
        expect(mins(calendar, ...day)).to.equal(540);
      });

      it('a range inside the repeated hour is clipped exactly', () => {
        // 01:15Z–01:45Z is 02:15–02:45 CET, the second pass through 02:xx
        expect(mins(sundays('Europe/Berlin', span('01:00', '04:00')), '2026-10-25T01:15:00Z', '2026-10-25T01:45:00Z')).to.equal(30);
        expect(mins(sundays('Europe/Berlin', span('02:00', '02:30')), '2026-10-25T01:00:00Z', '2026-10-25T02:00:00Z')).to.equal(0);
      });
    });

    describe('America/New_York spring forward, Sun 2026-03-08 (02:00 EST → 03:00 EDT at 07:00Z)', () => {
      const day = ['2026-03-07T12:00:00Z', '2026-03-09T12:00:00Z'] as const;

      it('01:00–04:00 = 120', () => {
        expect(wins(sundays('America/New_York', span('01:00', '04:00')), ...day)).to.deep.equal([
          ['2026-03-08T06:00:00.000Z', '2026-03-08T08:00:00.000Z'],
        ]);
      });

      it('02:15 (in the gap) → 03:00 EDT: 02:15–05:00 = 120', () => {
        expect(wins(sundays('America/New_York', span('02:15', '05:00')), ...day)).to.deep.equal([
          ['2026-03-08T07:00:00.000Z', '2026-03-08T09:00:00.000Z'],
        ]);
      });

      it('09:00–17:00 = 480 and the Saturday night 22:00–06:00 = 420', () => {
        expect(mins(sundays('America/New_York', span('09:00', '17:00')), ...day)).to.equal(480);
        const calendar: ShopCalendar = { timezone: 'America/New_York', weeklyHours: { sat: [span('22:00', '06:00')] }, holidays: [] };
        expect(mins(calendar, ...day)).to.equal(420);
      });
    });

    describe('America/New_York fall back, Sun 2026-11-01 (02:00 EDT → 01:00 EST at 06:00Z)', () => {
      const day = ['2026-10-31T12:00:00Z', '2026-11-02T12:00:00Z'] as const;

      it('00:30–03:00 contains the repeated hour = 210', () => {
        expect(wins(sundays('America/New_York', span('00:30', '03:00')), ...day)).to.deep.equal([
          ['2026-11-01T04:30:00.000Z', '2026-11-01T08:00:00.000Z'],
        ]);
      });

      it('01:30 (ambiguous) → 01:30 EDT: 01:30–02:00 = 90', () => {
        expect(wins(sundays('America/New_York', span('01:30', '02:00')), ...day)).to.deep.equal([
          ['2026-11-01T05:30:00.000Z', '2026-11-01T07:00:00.000Z'],
        ]);
        expect(mins(sundays('America/New_York', span('01:30', '02:00')), ...day)).to.equal(90);
      });

      it('the Saturday night 22:00 EDT → 06:00 EST = 540', () => {
        const calendar: ShopCalendar = { timezone: 'America/New_York', weeklyHours: { sat: [span('22:00', '06:00')] }, holidays: [] };
        expect(wins(calendar, ...day)).to.deep.equal([['2026-11-01T02:00:00.000Z', '2026-11-01T11:00:00.000Z']]);
      });
    });

    it('southern hemisphere, 30-minute change: Australia/Lord_Howe Sun 2026-04-05 (02:00 +11 → 01:30 +10:30)', () => {
      // 01:00 +11 = 14:00Z; 03:00 +10:30 = 16:30Z
      expect(wins(sundays('Australia/Lord_Howe', span('01:00', '03:00')), '2026-04-04T00:00:00Z', '2026-04-06T00:00:00Z')).to.deep.equal([
        ['2026-04-04T14:00:00.000Z', '2026-04-04T16:30:00.000Z'],
      ]);
    });
  });

  describe('ShopCalendarSchema', () => {
    /** Issues of a failed parse as "path: message". */
    const issuesOf = (input: unknown): string[] => {
      const result = ShopCalendarSchema.safeParse(input);
      expect(result.success, `expected ${JSON.stringify(input).slice(0, 200)} to be rejected`).to.equal(false);
      return result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    const withWeek = (weeklyHours: unknown, extra: Record<string, unknown> = {}) => ({
      timezone: 'Europe/Berlin',
      weeklyHours,
      holidays: [],
      ...extra,
    });
    const dates = (n: number) =>
      Array.from({ length: n }, (_, i) => new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10));

    it('accepts valid calendars unchanged; holidays default to []', () => {
      expect(ShopCalendarSchema.parse(BERLIN_OFFICE)).to.deep.equal(BERLIN_OFFICE);
      expect(ShopCalendarSchema.parse(NIGHT_SHIFTS(['2026-01-16']))).to.deep.equal(NIGHT_SHIFTS(['2026-01-16']));
      expect(ShopCalendarSchema.parse({ timezone: 'UTC', weeklyHours: { mon: [span('00:00', '24:00')] } })).to.deep.equal({
        timezone: 'UTC',
        weeklyHours: { mon: [span('00:00', '24:00')] },
        holidays: [],
      });
    });

    it('accepts touching spans, overnight hand-overs and closed ([]) days', () => {
      const ok = withWeek({
        mon: [span('08:00', '12:00'), span('12:00', '17:00')],
        fri: [span('22:00', '06:00')],
        sat: [span('06:00', '10:00'), span('20:00', '24:00')],
        sun: [span('00:00', '02:00'), span('22:00', '06:00')],
        tue: [],
      });
      expect(ShopCalendarSchema.safeParse(ok).success).to.equal(true);
    });

    it('rejects an unknown time zone, naming timezone', () => {
      const issues = issuesOf({ ...BERLIN_OFFICE, timezone: 'Mars/Olympus_Mons' });
      expect(issues).to.have.length(1);
      expect(issues[0]).to.match(/^timezone: timezone "Mars\/Olympus_Mons" is not a known IANA time zone/);
      expect(issuesOf({ ...BERLIN_OFFICE, timezone: '' })[0]).to.match(/^timezone: timezone/);
      expect(issuesOf({ weeklyHours: BERLIN_OFFICE.weeklyHours })[0]).to.match(/^timezone: timezone must be a string/);
    });

    it('rejects malformed times, naming start/end', () => {
      for (const bad of ['8:00', '24:00', '12:60', '1200', '']) {
        const issues = issuesOf(withWeek({ mon: [span(bad, '17:00')] }));
        expect(issues, bad).to.deep.equal(['weeklyHours.mon.0.start: start must be a local time HH:MM between 00:00 and 23:59']);
      }
      for (const bad of ['24:01', '25:00', '9:00']) {
        const issues = issuesOf(withWeek({ tue: [span('08:00', '17:00'), span('18:00', bad)] }));
        expect(issues, bad).to.deep.equal(['weeklyHours.tue.1.end: end must be a local time HH:MM between 00:00 and 24:00']);
      }
      expect(issuesOf(withWeek({ mon: [{ start: '08:00' }] }))[0]).to.match(/^weeklyHours\.mon\.0\.end: end must be a string/);
      expect(issuesOf(withWeek({ mon: [{ start: '08:00', end: '09:00', note: 'x' }] }))[0]).to.match(/^weeklyHours\.mon\.0: opening span: unknown key\(s\) note/);
    });

    it('rejects an empty span (start = end)', () => {
      expect(issuesOf(withWeek({ mon: [span('08:00', '08:00')] }))).to.deep.equal([
        'weeklyHours.mon.0: opening span is empty: start equals end (use 00:00–24:00 for a whole day)',
      ]);
    });

    it('rejects overlapping spans on the same day, naming both', () => {
      const issues = issuesOf(withWeek({ mon: [span('08:00', '12:00'), span('11:00', '13:00')] }));
      expect(issues).to.deep.equal(['weeklyHours.mon.1: weeklyHours: opening span mon 11:00–13:00 overlaps mon 08:00–12:00']);
      expect(issuesOf(withWeek({ wed: [span('08:00', '17:00'), span('10:00', '11:00')] }))[0]).to.match(/wed 10:00–11:00 overlaps wed 08:00–17:00/);
    });

    it('rejects an overnight span overlapping the next day, including Sunday → Monday', () => {
      expect(issuesOf(withWeek({ fri: [span('22:00', '06:00')], sat: [span('05:00', '10:00')] }))).to.deep.equal([
        'weeklyHours.sat.0: weeklyHours: opening span sat 05:00–10:00 overlaps fri 22:00–06:00',
      ]);
      expect(issuesOf(withWeek({ sun: [span('22:00', '06:00')], mon: [span('05:30', '09:00')] }))).to.deep.equal([
        'weeklyHours.mon.0: weeklyHours: opening span mon 05:30–09:00 overlaps sun 22:00–06:00',
      ]);
      // two overnight spans on the same day
      expect(issuesOf(withWeek({ thu: [span('22:00', '06:00'), span('23:00', '01:00')] }))[0]).to.match(/overlaps/);
    });

    it('rejects an unknown weekday key, naming weeklyHours and the key', () => {
      expect(issuesOf(withWeek({ mon: nineToFive(), monday: [span('08:00', '17:00')] }))).to.deep.equal([
        'weeklyHours: weeklyHours: unknown weekday key(s) monday (expected mon, tue, wed, thu, fri, sat, sun)',
      ]);
    });

    it('rejects unknown top-level keys and non-objects', () => {
      expect(issuesOf({ ...BERLIN_OFFICE, tz: 'UTC' })).to.deep.equal([
        ': shop calendar: unknown key(s) tz (expected timezone, weeklyHours, holidays)',
      ]);
      expect(issuesOf('Europe/Berlin')[0]).to.match(/shop calendar must be an object/);
      expect(issuesOf(withWeek([span('08:00', '17:00')]))[0]).to.match(/^weeklyHours: weeklyHours must be an object/);
    });

    it('rejects a week without any span', () => {
      expect(issuesOf(withWeek({}))).to.deep.equal([
        'weeklyHours: weeklyHours must contain at least one opening span (use no calendar for 24/7)',
      ]);
      expect(issuesOf(withWeek({ mon: [], sun: [] }))[0]).to.match(/at least one opening span/);
    });

    it('allows at most 14 spans per day', () => {
      const hours = (n: number) => Array.from({ length: n }, (_, i) => span(`${String(i).padStart(2, '0')}:00`, `${String(i).padStart(2, '0')}:30`));
      expect(ShopCalendarSchema.safeParse(withWeek({ mon: hours(14) })).success).to.equal(true);
      expect(issuesOf(withWeek({ mon: hours(15) }))).to.deep.equal(['weeklyHours.mon: at most 14 opening spans per weekday']);
    });

    it('rejects duplicate and invalid holidays, naming holidays', () => {
      expect(issuesOf({ ...BERLIN_OFFICE, holidays: ['2026-12-25', '2026-12-26', '2026-12-25'] })).to.deep.equal([
        'holidays.2: holidays: 2026-12-25 is listed twice (first at index 0)',
      ]);
      for (const bad of ['2026-02-30', '2026-13-01', '2026-1-05', '26-01-05', '2026-01-05T00:00']) {
        expect(issuesOf({ ...BERLIN_OFFICE, holidays: [bad] }), bad).to.deep.equal([
          `holidays.0: holiday ${JSON.stringify(bad)} is not a valid date YYYY-MM-DD`,
        ]);
      }
      expect(ShopCalendarSchema.safeParse({ ...BERLIN_OFFICE, holidays: ['2028-02-29'] }).success).to.equal(true);
    });

    it('allows at most 1000 holidays', () => {
      expect(ShopCalendarSchema.safeParse({ ...BERLIN_OFFICE, holidays: dates(1000) }).success).to.equal(true);
      expect(issuesOf({ ...BERLIN_OFFICE, holidays: dates(1001) })).to.deep.equal(['holidays: holidays: at most 1000 dates']);
    });
  });

  describe('businessMinutesOfUnion', () => {
    const iv = (start: string, end: string | null) => ({ start: d(start), end: end === null ? null : d(end) });
    // Wed 2026-01-14 08:00–17:00 CET = 07:00Z–16:00Z
    const FROM = d('2026-01-14T00:00:00Z');
    const TO = d('2026-01-15T00:00:00Z');
    const LATER = d('2026-02-01T00:00:00Z');

    it('overlapping intervals are counted once, only inside opening hours', () => {
      // [06:00Z, 09:00Z) ∪ [08:00Z, 10:00Z) = [06:00Z, 10:00Z) → open part 07:00Z–10:00Z
      expect(businessMinutesOfUnion(BERLIN_OFFICE, [iv('2026-01-14T06:00:00Z', '2026-01-14T09:00:00Z'), iv('2026-01-14T08:00:00Z', '2026-01-14T10:00:00Z')], FROM, TO, LATER)).to.equal(180);
    });

    it('nested intervals are counted once', () => {
      expect(businessMinutesOfUnion(BERLIN_OFFICE, [iv('2026-01-14T05:00:00Z', '2026-01-14T20:00:00Z'), iv('2026-01-14T09:00:00Z', '2026-01-14T10:00:00Z')], FROM, TO, LATER)).to.equal(540);
    });

    it('open-ended intervals run until now', () => {
      expect(businessMinutesOfUnion(BERLIN_OFFICE, [iv('2026-01-14T06:00:00Z', null)], FROM, TO, d('2026-01-14T09:30:00Z'))).to.equal(150);
      expect(businessMinutesOfUnion(BERLIN_OFFICE, [iv('2026-01-14T06:00:00Z', null)], FROM, TO, LATER)).to.equal(540);
      expect(businessMinutesOfUnion(BERLIN_OFFICE, [iv('2026-01-14T12:00:00Z', null)], FROM, TO, d('2026-01-14T11:00:00Z'))).to.equal(0);
    });

    it('intervals spanning several days, a weekend and a holiday', () => {
      // Wed 2025-12-31 → Mon 2026-01-05 12:00 CET: Wed 540 + Thu holiday + Fri 540 + Mon 240
      expect(businessMinutesOfUnion(BERLIN_OFFICE, [iv('2025-12-31T00:00:00+01:00', '2026-01-05T12:00:00+01:00')], d('2025-12-01T00:00:00Z'), d('2026-02-01T00:00:00Z'), LATER)).to.equal(1320);
    });

    it('empty list, closed-time-only and out-of-range intervals → 0', () => {
      expect(businessMinutesOfUnion(BERLIN_OFFICE, [], FROM, TO, LATER)).to.equal(0);
      expect(businessMinutesOfUnion(BERLIN_OFFICE, [iv('2026-01-14T17:00:00Z', '2026-01-14T23:00:00Z')], FROM, TO, LATER)).to.equal(0);
      expect(businessMinutesOfUnion(BERLIN_OFFICE, [iv('2026-01-13T08:00:00Z', '2026-01-13T12:00:00Z')], FROM, TO, LATER)).to.equal(0);
    });

    it('does not reorder the caller\'s array', () => {
      const input = [iv('2026-01-14T12:00:00Z', '2026-01-14T13:00:00Z'), iv('2026-01-14T08:00:00Z', '2026-01-14T09:00:00Z')];
      businessMinutesOfUnion(BERLIN_OFFICE, input, FROM, TO, LATER);
      expect(input[0]!.start.toISOString()).to.equal('2026-01-14T12:00:00.000Z');
    });

    describe('against a minute-by-minute brute force (deterministic pseudo-random cases)', () => {
      // Reference: a minute is open when its LOCAL wall time (read independently through Intl) lies in
      // a span of its local date, or in the overnight tail of a span of the previous local date, and
      // that date is not a holiday. For wall-clock boundaries on whole hours this is the same as the
      // module's instant-based definition, also on DST days (only boundaries strictly inside a
      // repeated hour could differ), so the fixtures below use whole-hour boundaries.
      const FIXTURES: ShopCalendar[] = [
        {
          timezone: 'Europe/Berlin',
          weeklyHours: { ...BERLIN_OFFICE.weeklyHours, sat: [span('09:00', '13:00')], sun: [span('01:00', '04:00')] },
          holidays: ['2026-01-01', '2026-03-30', '2026-10-24'],
        },
        {
          timezone: 'Europe/Berlin',
          weeklyHours: {
            wed: [span('20:00', '02:00')],
            fri: [span('22:00', '06:00')],
            sat: [span('22:00', '24:00')],
            sun: [span('01:00', '04:00'), span('22:00', '06:00')],
          },
          holidays: ['2026-01-16', '2026-10-25'],
        },
        {
          timezone: 'America/New_York',
          weeklyHours: {
            mon: [span('09:00', '17:00')],
            tue: [span('09:00', '17:00')],
            fri: [span('22:00', '06:00')],
            sat: [span('10:00', '12:00')],
            sun: [span('01:00', '03:00'), span('09:00', '17:00')],
          },
          holidays: ['2026-01-01', '2026-03-09'],
        },
      ];
      // Dates around DST changes, holidays, weekends and the week boundary.
      const ANCHORS = ['2026-03-29', '2026-10-25', '2026-03-08', '2026-11-01', '2026-01-01', '2026-01-16', '2026-01-18', '2026-05-01'].map(
        (date) => Date.parse(`${date}T00:00:00Z`),
      );

      const MIN = 60_000;
      const HOUR = 3_600_000;
      const DAY = 86_400_000;
      const formatters = new Map<string, Intl.DateTimeFormat>();
      /** Local date (days since epoch) and minute of day of the instant t, read through Intl. */
      const wallAt = (timezone: string, t: number) => {
        let format = formatters.get(timezone);
        if (!format) {
          format = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
          formatters.set(timezone, format);
        }
        const p = Object.fromEntries(format.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
        return { date: Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day)) / DAY, minute: Number(p.hour) * 60 + Number(p.minute) };
      };
      const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
      /** Open/closed for each minute of [from, from + n min) (from on a whole minute; whole-hour UTC offsets only). */
      const openFlags = (calendar: ShopCalendar | null, from: number, n: number): boolean[] => {
        if (calendar === null) return new Array<boolean>(n).fill(true);
        const days = new Map<number, { holiday: boolean; spans: (readonly [number, number])[] }>();
        const dayInfo = (day: number) => {
          let info = days.get(day);
          if (!info) {
            const weekday: Weekday = WEEKDAYS[(new Date(day * DAY).getUTCDay() + 6) % 7]!;
            info = {
              holiday: calendar.holidays.includes(new Date(day * DAY).toISOString().slice(0, 10)),
              spans: (calendar.weeklyHours[weekday] ?? []).map((sp) => {
                const start = toMinutes(sp.start);
                const end = toMinutes(sp.end);
                return [start, end <= start ? end + 1440 : end] as const;
              }),
            };
            days.set(day, info);
          }
          return info;
        };
        const flags: boolean[] = [];
        let hour = Number.NaN;
        let base = { date: 0, minute: 0 };
        for (let i = 0; i < n; i++) {
          const t = from + i * MIN;
          if (Math.floor(t / HOUR) * HOUR !== hour) {
            hour = Math.floor(t / HOUR) * HOUR;
            base = wallAt(calendar.timezone, hour);
          }
          const minute = base.minute + (t - hour) / MIN;
          const today = dayInfo(base.date);
          const yesterday = dayInfo(base.date - 1);
          flags.push(
            (!today.holiday && today.spans.some(([st, e]) => st <= minute && minute < e)) ||
              (!yesterday.holiday && yesterday.spans.some(([, e]) => e > 1440 && minute + 1440 < e)),
          );
        }
        return flags;
      };

      it('matches on a few hundred cases (intervals overlapping, nested, open-ended)', () => {
        for (const calendar of FIXTURES) expect(ShopCalendarSchema.safeParse(calendar).success).to.equal(true);
        // Park–Miller generator (products stay below 2^53) so the cases are the same every run.
        let seed = 20_260_329;
        const rand = (n: number) => {
          seed = (seed * 48_271) % 2_147_483_647;
          return seed % n;
        };
        for (let round = 0; round < 300; round++) {
          const calendar = rand(8) === 0 ? null : FIXTURES[rand(FIXTURES.length)]!;
          const from = ANCHORS[rand(ANCHORS.length)]! + (rand(48 * 60) - 24 * 60) * MIN;
          const length = rand(36 * 60);
          const to = from + length * MIN;
          const intervals: { start: Date; end: Date | null }[] = [];
          for (let k = rand(6); k > 0; k--) {
            const start = from + (rand(length + 240) - 120) * MIN;
            const roll = rand(6);
            // open-ended, nested in the previous one, or a random length up to 10 h
            const previous = intervals[intervals.length - 1];
            if (roll === 0) intervals.push({ start: new Date(start), end: null });
            else if (roll === 1 && previous?.end) {
              const s = previous.start.getTime() + rand(60) * MIN;
              intervals.push({ start: new Date(s), end: new Date(Math.min(previous.end.getTime(), s + rand(120) * MIN)) });
            } else intervals.push({ start: new Date(start), end: new Date(start + rand(600) * MIN) });
          }
          const now = from + (rand(length + 240) - 60) * MIN;

          const flags = openFlags(calendar, from, length);
          let open = 0;
          let covered = 0;
          for (let m = 0; m < length; m++) {
            if (!flags[m]) continue;
            open++;
            const t = from + m * MIN;
            if (intervals.some((i) => i.start.getTime() <= t && t + MIN <= (i.end?.getTime() ?? now))) covered++;
          }
          const label = `round ${round}: ${calendar?.timezone ?? '24/7'} ${new Date(from).toISOString()} +${length}m ${JSON.stringify(intervals)} now=${new Date(now).toISOString()}`;
          const union = businessMinutesOfUnion(calendar, intervals, new Date(from), new Date(to), new Date(now));
          expect(union, label).to.equal(covered);
          expect(businessMinutesBetween(calendar, new Date(from), new Date(to)), label).to.equal(open);
          expect(union, label).to.be.at.most(unionOverlapMinutes(intervals, new Date(from), new Date(to), new Date(now)));
        }
      });

      it('openWindows is sorted, disjoint, non-adjacent and clipped on random ranges', () => {
        let seed = 777;
        const rand = (n: number) => {
          seed = (seed * 48_271) % 2_147_483_647;
          return seed % n;
        };
        for (let round = 0; round < 100; round++) {
          const calendar = FIXTURES[rand(FIXTURES.length)]!;
          const from = ANCHORS[rand(ANCHORS.length)]! + (rand(10_000) - 5_000) * 60_000 + rand(60_000);
          const to = from + rand(20 * 86_400_000);
          const windows = openWindows(calendar, new Date(from), new Date(to));
          let previousEnd = -Infinity;
          for (const w of windows) {
            expect(w.start.getTime()).to.be.above(previousEnd);
            expect(w.end.getTime()).to.be.above(w.start.getTime());
            expect(w.start.getTime()).to.be.at.least(from);
            expect(w.end.getTime()).to.be.at.most(to);
            previousEnd = w.end.getTime();
          }
        }
      });
    });
  });

  describe('long ranges (2 years, iterated by day)', () => {
    const FROM = d('2026-01-01T00:00:00Z');
    const TO = d('2028-01-01T00:00:00Z');

    it('Mon–Fri office: one window per working day', () => {
      // 2026 and 2027 both have 261 weekdays (each starts on Thu resp. Fri and has 365 days).
      // Holidays on weekdays: 7 of the 9 below (2026-10-03 and 2026-12-26 are Saturdays).
      const calendar: ShopCalendar = {
        ...BERLIN_OFFICE,
        holidays: ['2026-01-01', '2026-04-03', '2026-04-06', '2026-05-01', '2026-05-14', '2026-05-25', '2026-10-03', '2026-12-25', '2026-12-26'],
      };
      const windows = openWindows(calendar, FROM, TO);
      expect(windows).to.have.length(261 + 261 - 7);
      // four DST changes in between, none inside 08:00–17:00: every window is exactly 9 h
      expect(windows.every((w) => w.end.getTime() - w.start.getTime() === 9 * 3_600_000)).to.equal(true);
      expect(businessMinutesBetween(calendar, FROM, TO)).to.equal(515 * 540);
      expect(windows[0]!.start.toISOString()).to.equal('2026-01-02T07:00:00.000Z');
      expect(windows[windows.length - 1]!.end.toISOString()).to.equal('2027-12-31T16:00:00.000Z');
    });

    it('open around the clock via day + night spans → a single window of 730 days', () => {
      const calendar = everyDay('America/New_York', span('06:00', '22:00'), span('22:00', '06:00'));
      expect(openWindows(calendar, FROM, TO)).to.have.length(1);
      expect(businessMinutesBetween(calendar, FROM, TO)).to.equal(730 * 1440);
    });

    it('night shifts: one window per Friday and Sunday night', () => {
      // 2026-01-01 … 2027-12-31: 105 Fridays (2027 has 53), 104 Sundays. Berlin changes clocks on
      // Sundays at 01:00Z, between the Friday and the Sunday night, so every night is 8 h, except the
      // last one (Fri 2027-12-31 22:00 CET = 21:00Z), clipped to 3 h at the end of the range.
      const windows = openWindows(NIGHT_SHIFTS(), FROM, TO);
      expect(windows).to.have.length(105 + 104);
      expect(windows.slice(0, -1).every((w) => w.end.getTime() - w.start.getTime() === 8 * 3_600_000)).to.equal(true);
      expect([windows.at(-1)!.start.toISOString(), windows.at(-1)!.end.toISOString()]).to.deep.equal([
        '2027-12-31T21:00:00.000Z',
        '2028-01-01T00:00:00.000Z',
      ]);
      expect(businessMinutesBetween(NIGHT_SHIFTS(), FROM, TO)).to.equal(208 * 480 + 180);
    });
  });
});
