import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { ApiClient, type ApiResponse } from '../support/api-client.js';
import {
  buildItem,
  buildPart,
  buildTicket,
  buildTicketIn,
  buildUser,
  expectError,
  loginAdmin,
  TICKET_JSON_FIELDS,
  type TestUser,
} from '../support/factories.js';
import { useProduct } from '../support/harness.js';

const unique = (prefix: string) => `${prefix}-${randomBytes(5).toString('hex')}`;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const ACTIVE_STATUSES = ['UNDER_REVIEW', 'ASSIGNED', 'IN_PROGRESS', 'WAITING_QC', 'REWORK'];

describe('catalog, lists and read models over REST', () => {
  const t = useProduct();
  let admin: TestUser;
  let supervisor: TestUser;
  let technician: TestUser;

  before(async () => {
    admin = await loginAdmin(t.current);
    supervisor = await buildUser(t.current, admin, 'SUPERVISOR');
    technician = await buildUser(t.current, admin, 'TECHNICIAN');
  });

  const ctx = (tech: TestUser = technician) => ({ admin, supervisor, technician: tech });

  /** Walks GET /tickets page by page; returns every page. */
  async function walkTickets(as: TestUser, query: string, limit: number): Promise<ApiResponse[]> {
    const pages: ApiResponse[] = [];
    let cursor: string | null = null;
    do {
      const res: ApiResponse = await as.api.get(`/tickets?${query}${query ? '&' : ''}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.have.keys('items', 'nextCursor');
      pages.push(res);
      cursor = res.body.nextCursor;
      expect(pages.length, 'pagination does not terminate').to.be.lessThan(500);
    } while (cursor);
    return pages;
  }

  describe('users', () => {
    it('POST /users → 201 user without any password or hash', async () => {
      const username = unique('bench.tech');
      const res = await admin.api.post('/users', { username, displayName: 'Bench Tech', role: 'TECHNICIAN', password: 'secret-pass-1' });
      expect(res.status).to.equal(201);
      expect(res.body).to.have.keys('id', 'username', 'displayName', 'role', 'active', 'createdAt');
      expect(res.body).to.include({ username, displayName: 'Bench Tech', role: 'TECHNICIAN', active: true });
      expect(res.body.createdAt).to.match(ISO);
      const text = JSON.stringify(res.body);
      expect(text).to.not.include('secret-pass-1');
      expect(text.toLowerCase()).to.not.include('hash');

      const listed = await admin.api.get('/users');
      expect(JSON.stringify(listed.body).toLowerCase()).to.not.include('hash');
      const login = await new ApiClient(t.current.product.url).post('/auth/login', { username, password: 'secret-pass-1' });
      expect(login.status).to.equal(200);
      expect(login.body.user).to.deep.equal(res.body);
    });

    it('a duplicate username, case-insensitively → 409 CONFLICT and no second user', async () => {
      const username = unique('Mixed.Case');
      expect((await admin.api.post('/users', { username, displayName: 'A', role: 'SUPERVISOR', password: 'password-1' })).status).to.equal(201);
      const before = (await admin.api.get('/users')).body.items.length;
      const dup = await admin.api.post('/users', { username: username.toLowerCase(), displayName: 'B', role: 'TECHNICIAN', password: 'password-2' });
      expectError(dup, 409, 'CONFLICT');
      expect(dup.body.error.details).to.deep.equal({ invariant: 'UNIQUE_USERNAME' });
      const upper = await admin.api.post('/users', { username: username.toUpperCase(), displayName: 'C', role: 'TECHNICIAN', password: 'password-2' });
      expectError(upper, 409, 'CONFLICT');
      expect((await admin.api.get('/users')).body.items.length).to.equal(before);
    });

    it('POST /users refuses a short password or an invalid username (400)', async () => {
      expectError(await admin.api.post('/users', { username: unique('u'), displayName: 'X', role: 'TECHNICIAN', password: 'short' }), 400, 'VALIDATION_FAILED');
      expectError(await admin.api.post('/users', { username: 'a b', displayName: 'X', role: 'TECHNICIAN', password: 'long-enough' }), 400, 'VALIDATION_FAILED');
      expectError(await admin.api.post('/users', { username: unique('u'), displayName: 'X', role: 'OWNER', password: 'long-enough' }), 400, 'VALIDATION_FAILED');
    });

    it('GET /users?role=TECHNICIAN filters by role', async () => {
      const other = await buildUser(t.current, admin, 'TECHNICIAN');
      const techs = await supervisor.api.get('/users?role=TECHNICIAN');
      expect(techs.status).to.equal(200);
      expect(techs.body.items.length).to.be.greaterThan(1);
      expect(techs.body.items.every((u: any) => u.role === 'TECHNICIAN')).to.equal(true);
      expect(techs.body.items.map((u: any) => u.id)).to.include.members([technician.id, other.id]).and.not.include(supervisor.id);

      const sups = await supervisor.api.get('/users?role=SUPERVISOR');
      expect(sups.body.items.map((u: any) => u.id)).to.include(supervisor.id).and.not.include(technician.id);
      const all = await supervisor.api.get('/users');
      expect(all.body.items.map((u: any) => u.role)).to.include.members(['ADMIN', 'SUPERVISOR', 'TECHNICIAN']);
    });

    it('PATCH /users/:id edits display name, role, password and active flag', async () => {
      const user = await buildUser(t.current, admin, 'TECHNICIAN');
      const renamed = await admin.api.patch(`/users/${user.id}`, { displayName: 'Senior Bench', role: 'SUPERVISOR' });
      expect(renamed.status).to.equal(200);
      expect(renamed.body).to.include({ id: user.id, displayName: 'Senior Bench', role: 'SUPERVISOR', active: true });
      const listed = await admin.api.get('/users?role=SUPERVISOR');
      expect(listed.body.items.find((u: any) => u.id === user.id)).to.deep.equal(renamed.body);

      expect((await admin.api.patch(`/users/${user.id}`, { password: 'a-new-password' })).status).to.equal(200);
      const anon = new ApiClient(t.current.product.url);
      expectError(await anon.post('/auth/login', { username: user.username, password: 'password-123' }), 401, 'UNAUTHENTICATED');
      expect((await anon.post('/auth/login', { username: user.username, password: 'a-new-password' })).status).to.equal(200);

      const off = await admin.api.patch(`/users/${user.id}`, { active: false });
      expect(off.body.active).to.equal(false);
      expect((await admin.api.patch(`/users/${user.id}`, { active: true })).body.active).to.equal(true);
    });

    it('an admin may not deactivate or demote themselves (403)', async () => {
      expectError(await admin.api.patch(`/users/${admin.id}`, { active: false }), 403, 'FORBIDDEN');
      expectError(await admin.api.patch(`/users/${admin.id}`, { role: 'TECHNICIAN' }), 403, 'FORBIDDEN');
      expect((await admin.api.get('/users?role=ADMIN')).body.items.find((u: any) => u.id === admin.id)).to.include({ active: true });
    });
  });

  describe('inventory items', () => {
    it('POST /inventory-items → 201; GET /inventory-items/:id returns it', async () => {
      const serial = unique('SN');
      const created = await supervisor.api.post('/inventory-items', { serial, model: 'iPhone 13', description: 'water damage' });
      expect(created.status).to.equal(201);
      expect(created.body).to.have.keys('id', 'serial', 'model', 'description', 'createdAt');
      expect(created.body).to.include({ serial, model: 'iPhone 13', description: 'water damage' });
      const got = await technician.api.get(`/inventory-items/${created.body.id}`);
      expect(got.status).to.equal(200);
      expect(got.body).to.deep.equal(created.body);

      const bare = await supervisor.api.post('/inventory-items', { serial: unique('SN'), model: 'Pallet jack' });
      expect(bare.status).to.equal(201);
      expect(bare.body.description).to.equal(null);
    });

    it('a duplicate serial → 409 CONFLICT', async () => {
      const item = await buildItem(supervisor);
      const dup = await supervisor.api.post('/inventory-items', { serial: item.serial, model: 'Other' });
      expectError(dup, 409, 'CONFLICT');
      expect(dup.body.error.details).to.deep.equal({ invariant: 'UNIQUE_SERIAL' });
    });
  });

  describe('parts', () => {
    it('POST /parts → 201; GET /parts lists it; a duplicate sku → 409', async () => {
      const sku = unique('SKU');
      const created = await admin.api.post('/parts', { sku, name: 'Charging port', defaultSrtMinutes: 35 });
      expect(created.status).to.equal(201);
      expect(created.body).to.include({ sku, name: 'Charging port', defaultSrtMinutes: 35, active: true });
      expect(created.body.id).to.be.a('string');

      const list = await technician.api.get('/parts');
      expect(list.status).to.equal(200);
      expect(list.body.items.find((p: any) => p.id === created.body.id)).to.deep.equal(created.body);

      const dup = await admin.api.post('/parts', { sku, name: 'Another', defaultSrtMinutes: 1 });
      expectError(dup, 409, 'CONFLICT');
      expect(dup.body.error.details).to.deep.equal({ invariant: 'UNIQUE_SKU' });
      expect((await technician.api.get('/parts')).body.items.filter((p: any) => p.sku === sku)).to.have.length(1);
    });
  });

  describe('stockouts', () => {
    it('open (201 OPEN, live openMinutes), list by status, resolve (200 RESOLVED), resolve again → 409', async () => {
      const part = await buildPart(admin);
      const ticket = await buildTicketIn('ASSIGNED', ctx());
      const opened = await technician.api.post('/stockouts', { partId: part.id, ticketId: ticket.id, note: 'none in the bin' });
      expect(opened.status).to.equal(201);
      expect(opened.body).to.include({
        partId: part.id,
        ticketId: ticket.id,
        status: 'OPEN',
        reportedBy: technician.id,
        note: 'none in the bin',
        resolvedAt: null,
        resolvedBy: null,
      });
      expect(opened.body.startedAt).to.match(ISO);
      expect(opened.body.openMinutes).to.be.a('number').and.at.least(0);

      await new Promise((resolve) => setTimeout(resolve, 20));
      const open = await technician.api.get('/stockouts?status=OPEN');
      expect(open.status).to.equal(200);
      expect(open.body.items.every((s: any) => s.status === 'OPEN')).to.equal(true);
      const listed = open.body.items.find((s: any) => s.id === opened.body.id);
      expect(listed).to.include({ status: 'OPEN', partId: part.id });
      expect(listed.openMinutes).to.be.a('number').and.greaterThan(opened.body.openMinutes);

      const resolved = await supervisor.api.post(`/stockouts/${opened.body.id}/resolve`, { note: 'restocked' });
      expect(resolved.status).to.equal(200);
      expect(resolved.body).to.include({ id: opened.body.id, status: 'RESOLVED', resolvedBy: supervisor.id, resolutionNote: 'restocked' });
      expect(resolved.body.resolvedAt).to.match(ISO);
      expect(resolved.body.openMinutes).to.equal((Date.parse(resolved.body.resolvedAt) - Date.parse(resolved.body.startedAt)) / 60_000);

      const stillOpen = await supervisor.api.get('/stockouts?status=OPEN');
      expect(stillOpen.body.items.map((s: any) => s.id)).to.not.include(opened.body.id);
      const closed = await supervisor.api.get('/stockouts?status=RESOLVED');
      expect(closed.body.items.every((s: any) => s.status === 'RESOLVED')).to.equal(true);
      // Resolved: the open time is frozen.
      expect(closed.body.items.find((s: any) => s.id === opened.body.id)).to.deep.equal(resolved.body);

      const again = await supervisor.api.post(`/stockouts/${opened.body.id}/resolve`, { note: 'again' });
      expectError(again, 409, 'INVALID_TRANSITION');
      expect((await supervisor.api.get('/stockouts?status=RESOLVED')).body.items.find((s: any) => s.id === opened.body.id)).to.deep.equal(
        resolved.body,
      );
    });
  });

  describe('GET /tickets', () => {
    let mine: string[];

    before(async () => {
      mine = [];
      const tech = await buildUser(t.current, admin, 'TECHNICIAN');
      for (const status of ['UNDER_REVIEW', 'ASSIGNED', 'CANCELLED', 'ASSIGNED', 'WAITING_QC', 'UNDER_REVIEW', 'DONE', 'CANCELLED'] as const) {
        mine.push((await buildTicketIn(status, ctx(tech))).id);
      }
      // Created concurrently, so several may share a createdAt millisecond: the cursor must still be exact.
      const burst = await Promise.all(Array.from({ length: 8 }, () => buildTicket(supervisor)));
      mine.push(...burst.map((x) => x.id));
    });

    it('walks all pages with limit and nextCursor: no duplicates, no gaps, newest first', async () => {
      const everything = await supervisor.api.get('/tickets?limit=200');
      expect(everything.body.nextCursor).to.equal(null);
      const all = everything.body.items.map((x: any) => x.id);
      expect(all.length).to.be.greaterThan(8);

      const pages = await walkTickets(supervisor, '', 3);
      const walked = pages.flatMap((p) => p.body.items.map((x: any) => x.id));
      expect(pages.slice(0, -1).every((p) => p.body.items.length === 3)).to.equal(true);
      expect(pages.at(-1)!.body.items.length).to.be.within(1, 3);
      expect(pages.at(-1)!.body.nextCursor).to.equal(null);
      expect(new Set(walked).size).to.equal(walked.length);
      expect(walked).to.deep.equal(all);
      expect(walked).to.include.members(mine);

      const created = pages.flatMap((p) => p.body.items.map((x: any) => Date.parse(x.createdAt)));
      for (let i = 1; i < created.length; i++) expect(created[i]).to.be.at.most(created[i - 1]!);

      // limit=1 walks the same list.
      const single = (await walkTickets(supervisor, '', 1)).flatMap((p) => p.body.items.map((x: any) => x.id));
      expect(single).to.deep.equal(all);
    });

    it('?status=A,B filters, also across pages', async () => {
      const filtered = await supervisor.api.get('/tickets?status=ASSIGNED,CANCELLED&limit=200');
      expect(filtered.status).to.equal(200);
      const statuses = filtered.body.items.map((x: any) => x.status);
      expect(new Set(statuses)).to.deep.equal(new Set(['ASSIGNED', 'CANCELLED']));
      const ids = filtered.body.items.map((x: any) => x.id);
      expect(ids).to.include.members([mine[1], mine[2], mine[3], mine[7]]);
      expect(ids).to.not.include(mine[0]);
      expect(ids).to.not.include(mine[4]);

      const walked = (await walkTickets(supervisor, 'status=ASSIGNED,CANCELLED', 2)).flatMap((p) => p.body.items.map((x: any) => x.id));
      expect(walked).to.deep.equal(ids);

      const done = await supervisor.api.get('/tickets?status=DONE');
      expect(done.body.items.every((x: any) => x.status === 'DONE')).to.equal(true);
      expect(done.body.items.map((x: any) => x.id)).to.include(mine[6]);
    });

    it('?technicianId filters for supervisors', async () => {
      const own = await buildTicketIn('ASSIGNED', ctx());
      const res = await supervisor.api.get(`/tickets?technicianId=${technician.id}&limit=200`);
      expect(res.body.items.every((x: any) => x.technicianId === technician.id)).to.equal(true);
      expect(res.body.items.map((x: any) => x.id)).to.include(own.id).and.not.include(mine[1]);
    });

    it('ticket JSON carries at least the api.md fields', async () => {
      const res = await supervisor.api.get('/tickets?limit=1');
      expect(res.body.items[0]).to.include.keys(...TICKET_JSON_FIELDS);
    });
  });

  describe('manual metrics (PUT/DELETE /tickets/:id/metrics)', () => {
    it('MANUAL with the colour from flagMinutes; part specs then leave metrics alone; DELETE recomputes AUTO', async () => {
      const screen = await buildPart(admin, 20);
      const battery = await buildPart(admin, 40);
      const ticket = await buildTicketIn('ASSIGNED', { ...ctx(), part: screen });
      expect(ticket).to.include({ metricsSource: 'AUTO', srtTotalMinutes: 20, flagMinutes: 24, flagColor: 'GREEN', xpAmount: 24 });

      const manual = await supervisor.api.put(`/tickets/${ticket.id}/metrics`, {
        srtTotalMinutes: 50,
        flagMinutes: 54,
        xpAmount: 100,
        reason: 'customer quote',
      });
      expect(manual.status, JSON.stringify(manual.body)).to.equal(200);
      expect(manual.body).to.include({
        status: 'ASSIGNED',
        metricsSource: 'MANUAL',
        srtTotalMinutes: 50,
        flagMinutes: 54,
        flagColor: 'YELLOW',
        xpAmount: 100,
        version: ticket.version + 1,
      });
      expect(manual.body.transition).to.include({
        event: 'METRICS_OVERRIDE',
        fromStatus: 'ASSIGNED',
        toStatus: 'ASSIGNED',
        reason: 'customer quote',
        actorId: supervisor.id,
      });

      // flag_color_from_minutes boundaries (defaults: GREEN ≤ 30 < YELLOW ≤ 90 < RED).
      for (const [flagMinutes, colour] of [
        [30, 'GREEN'],
        [31, 'YELLOW'],
        [90, 'YELLOW'],
        [91, 'RED'],
        [0, 'GREEN'],
      ] as const) {
        const res = await supervisor.api.put(`/tickets/${ticket.id}/metrics`, { srtTotalMinutes: 1, flagMinutes, xpAmount: 7, reason: 'check' });
        expect(res.body.flagColor, `${flagMinutes} minutes`).to.equal(colour);
        expect(res.body.xpAmount).to.equal(7);
      }
      const set = await supervisor.api.put(`/tickets/${ticket.id}/metrics`, { srtTotalMinutes: 50, flagMinutes: 95, xpAmount: 140, reason: 'final' });
      expect(set.body).to.include({ flagColor: 'RED', flagMinutes: 95, xpAmount: 140 });

      const spec = await supervisor.api.post(`/tickets/${ticket.id}/part-specs`, { partId: battery.id });
      expect(spec.status).to.equal(201);
      expect(spec.body.ticket).to.include({ metricsSource: 'MANUAL', srtTotalMinutes: 50, flagMinutes: 95, flagColor: 'RED', xpAmount: 140 });
      const detail = await supervisor.api.get(`/tickets/${ticket.id}`);
      expect(detail.body).to.include({ metricsSource: 'MANUAL', srtTotalMinutes: 50, flagMinutes: 95, xpAmount: 140 });
      const removed = await supervisor.api.delete(`/tickets/${ticket.id}/part-specs/${detail.body.partSpecs[0].id}`);
      expect(removed.status).to.equal(200);
      expect(removed.body.ticket).to.include({ metricsSource: 'MANUAL', srtTotalMinutes: 50, flagMinutes: 95, xpAmount: 140 });

      const auto = await supervisor.api.delete(`/tickets/${ticket.id}/metrics`);
      expect(auto.status, JSON.stringify(auto.body)).to.equal(200);
      // Only the battery (40 min) is active now: 40 → 42 flag minutes → YELLOW → round(42 × 1) × 1.2 = 50.
      expect(auto.body).to.include({ metricsSource: 'AUTO', srtTotalMinutes: 40, flagMinutes: 42, flagColor: 'YELLOW', xpAmount: 50 });
      expect(auto.body.transition).to.include({ event: 'METRICS_AUTO', fromStatus: 'ASSIGNED', toStatus: 'ASSIGNED' });

      // Back in AUTO, spec changes drive the metrics again.
      const again = await supervisor.api.post(`/tickets/${ticket.id}/part-specs`, { partId: screen.id, srtMinutes: 60 });
      expect(again.body.ticket).to.include({ metricsSource: 'AUTO', srtTotalMinutes: 100, flagMinutes: 102, flagColor: 'RED', xpAmount: 153 });

      const log = await supervisor.api.get(`/tickets/${ticket.id}/transitions`);
      const events = log.body.items.map((e: any) => e.event);
      expect(events.filter((e: string) => e === 'METRICS_OVERRIDE')).to.have.length(7);
      expect(events.slice(-4)).to.deep.equal(['PART_SPEC_ADD', 'PART_SPEC_DEACTIVATE', 'METRICS_AUTO', 'PART_SPEC_ADD']);
    });

    it('metrics on a DONE ticket → 409 INVALID_TRANSITION and nothing changes', async () => {
      const ticket = await buildTicketIn('DONE', ctx());
      const before = await supervisor.api.get(`/tickets/${ticket.id}`);
      const put = await supervisor.api.put(`/tickets/${ticket.id}/metrics`, { srtTotalMinutes: 5, flagMinutes: 6, xpAmount: 6, reason: 'late' });
      expectError(put, 409, 'INVALID_TRANSITION');
      expect(put.body.error.details).to.include({ status: 'DONE' });
      expect(put.body.error.details.allowedEvents).to.deep.equal([]);
      expectError(await supervisor.api.delete(`/tickets/${ticket.id}/metrics`), 409, 'INVALID_TRANSITION');
      expect((await supervisor.api.get(`/tickets/${ticket.id}`)).body).to.deep.equal(before.body);
    });

    it('PUT /tickets/:id/metrics validates its body (reason required, integers ≥ 0)', async () => {
      const ticket = await buildTicket(supervisor);
      expectError(await supervisor.api.put(`/tickets/${ticket.id}/metrics`, { srtTotalMinutes: 5, flagMinutes: 6, xpAmount: 6 }), 400, 'VALIDATION_FAILED');
      expectError(
        await supervisor.api.put(`/tickets/${ticket.id}/metrics`, { srtTotalMinutes: -1, flagMinutes: 6, xpAmount: 6, reason: 'x' }),
        400,
        'VALIDATION_FAILED',
      );
      expectError(
        await supervisor.api.put(`/tickets/${ticket.id}/metrics`, { srtTotalMinutes: 1.5, flagMinutes: 6, xpAmount: 6, reason: 'x' }),
        400,
        'VALIDATION_FAILED',
      );
      expect((await supervisor.api.get(`/tickets/${ticket.id}`)).body).to.include({ metricsSource: 'AUTO', version: ticket.version });
    });
  });

  describe('GET /floor', () => {
    it('has exactly the api.md shape, with null ticket/session for an idle technician', async () => {
      const busy = await buildUser(t.current, admin, 'TECHNICIAN');
      const idle = await buildUser(t.current, admin, 'TECHNICIAN');
      const waiting = await buildUser(t.current, admin, 'TECHNICIAN');
      const pausedTech = await buildUser(t.current, admin, 'TECHNICIAN');
      const gone = await buildUser(t.current, admin, 'TECHNICIAN');
      expect((await admin.api.patch(`/users/${gone.id}`, { active: false })).status).to.equal(200);

      const running = await buildTicketIn('IN_PROGRESS', ctx(busy));
      const assigned = await buildTicketIn('ASSIGNED', ctx(waiting));
      const paused = await buildTicketIn('IN_PROGRESS', ctx(pausedTech));
      expect((await pausedTech.api.post(`/work-sessions/${paused.openSession.id}/pause`, { reason: 'BREAK' })).status).to.equal(200);
      const part = await buildPart(admin);
      const stockout = await busy.api.post('/stockouts', { partId: part.id, ticketId: running.id });
      expect(stockout.status).to.equal(201);

      const wallboard = await buildUser(t.current, admin, 'WALLBOARD');
      const res = await wallboard.api.get('/floor');
      expect(res.status).to.equal(200);
      const floor = res.body;
      expect(Object.keys(floor).sort()).to.deep.equal(['at', 'openBreaches', 'openStockouts', 'technicians', 'ticketsByStatus']);
      expect(floor.at).to.match(ISO);
      expect(Math.abs(Date.parse(floor.at) - Date.now())).to.be.lessThan(60_000);

      expect(Object.keys(floor.ticketsByStatus).sort()).to.deep.equal([...ACTIVE_STATUSES].sort());
      for (const status of ACTIVE_STATUSES) {
        const count = floor.ticketsByStatus[status];
        expect(count, status).to.be.a('number');
        const listed = (await walkTickets(supervisor, `status=${status}`, 200)).flatMap((p) => p.body.items);
        expect(count, status).to.equal(listed.length);
      }

      expect(floor.technicians).to.be.an('array');
      for (const tech of floor.technicians) {
        expect(Object.keys(tech).sort()).to.deep.equal(['id', 'name', 'session', 'ticket']);
        expect(tech.name).to.be.a('string');
        if (tech.ticket !== null) expect(Object.keys(tech.ticket).sort()).to.deep.equal(['flagColor', 'id', 'status', 'title']);
        if (tech.session !== null) {
          expect(Object.keys(tech.session).sort()).to.deep.equal(['activeSeconds', 'id', 'status']);
          expect(Number.isInteger(tech.session.activeSeconds)).to.equal(true);
        }
      }
      const byId = new Map<string, any>(floor.technicians.map((x: any) => [x.id, x]));
      expect(byId.has(supervisor.id), 'only technicians are listed').to.equal(false);
      expect(byId.has(admin.id)).to.equal(false);
      expect(byId.has(gone.id), 'inactive technicians are not listed').to.equal(false);

      expect(byId.get(idle.id)).to.deep.equal({ id: idle.id, name: `TECHNICIAN ${idle.username}`, ticket: null, session: null });
      expect(byId.get(busy.id).ticket).to.deep.equal({ id: running.id, title: running.title, status: 'IN_PROGRESS', flagColor: running.flagColor });
      expect(byId.get(busy.id).session).to.include({ id: running.openSession.id, status: 'RUNNING' });
      expect(byId.get(busy.id).session.activeSeconds).to.be.at.least(0);
      expect(byId.get(waiting.id).ticket).to.include({ id: assigned.id, status: 'ASSIGNED' });
      expect(byId.get(waiting.id).session).to.equal(null);
      expect(byId.get(pausedTech.id).session).to.include({ id: paused.openSession.id, status: 'PAUSED' });

      expect(floor.openBreaches).to.deep.equal([]);
      expect(floor.openStockouts).to.be.an('array');
      expect(floor.openStockouts.every((s: any) => s.status === 'OPEN')).to.equal(true);
      expect(floor.openStockouts.find((s: any) => s.id === stockout.body.id)).to.include({ partId: part.id, status: 'OPEN' });
    });
  });
});
