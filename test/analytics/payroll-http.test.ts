import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ApiClient } from '../support/api-client.js';
import { buildPart, buildUser, expectError, loginAdmin, type TestUser } from '../support/factories.js';
import { useProduct } from '../support/harness.js';
import { buildTechnician, getPayroll, payrollRow, rowOf, Workbench } from '../support/analytics.js';
import { ok, setClock, SLA_TEST_ENV } from '../support/sla.js';

const HEADER =
  'technicianId,technicianName,workedSeconds,sessions,pausedBreakSeconds,pausedStockoutSeconds,' +
  'pausedEndOfShiftSeconds,pausedOtherSeconds,submittedToQc,passed,qcFails,flagMinutes,xp,efficiency';

/** A small RFC 4180 reader for checking the product's CSV (quoted fields, doubled quotes, CRLF records). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += c;
    i++;
  }
  if (field !== '' || record.length) throw new Error('the last record has no CRLF');
  return records;
}

/** GET /analytics/payroll: CSV representation, authorisation and validation over HTTP. */
describe('payroll over HTTP: CSV, who sees what, bad input', function () {
  this.timeout(120_000);
  const t = useProduct({ manualClock: true, env: SLA_TEST_ENV });
  let admin: TestUser;
  let supervisor: TestUser;
  let wallboard: TestUser;
  let part: { id: string };
  const day = { from: '2026-03-30', to: '2026-03-30', tz: 'UTC' };

  before(async () => {
    admin = await loginAdmin(t.current);
    supervisor = await buildUser(t.current, admin, 'SUPERVISOR');
    wallboard = await buildUser(t.current, admin, 'WALLBOARD');
    part = await buildPart(admin, 20);
  });

  describe('Accept: text/csv', () => {
    const tricky = 'Doe, "Jane"\nthe 2nd';
    let quoted: TestUser;
    let formulas: TestUser[];

    before(async () => {
      quoted = await buildTechnician(t.current, admin, tricky);
      formulas = [
        await buildTechnician(t.current, admin, '=HYPERLINK("http://evil.example")'),
        await buildTechnician(t.current, admin, '@SUM(A1)'),
        await buildTechnician(t.current, admin, '+1'),
        await buildTechnician(t.current, admin, '-2+3'),
      ];
      setClock(t, '2026-03-30T08:00:00Z');
      const bench = await new Workbench({ admin, supervisor }, quoted, part).start();
      setClock(t, '2026-03-30T09:00:00Z');
      await bench.pause('BREAK');
      setClock(t, '2026-03-30T09:15:00Z');
      await bench.resume();
      setClock(t, '2026-03-30T10:00:00Z');
      await bench.submit();
      setClock(t, '2026-03-30T11:00:00Z');
      await bench.pass();
    });

    it('RFC 4180: header record, CRLF endings, quoted comma/quote/newline with doubled quotes, empty null', async () => {
      const res = await getPayroll(supervisor, { ...day, technicianId: quoted.id }, { accept: 'text/csv' });
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
      expect(res.headers.get('vary')).to.match(/\bAccept\b/i);
      expect(res.headers.get('content-disposition')).to.equal(
        'attachment; filename=payroll_2026-03-30T00-00-00Z_2026-03-31T00-00-00Z.csv',
      );
      // 105 minutes worked, 24 flag minutes: 24 / 105 = 0.22857… → 0.229
      expect(res.body).to.equal(
        `${HEADER}\r\n` + `${quoted.id},"Doe, ""Jane""\nthe 2nd",6300,1,900,0,0,0,1,1,0,24,24,0.229\r\n`,
      );
      const json = ok(await getPayroll(supervisor, { ...day, technicianId: quoted.id }), 200, 'json');
      expect(json.rows).to.deep.equal([
        payrollRow(quoted, tricky, {
          workedSeconds: 6300,
          sessions: 1,
          pausedSeconds: { BREAK: 900 },
          submittedToQc: 1,
          passed: 1,
          flagMinutes: 24,
          xp: 24,
          efficiency: 0.229,
        }),
      ]);
    });

    it('cells starting with = + - @ get a leading apostrophe, so spreadsheets do not run them', async () => {
      const expected = [
        `"'=HYPERLINK(""http://evil.example"")"`,
        `'@SUM(A1)`,
        `'+1`,
        `'-2+3`,
      ];
      for (const [i, tech] of formulas.entries()) {
        const res = await getPayroll(supervisor, { ...day, technicianId: tech.id }, { accept: 'text/csv' });
        expect(res.status).to.equal(200);
        expect(res.body).to.equal(`${HEADER}\r\n${tech.id},${expected[i]},0,0,0,0,0,0,0,0,0,0,0,\r\n`);
      }
    });

    it('the supervisor’s CSV has the JSON rows, in order, one record each', async () => {
      const csv = await getPayroll(supervisor, day, { accept: 'text/csv' });
      const json = ok(await getPayroll(supervisor, day), 200, 'json');
      const records = parseCsv(csv.body);
      expect(records[0]!.join(',')).to.equal(HEADER);
      const flatten = (r: any) =>
        [
          r.technicianId,
          /^[=+\-@]/.test(r.technicianName) ? `'${r.technicianName}` : r.technicianName,
          r.workedSeconds,
          r.sessions,
          r.pausedSeconds.BREAK,
          r.pausedSeconds.STOCKOUT,
          r.pausedSeconds.END_OF_SHIFT,
          r.pausedSeconds.OTHER,
          r.submittedToQc,
          r.passed,
          r.qcFails,
          r.flagMinutes,
          r.xp,
          r.efficiency ?? '',
        ].map(String);
      expect(json.rows.length).to.be.at.least(5);
      expect(records.slice(1)).to.deep.equal(json.rows.map(flatten));
    });

    it('JSON without Accept, with */*, and when JSON is preferred; errors stay JSON', async () => {
      for (const accept of [undefined, '*/*', 'application/json', 'text/csv;q=0.5, application/json']) {
        const res = await getPayroll(supervisor, day, accept ? { accept } : {});
        expect(res.status, String(accept)).to.equal(200);
        expect(res.headers.get('content-type'), String(accept)).to.match(/^application\/json/);
        expect(res.body.rows, String(accept)).to.be.an('array');
      }
      const bad = await getPayroll(supervisor, { ...day, from: 'soon' }, { accept: 'text/csv' });
      expectError(bad, 400, 'VALIDATION_FAILED');
      expect(bad.headers.get('content-type')).to.match(/^application\/json/);
    });

    it('OpenAPI lists the CSV representation and the query parameters', async () => {
      const doc = (await (await fetch(`${t.current.product.url}/openapi.json`)).json()) as any;
      const op = doc.paths['/api/v1/analytics/payroll'].get;
      expect(Object.keys(op.responses['200'].content).sort()).to.deep.equal(['application/json', 'text/csv']);
      expect(op.parameters.map((p: any) => p.name).sort()).to.deep.equal(['from', 'technicianId', 'to', 'tz']);
    });
  });

  describe('who sees what', () => {
    let mine: TestUser;
    let theirs: TestUser;

    before(async () => {
      mine = await buildTechnician(t.current, admin, 'Own Row');
      theirs = await buildTechnician(t.current, admin, 'Their Row');
    });

    it('admin and supervisor: every technician (and one when named)', async () => {
      for (const who of [admin, supervisor]) {
        const all = ok(await getPayroll(who, day), 200, who.role);
        expect(rowOf(all, mine.id)).to.deep.equal(payrollRow(mine, 'Own Row'));
        expect(rowOf(all, theirs.id)).to.deep.equal(payrollRow(theirs, 'Their Row'));
        const one = ok(await getPayroll(who, { ...day, technicianId: theirs.id }), 200, who.role);
        expect(one.rows).to.deep.equal([payrollRow(theirs, 'Their Row')]);
      }
    });

    it('a technician: only their own row, with or without their id; another technician’s id → 403', async () => {
      expect(ok(await getPayroll(mine, day), 200, 'own').rows).to.deep.equal([payrollRow(mine, 'Own Row')]);
      expect(ok(await getPayroll(mine, { ...day, technicianId: mine.id }), 200, 'own id').rows).to.deep.equal([
        payrollRow(mine, 'Own Row'),
      ]);
      const other = await getPayroll(mine, { ...day, technicianId: theirs.id });
      expectError(other, 403, 'FORBIDDEN');
      const csv = await getPayroll(mine, { ...day, technicianId: theirs.id }, { accept: 'text/csv' });
      expectError(csv, 403, 'FORBIDDEN');
    });

    it('wallboard → 403, no token → 401, an unknown technician → 404', async () => {
      expectError(await getPayroll(wallboard, day), 403, 'FORBIDDEN');
      expectError(await getPayroll(new ApiClient(t.current.product.url), day), 401, 'UNAUTHENTICATED');
      expectError(await getPayroll(supervisor, { ...day, technicianId: randomUUID() }), 404, 'NOT_FOUND');
    });
  });

  describe('bad input → 400 VALIDATION_FAILED naming the field', () => {
    const cases: [string, Record<string, string> | string, string][] = [
      ['no period', {}, 'from'],
      ['no to', { from: '2026-03-01' }, 'to'],
      ['not a date', { from: 'yesterday', to: '2026-03-02' }, 'from'],
      ['30 February', { from: '2026-02-30', to: '2026-03-02' }, 'from'],
      ['month 13', { from: '2026-03-01', to: '2026-13-01' }, 'to'],
      ['an instant without offset', { from: '2026-03-01T00:00:00', to: '2026-03-02' }, 'from'],
      ['to before from', { from: '2026-03-02', to: '2026-03-01' }, 'to'],
      ['from = to (instants)', { from: '2026-03-01T10:00:00Z', to: '2026-03-01T10:00:00Z' }, 'to'],
      ['longer than 366 days', { from: '2025-01-01', to: '2026-01-02' }, 'to'],
      ['the last day of year 9999', { from: '9999-12-31', to: '9999-12-31' }, 'from'],
      ['year 1', { from: '0001-01-01T00:00:00Z', to: '0001-01-02T00:00:00Z' }, 'from'],
      ['unknown time zone', { from: '2026-03-01', to: '2026-03-02', tz: 'Mars/Olympus_Mons' }, 'tz'],
      ['technicianId not a UUID', { from: '2026-03-01', to: '2026-03-02', technicianId: 'bob' }, 'technicianId'],
      ['from given twice', 'from=2026-03-01&from=2026-03-02&to=2026-03-03', 'from'],
    ];
    for (const [name, params, field] of cases) {
      it(`${name} → ${field}`, async () => {
        const res =
          typeof params === 'string' ? await supervisor.api.get(`/analytics/payroll?${params}`) : await getPayroll(supervisor, params);
        expectError(res, 400, 'VALIDATION_FAILED');
        expect(res.body.error.details.issues.map((i: any) => i.path)).to.include(field);
      });
    }

    it('a leap year of dates (366 days) is accepted', async () => {
      const year = ok(await getPayroll(supervisor, { from: '2024-01-01', to: '2024-12-31', tz: 'Europe/Berlin' }), 200, 'year');
      expect(year).to.include({ from: '2023-12-31T23:00:00.000Z', to: '2024-12-31T23:00:00.000Z' });
    });
  });
});
