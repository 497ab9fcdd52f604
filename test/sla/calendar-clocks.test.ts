import { expect } from 'chai';
import { buildTicket, buildUser, expectError, loginAdmin, type TestUser } from '../support/factories.js';
import { useProduct } from '../support/harness.js';
import {
  cancelQuietly,
  measure,
  ok,
  openStockout,
  parts,
  probeRule,
  resolveStockout,
  setClock,
  SLA_TEST_ENV,
  ticketWithParts,
} from '../support/sla.js';

/**
 * Business-hours clocks (api.md: "Clocks count 24/7 unless a shop calendar is configured"): with a
 * calendar set through PUT /calendar, SLA clocks count only the minutes inside its opening hours —
 * overnight, weekends, holidays, DST changes in the shop time zone (Europe/Berlin: 2026-03-29 02:00 CET
 * → 03:00 CEST, 2026-10-25 03:00 CEST → 02:00 CET). The rule is a probe (threshold 0, no cooldown).
 */

const WEEKDAYS_8_TO_17 = {
  mon: [{ start: '08:00', end: '17:00' }],
  tue: [{ start: '08:00', end: '17:00' }],
  wed: [{ start: '08:00', end: '17:00' }],
  thu: [{ start: '08:00', end: '17:00' }],
  fri: [{ start: '08:00', end: '17:00' }],
};
const OFFICE = { timezone: 'Europe/Berlin', weeklyHours: WEEKDAYS_8_TO_17, holidays: [] as string[] };

describe('SLA clocks in business hours (shop calendar)', function () {
  this.timeout(120_000);
  const t = useProduct({ manualClock: true, env: SLA_TEST_ENV });
  let admin: TestUser;
  let supervisor: TestUser;
  const KEY = 'TICKET_UNDER_REVIEW_TOO_LONG';

  const putCalendar = async (calendar: unknown) => ok(await admin.api.put('/calendar', calendar), 200, 'PUT /calendar');

  /** Creates an UNDER_REVIEW ticket at `at` (UTC). */
  const ticketAt = async (at: string) => {
    setClock(t, at);
    return buildTicket(supervisor, { title: `created ${at}` });
  };
  /** The ticket's business minutes at `at` (UTC). */
  const minutesAt = async (ticketId: string, at: string, key = KEY) => {
    setClock(t, at);
    return measure(admin, ticketId, key);
  };

  before(async () => {
    admin = await loginAdmin(t.current);
    supervisor = await buildUser(t.current, admin, 'SUPERVISOR');
    await probeRule(admin, KEY);
  });

  describe('GET/PUT/DELETE /calendar', () => {
    it('defaults to 24/7; PUT stores it (ADMIN), GET shows it (SUPERVISOR+), DELETE goes back to 24/7', async () => {
      expect(ok(await supervisor.api.get('/calendar'), 200, 'GET')).to.deep.equal({
        mode: 'ALWAYS_OPEN', timezone: null, weeklyHours: null, holidays: [], updatedAt: null,
      });
      expectError(await supervisor.api.put('/calendar', OFFICE), 403, 'FORBIDDEN');
      const put = await putCalendar({ ...OFFICE, holidays: ['2026-12-25'] });
      const expected = {
        mode: 'BUSINESS_HOURS', timezone: 'Europe/Berlin', weeklyHours: WEEKDAYS_8_TO_17, holidays: ['2026-12-25'],
        updatedAt: t.current.clock!.now().toISOString(),
      };
      expect(put).to.deep.equal(expected);
      expect(ok(await supervisor.api.get('/calendar'), 200, 'GET')).to.deep.equal(expected);
      expectError(await supervisor.api.delete('/calendar'), 403, 'FORBIDDEN');
      expect(ok(await admin.api.delete('/calendar'), 200, 'DELETE')).to.deep.equal({
        mode: 'ALWAYS_OPEN', timezone: null, weeklyHours: null, holidays: [], updatedAt: null,
      });
      expect(ok(await admin.api.get('/calendar'), 200, 'GET').mode).to.equal('ALWAYS_OPEN');
    });

    const BAD: [string, unknown][] = [
      ['unknown time zone', { ...OFFICE, timezone: 'Mars/Olympus_Mons' }],
      ['missing time zone', { weeklyHours: WEEKDAYS_8_TO_17 }],
      ['start 25:00', { ...OFFICE, weeklyHours: { mon: [{ start: '25:00', end: '26:00' }] } }],
      ['end 24:30', { ...OFFICE, weeklyHours: { mon: [{ start: '08:00', end: '24:30' }] } }],
      ['start 8:00 (not HH:MM)', { ...OFFICE, weeklyHours: { mon: [{ start: '8:00', end: '17:00' }] } }],
      ['empty span (start = end)', { ...OFFICE, weeklyHours: { mon: [{ start: '08:00', end: '08:00' }] } }],
      ['overlapping spans', { ...OFFICE, weeklyHours: { mon: [{ start: '08:00', end: '12:00' }, { start: '11:00', end: '13:00' }] } }],
      ['Sunday night overlapping Monday morning', { ...OFFICE, weeklyHours: { sun: [{ start: '22:00', end: '06:00' }], mon: [{ start: '05:00', end: '09:00' }] } }],
      ['no opening hours at all', { ...OFFICE, weeklyHours: {} }],
      ['unknown weekday', { ...OFFICE, weeklyHours: { monday: [{ start: '08:00', end: '17:00' }] } }],
      ['invalid holiday date', { ...OFFICE, holidays: ['2026-02-30'] }],
      ['duplicate holiday', { ...OFFICE, holidays: ['2026-12-25', '2026-12-25'] }],
      ['unknown key', { ...OFFICE, openOnSundays: true }],
      ['not an object', ['Europe/Berlin']],
    ];
    for (const [what, body] of BAD) {
      it(`400 VALIDATION_FAILED: ${what}; nothing stored`, async () => {
        expectError(await admin.api.put('/calendar', body), 400, 'VALIDATION_FAILED');
        expect(ok(await admin.api.get('/calendar'), 200, 'GET').mode).to.equal('ALWAYS_OPEN');
      });
    }

    it('accepts 24:00 as an end and an overnight span', async () => {
      const body = { timezone: 'Europe/Berlin', weeklyHours: { sat: [{ start: '00:00', end: '24:00' }], thu: [{ start: '22:00', end: '06:00' }] } };
      expect(await putCalendar(body)).to.deep.include({ mode: 'BUSINESS_HOURS', holidays: [] });
      ok(await admin.api.delete('/calendar'), 200, 'DELETE');
    });
  });

  describe('clock arithmetic (Europe/Berlin, Mon–Fri 08:00–17:00 local)', () => {
    it('overnight: Mon 16:00 → Tue 09:30 local is 60 + 90 = 150 business minutes', async () => {
      setClock(t, '2026-03-02T09:00:00Z');
      await putCalendar(OFFICE);
      const ticket = await ticketAt('2026-03-02T15:00:00Z'); // Mon 16:00 CET
      expect(await minutesAt(ticket.id, '2026-03-02T15:45:00Z'), 'Mon 16:45').to.equal(45);
      expect(await minutesAt(ticket.id, '2026-03-02T20:00:00Z'), 'Mon 21:00, closed since 17:00').to.equal(60);
      expect(await minutesAt(ticket.id, '2026-03-03T06:59:00Z'), 'Tue 07:59, not open yet').to.equal(60);
      expect(await minutesAt(ticket.id, '2026-03-03T08:30:00Z'), 'Tue 09:30').to.equal(150);
      await cancelQuietly(supervisor, ticket.id);
    });

    it('weekend: Fri 16:00 → Mon 08:30 local is 60 + 30 = 90', async () => {
      const ticket = await ticketAt('2026-03-06T15:00:00Z'); // Fri 16:00 CET
      expect(await minutesAt(ticket.id, '2026-03-07T12:00:00Z'), 'Saturday noon').to.equal(60);
      expect(await minutesAt(ticket.id, '2026-03-08T12:00:00Z'), 'Sunday noon').to.equal(60);
      expect(await minutesAt(ticket.id, '2026-03-09T07:30:00Z'), 'Mon 08:30').to.equal(90);
      await cancelQuietly(supervisor, ticket.id);
    });

    it('holiday: Tue 2026-03-10 closed; Mon 16:00 → Wed 08:15 local is 60 + 0 + 15 = 75', async () => {
      await putCalendar({ ...OFFICE, holidays: ['2026-03-10'] });
      const ticket = await ticketAt('2026-03-09T15:00:00Z'); // Mon 16:00 CET
      expect(await minutesAt(ticket.id, '2026-03-10T12:00:00Z'), 'the holiday, noon').to.equal(60);
      expect(await minutesAt(ticket.id, '2026-03-11T07:15:00Z'), 'Wed 08:15').to.equal(75);
      await cancelQuietly(supervisor, ticket.id);
    });

    it('an overnight span Fri 22:00–06:00: Fri 17:00 → Sat 07:00 local is 480; a holiday on that Friday closes it', async () => {
      const withNightShift = {
        ...OFFICE,
        weeklyHours: { ...WEEKDAYS_8_TO_17, fri: [{ start: '08:00', end: '17:00' }, { start: '22:00', end: '06:00' }] },
      };
      await putCalendar(withNightShift);
      const ticket = await ticketAt('2026-03-13T16:00:00Z'); // Fri 17:00 CET, closing time
      expect(await minutesAt(ticket.id, '2026-03-13T20:59:00Z'), 'Fri 21:59').to.equal(0);
      expect(await minutesAt(ticket.id, '2026-03-13T22:00:00Z'), 'Fri 23:00').to.equal(60);
      expect(await minutesAt(ticket.id, '2026-03-14T06:00:00Z'), 'Sat 07:00, the night span ended at 06:00').to.equal(480);
      await cancelQuietly(supervisor, ticket.id);

      // Holidays close the spans that START on that date: Friday 2026-03-20 closes both Friday spans.
      await putCalendar({ ...withNightShift, holidays: ['2026-03-20'] });
      const other = await ticketAt('2026-03-19T16:00:00Z'); // Thu 17:00 CET
      expect(await minutesAt(other.id, '2026-03-21T12:00:00Z'), 'Saturday noon, after a closed Friday').to.equal(0);
      expect(await minutesAt(other.id, '2026-03-23T07:30:00Z'), 'Mon 08:30').to.equal(30);
      await cancelQuietly(supervisor, other.id);
    });

    it('DST spring forward (2026-03-29): Sun 01:00–04:00 is 2 real hours; Monday opens at 06:00 UTC (CEST)', async () => {
      await putCalendar({ ...OFFICE, weeklyHours: { ...WEEKDAYS_8_TO_17, sun: [{ start: '01:00', end: '04:00' }] } });
      const ticket = await ticketAt('2026-03-27T16:00:00Z'); // Fri 17:00 CET
      expect(await minutesAt(ticket.id, '2026-03-29T01:30:00Z'), 'Sun 03:30 CEST: 00:00Z–01:30Z').to.equal(90);
      expect(await minutesAt(ticket.id, '2026-03-29T12:00:00Z'), 'Sunday noon: the 01:00–04:00 span was 120 real minutes').to.equal(120);
      expect(await minutesAt(ticket.id, '2026-03-30T06:30:00Z'), 'Mon 08:30 CEST').to.equal(150);
      await cancelQuietly(supervisor, ticket.id);
    });

    it('stockout exclusion and the stockout clock are business minutes too', async () => {
      await putCalendar(OFFICE);
      const [p, q] = await parts(admin, 2);
      setClock(t, '2026-03-31T06:00:00Z'); // Tue 08:00 CEST
      const ticket = await ticketWithParts(supervisor, [p!]);
      setClock(t, '2026-03-31T14:00:00Z'); // Tue 16:00
      const incident = await openStockout(supervisor, p!.id);
      setClock(t, '2026-04-01T07:00:00Z'); // Wed 09:00
      await resolveStockout(supervisor, incident.id);
      // Tue 08–17 (540) + Wed 08–10 (120) = 660, minus Tue 16–17 and Wed 08–09 (120)
      expect(await minutesAt(ticket.id, '2026-04-01T08:00:00Z'), 'Wed 10:00').to.equal(540);
      await cancelQuietly(supervisor, ticket.id);

      const STOCKOUT = 'STOCKOUT_OPEN_TOO_LONG';
      await probeRule(admin, STOCKOUT);
      setClock(t, '2026-04-03T14:00:00Z'); // Fri 16:00 CEST
      const open = await openStockout(supervisor, q!.id);
      expect(await minutesAt(open.id, '2026-04-04T14:00:00Z', STOCKOUT), 'Saturday').to.equal(60);
      expect(await minutesAt(open.id, '2026-04-06T07:00:00Z', STOCKOUT), 'Mon 09:00').to.equal(120);
      await resolveStockout(supervisor, open.id);
    });

    it('DST fall back (2026-10-25): Sun 01:00–04:00 is 4 real hours; Monday opens at 07:00 UTC (CET)', async () => {
      await putCalendar({ ...OFFICE, weeklyHours: { ...WEEKDAYS_8_TO_17, sun: [{ start: '01:00', end: '04:00' }] } });
      const ticket = await ticketAt('2026-10-23T15:00:00Z'); // Fri 17:00 CEST
      expect(await minutesAt(ticket.id, '2026-10-25T12:00:00Z'), 'Sunday noon: 23:00Z–03:00Z').to.equal(240);
      expect(await minutesAt(ticket.id, '2026-10-26T06:59:00Z'), 'Mon 07:59 CET').to.equal(240);
      expect(await minutesAt(ticket.id, '2026-10-26T07:30:00Z'), 'Mon 08:30 CET').to.equal(270);
      await cancelQuietly(supervisor, ticket.id);
    });

    it('DELETE /calendar: back to 24/7 at the next evaluation', async () => {
      await putCalendar(OFFICE);
      const ticket = await ticketAt('2026-10-31T10:00:00Z'); // a Saturday
      expect(await minutesAt(ticket.id, '2026-10-31T11:40:00Z'), 'closed on Saturday').to.equal(0);
      ok(await admin.api.delete('/calendar'), 200, 'DELETE');
      expect(await minutesAt(ticket.id, '2026-10-31T11:40:00Z'), '24/7: 100 minutes').to.equal(100);
      await cancelQuietly(supervisor, ticket.id);
    });
  });
});
