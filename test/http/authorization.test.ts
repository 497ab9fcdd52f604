import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { routeTable } from '../../src/http/routes/route-table.js';
import { ApiClient, type ApiResponse } from '../support/api-client.js';
import { buildItem, buildPart, buildTicketIn, buildUser, expectError, loginAdmin, type TestUser } from '../support/factories.js';
import { ADMIN, useProduct } from '../support/harness.js';

/**
 * The role and object-level matrix of api.md / domain.md for every route of route-table.ts
 * plus POST /auth/login. "TECHNICIAN" is the assignee / session owner of the fixture;
 * "OTHER_TECHNICIAN" is a technician acting on that technician's ticket or session.
 */
type ActorName = 'ADMIN' | 'SUPERVISOR' | 'TECHNICIAN' | 'OTHER_TECHNICIAN' | 'WALLBOARD';
const ACTORS: readonly ActorName[] = ['ADMIN', 'SUPERVISOR', 'TECHNICIAN', 'OTHER_TECHNICIAN', 'WALLBOARD'];

const ANYONE = ACTORS;
const SUPERVISORS: ActorName[] = ['ADMIN', 'SUPERVISOR'];
const ADMINS: ActorName[] = ['ADMIN'];
/** Supervisors plus the technician who owns the object (api.md "assignee / SUPERVISOR+", "owner / SUPERVISOR+"). */
const OWNER_OR_SUPERVISORS: ActorName[] = ['ADMIN', 'SUPERVISOR', 'TECHNICIAN'];
/** "any (technician: own)": everyone but a technician who does not own the object. */
const ANY_BUT_OTHER_TECHNICIAN: ActorName[] = ['ADMIN', 'SUPERVISOR', 'TECHNICIAN', 'WALLBOARD'];

/** Password that test/support/factories.ts gives every user it builds. */
const FACTORY_PASSWORD = 'password-123';

const unique = (prefix: string) => `${prefix}-${randomBytes(5).toString('hex')}`;

/** Asserts the exact contract error body of api.md and no leaked internals. */
function expectContractError(res: ApiResponse, status: number, code: string): void {
  expectError(res, status, code);
  expect(Object.keys(res.body)).to.deep.equal(['error']);
  expect(Object.keys(res.body.error).sort()).to.deep.equal(['code', 'details', 'message']);
  expect(res.body.error.message).to.not.equal('');
  expect(JSON.stringify(res.body)).to.not.match(/\bstack\b|\bat .+\.(ts|js):\d+/);
}

const expectForbidden = (res: ApiResponse) => expectContractError(res, 403, 'FORBIDDEN');

interface Fixture {
  ticket?: any;
  session?: any;
  part?: any;
  stockout?: any;
  user?: any;
  item?: any;
  specId?: string;
}

interface RouteCase {
  /** `METHOD /path` exactly as in route-table.ts (or POST /auth/login). */
  route: string;
  allowed: readonly ActorName[];
  status: 200 | 201;
  setup?: () => Promise<Fixture>;
  request: (actor: TestUser, f: Fixture) => Promise<ApiResponse>;
  /** Extra assertion on the success body. */
  check?: (res: ApiResponse, f: Fixture, actor: TestUser) => void;
  /** Observable state that a refused request must leave untouched. */
  observe?: (f: Fixture) => Promise<unknown>;
}

describe('authorization: roles and object-level rule over REST', () => {
  const t = useProduct();
  let admin: TestUser;
  let supervisor: TestUser;
  let technician: TestUser;
  let otherTechnician: TestUser;
  let wallboard: TestUser;
  let sharedPart: { id: string };
  const actor = (name: ActorName): TestUser =>
    ({ ADMIN: admin, SUPERVISOR: supervisor, TECHNICIAN: technician, OTHER_TECHNICIAN: otherTechnician, WALLBOARD: wallboard })[name];

  before(async () => {
    admin = await loginAdmin(t.current);
    supervisor = await buildUser(t.current, admin, 'SUPERVISOR');
    technician = await buildUser(t.current, admin, 'TECHNICIAN');
    otherTechnician = await buildUser(t.current, admin, 'TECHNICIAN');
    wallboard = await buildUser(t.current, admin, 'WALLBOARD');
    sharedPart = await buildPart(admin, 20);
  });

  const ctx = () => ({ admin, supervisor, technician, part: sharedPart });
  const ticketIn = (status: Parameters<typeof buildTicketIn>[0]) => buildTicketIn(status, ctx());

  /** A ticket of TECHNICIAN in progress, with its RUNNING session. */
  async function inProgress(): Promise<Fixture> {
    const ticket = await ticketIn('IN_PROGRESS');
    return { ticket, session: ticket.openSession };
  }

  async function ticketState(f: Fixture) {
    const res = await admin.api.get(`/tickets/${f.ticket.id}`);
    expect(res.status).to.equal(200);
    const log = await admin.api.get(`/tickets/${f.ticket.id}/transitions`);
    const { version, status, technicianId, metricsSource, srtTotalMinutes, flagMinutes, xpAmount } = res.body;
    return {
      version,
      status,
      technicianId,
      metricsSource,
      srtTotalMinutes,
      flagMinutes,
      xpAmount,
      activeSpecs: res.body.partSpecs.map((s: any) => s.id),
      openSession: res.body.openSession && { id: res.body.openSession.id, status: res.body.openSession.status },
      transitions: log.body.items.length,
    };
  }

  async function sessionState(f: Fixture) {
    const res = await admin.api.get(`/work-sessions/${f.session.id}`);
    expect(res.status).to.equal(200);
    const log = await admin.api.get(`/work-sessions/${f.session.id}/transitions`);
    const { status, pauseReason, endedAt, updatedAt } = res.body;
    return { status, pauseReason, endedAt, updatedAt, transitions: log.body.items.length, ticket: await ticketState(f) };
  }

  async function stockoutState(f: Fixture) {
    const res = await admin.api.get('/stockouts?limit=500');
    return res.body.items
      .filter((s: any) => s.partId === f.part.id)
      .map((s: any) => ({ id: s.id, status: s.status, resolvedAt: s.resolvedAt, resolvedBy: s.resolvedBy }));
  }

  const cases: RouteCase[] = [
    // --- auth ---
    {
      route: 'POST /auth/login',
      allowed: ANYONE,
      status: 200,
      request: (who) =>
        new ApiClient(t.current.product.url).post('/auth/login', {
          username: who.username,
          password: who.role === 'ADMIN' ? ADMIN.password : FACTORY_PASSWORD,
        }),
      check: (res, _f, who) => {
        expect(res.body.token).to.be.a('string');
        expect(res.body.user).to.include({ id: who.id, role: who.role });
      },
    },

    // --- users ---
    {
      route: 'POST /users',
      allowed: ADMINS,
      status: 201,
      request: (who) =>
        who.api.post('/users', { username: unique('u'), displayName: 'New', role: 'TECHNICIAN', password: 'password-456' }),
      check: (res) => expect(res.body.role).to.equal('TECHNICIAN'),
    },
    {
      route: 'PATCH /users/:id',
      allowed: ADMINS,
      status: 200,
      setup: async () => ({ user: await buildUser(t.current, admin, 'TECHNICIAN') }),
      request: (who, f) => who.api.patch(`/users/${f.user.id}`, { displayName: 'Renamed' }),
      check: (res) => expect(res.body.displayName).to.equal('Renamed'),
      observe: async (f) => (await admin.api.get('/users?role=TECHNICIAN')).body.items.find((u: any) => u.id === f.user.id),
    },
    {
      route: 'GET /users',
      allowed: SUPERVISORS,
      status: 200,
      request: (who) => who.api.get('/users'),
      check: (res) => expect(res.body.items.map((u: any) => u.id)).to.include(technician.id),
    },

    // --- inventory and parts ---
    {
      route: 'POST /inventory-items',
      allowed: SUPERVISORS,
      status: 201,
      request: (who) => who.api.post('/inventory-items', { serial: unique('SN'), model: 'ThinkPad' }),
      check: (res) => expect(res.body.model).to.equal('ThinkPad'),
    },
    {
      route: 'GET /inventory-items/:id',
      allowed: ANYONE,
      status: 200,
      setup: async () => ({ item: await buildItem(supervisor) }),
      request: (who, f) => who.api.get(`/inventory-items/${f.item.id}`),
      check: (res, f) => expect(res.body).to.include({ id: f.item.id, serial: f.item.serial }),
    },
    {
      route: 'POST /parts',
      allowed: ADMINS,
      status: 201,
      request: (who) => who.api.post('/parts', { sku: unique('SKU'), name: 'Battery', defaultSrtMinutes: 15 }),
      check: (res) => expect(res.body.defaultSrtMinutes).to.equal(15),
    },
    {
      route: 'GET /parts',
      allowed: ANYONE,
      status: 200,
      request: (who) => who.api.get('/parts'),
      check: (res) => expect(res.body.items.map((p: any) => p.id)).to.include(sharedPart.id),
    },

    // --- tickets ---
    {
      route: 'POST /tickets',
      allowed: SUPERVISORS,
      status: 201,
      setup: async () => ({ item: await buildItem(supervisor) }),
      request: (who, f) => who.api.post('/tickets', { inventoryItemId: f.item.id, title: 'Broken hinge' }),
      check: (res) => expect(res.body.status).to.equal('UNDER_REVIEW'),
    },
    {
      route: 'GET /tickets',
      allowed: ANYONE,
      status: 200,
      setup: async () => ({ ticket: await ticketIn('ASSIGNED') }),
      request: (who) => who.api.get('/tickets?limit=200'),
      check: (res, f, who) => {
        const ids = res.body.items.map((x: any) => x.id);
        if (who === otherTechnician) expect(ids).to.not.include(f.ticket.id);
        else expect(ids).to.include(f.ticket.id);
      },
    },
    {
      route: 'GET /tickets/:id',
      allowed: ANY_BUT_OTHER_TECHNICIAN,
      status: 200,
      setup: async () => ({ ticket: await ticketIn('ASSIGNED') }),
      request: (who, f) => who.api.get(`/tickets/${f.ticket.id}`),
      check: (res, f) => expect(res.body).to.include({ id: f.ticket.id, technicianId: technician.id }),
    },
    {
      route: 'POST /tickets/:id/assign',
      allowed: SUPERVISORS,
      status: 200,
      setup: async () => ({ ticket: await ticketIn('ASSIGNED') }),
      request: (who, f) => who.api.post(`/tickets/${f.ticket.id}/assign`, { technicianId: otherTechnician.id }),
      check: (res) => expect(res.body).to.include({ status: 'ASSIGNED', technicianId: otherTechnician.id }),
      observe: ticketState,
    },
    {
      route: 'POST /tickets/:id/start',
      allowed: OWNER_OR_SUPERVISORS,
      status: 200,
      setup: async () => ({ ticket: await ticketIn('ASSIGNED') }),
      request: (who, f) => who.api.post(`/tickets/${f.ticket.id}/start`),
      check: (res) => {
        expect(res.body.status).to.equal('IN_PROGRESS');
        // Started on behalf of the assignee: the session belongs to the technician, whoever sent it.
        expect(res.body.openSession).to.include({ status: 'RUNNING', technicianId: technician.id });
      },
      observe: ticketState,
    },
    {
      route: 'POST /tickets/:id/submit-qc',
      allowed: OWNER_OR_SUPERVISORS,
      status: 200,
      setup: inProgress,
      request: (who, f) => who.api.post(`/tickets/${f.ticket.id}/submit-qc`),
      check: (res) => expect(res.body.status).to.equal('WAITING_QC'),
      observe: ticketState,
    },
    {
      route: 'POST /tickets/:id/qc-pass',
      allowed: SUPERVISORS,
      status: 200,
      setup: async () => ({ ticket: await ticketIn('WAITING_QC') }),
      request: (who, f) => who.api.post(`/tickets/${f.ticket.id}/qc-pass`),
      check: (res) => expect(res.body.status).to.equal('DONE'),
      observe: ticketState,
    },
    {
      route: 'POST /tickets/:id/qc-fail',
      allowed: SUPERVISORS,
      status: 200,
      setup: async () => ({ ticket: await ticketIn('WAITING_QC') }),
      request: (who, f) => who.api.post(`/tickets/${f.ticket.id}/qc-fail`, { reason: 'scratched bezel' }),
      check: (res) => expect(res.body).to.include({ status: 'REWORK', reworkCount: 1 }),
      observe: ticketState,
    },
    {
      route: 'POST /tickets/:id/release',
      allowed: OWNER_OR_SUPERVISORS,
      status: 200,
      setup: inProgress,
      request: (who, f) => who.api.post(`/tickets/${f.ticket.id}/release`, { reason: 'waiting for a part' }),
      check: (res) => {
        expect(res.body.status).to.equal('ASSIGNED');
        expect(res.body.stoppedSession).to.include({ status: 'STOPPED' });
      },
      observe: ticketState,
    },
    {
      route: 'POST /tickets/:id/cancel',
      allowed: SUPERVISORS,
      status: 200,
      setup: async () => ({ ticket: await ticketIn('ASSIGNED') }),
      request: (who, f) => who.api.post(`/tickets/${f.ticket.id}/cancel`, { reason: 'customer withdrew' }),
      check: (res) => expect(res.body.status).to.equal('CANCELLED'),
      observe: ticketState,
    },
    {
      route: 'GET /tickets/:id/transitions',
      allowed: ANY_BUT_OTHER_TECHNICIAN,
      status: 200,
      setup: async () => ({ ticket: await ticketIn('ASSIGNED') }),
      request: (who, f) => who.api.get(`/tickets/${f.ticket.id}/transitions`),
      check: (res) => expect(res.body.items.map((e: any) => e.event)).to.deep.equal(['CREATE', 'PART_SPEC_ADD', 'ASSIGN']),
    },
    {
      route: 'POST /tickets/:id/part-specs',
      allowed: SUPERVISORS,
      status: 201,
      setup: async () => ({ ticket: await ticketIn('ASSIGNED'), part: await buildPart(admin, 10) }),
      request: (who, f) => who.api.post(`/tickets/${f.ticket.id}/part-specs`, { partId: f.part.id }),
      check: (res, f) => expect(res.body).to.include({ partId: f.part.id, srtMinutes: 10, isActive: true }),
      observe: ticketState,
    },
    {
      route: 'DELETE /tickets/:id/part-specs/:specId',
      allowed: SUPERVISORS,
      status: 200,
      setup: async () => {
        const ticket = await ticketIn('ASSIGNED');
        const detail = await admin.api.get(`/tickets/${ticket.id}`);
        return { ticket, specId: detail.body.partSpecs[0].id };
      },
      request: (who, f) => who.api.delete(`/tickets/${f.ticket.id}/part-specs/${f.specId}`),
      check: (res) => expect(res.body.isActive).to.equal(false),
      observe: ticketState,
    },
    {
      route: 'PUT /tickets/:id/metrics',
      allowed: SUPERVISORS,
      status: 200,
      setup: async () => ({ ticket: await ticketIn('ASSIGNED') }),
      request: (who, f) =>
        who.api.put(`/tickets/${f.ticket.id}/metrics`, { srtTotalMinutes: 60, flagMinutes: 60, xpAmount: 70, reason: 'estimate' }),
      check: (res) => expect(res.body).to.include({ metricsSource: 'MANUAL', flagMinutes: 60 }),
      observe: ticketState,
    },
    {
      route: 'DELETE /tickets/:id/metrics',
      allowed: SUPERVISORS,
      status: 200,
      setup: async () => {
        const ticket = await ticketIn('ASSIGNED');
        const manual = await admin.api.put(`/tickets/${ticket.id}/metrics`, {
          srtTotalMinutes: 60,
          flagMinutes: 60,
          xpAmount: 70,
          reason: 'estimate',
        });
        expect(manual.status).to.equal(200);
        return { ticket };
      },
      request: (who, f) => who.api.delete(`/tickets/${f.ticket.id}/metrics`),
      check: (res) => expect(res.body).to.include({ metricsSource: 'AUTO', srtTotalMinutes: 20 }),
      observe: ticketState,
    },

    // --- work sessions ---
    {
      route: 'POST /work-sessions',
      allowed: OWNER_OR_SUPERVISORS,
      status: 201,
      setup: async () => {
        const f = await inProgress();
        const stopped = await supervisor.api.post(`/work-sessions/${f.session.id}/stop`);
        expect(stopped.status).to.equal(200);
        return f;
      },
      request: (who, f) => who.api.post('/work-sessions', { ticketId: f.ticket.id }),
      check: (res, f) => expect(res.body).to.include({ status: 'RUNNING', ticketId: f.ticket.id, technicianId: technician.id }),
      observe: async (f) => (await admin.api.get(`/work-sessions?ticketId=${f.ticket.id}`)).body.items.map((s: any) => s.status),
    },
    {
      route: 'GET /work-sessions',
      allowed: ANYONE,
      status: 200,
      setup: inProgress,
      request: (who) => who.api.get('/work-sessions'),
      check: (res, f, who) => {
        const ids = res.body.items.map((s: any) => s.id);
        if (who === otherTechnician) expect(ids).to.not.include(f.session.id);
        else expect(ids).to.include(f.session.id);
      },
    },
    {
      route: 'GET /work-sessions/:id',
      allowed: OWNER_OR_SUPERVISORS,
      status: 200,
      setup: inProgress,
      request: (who, f) => who.api.get(`/work-sessions/${f.session.id}`),
      check: (res, f) => expect(res.body).to.include({ id: f.session.id, status: 'RUNNING' }),
    },
    {
      route: 'POST /work-sessions/:id/pause',
      allowed: OWNER_OR_SUPERVISORS,
      status: 200,
      setup: inProgress,
      request: (who, f) => who.api.post(`/work-sessions/${f.session.id}/pause`, { reason: 'BREAK' }),
      check: (res) => expect(res.body).to.include({ status: 'PAUSED', pauseReason: 'BREAK' }),
      observe: sessionState,
    },
    {
      route: 'POST /work-sessions/:id/resume',
      allowed: OWNER_OR_SUPERVISORS,
      status: 200,
      setup: async () => {
        const f = await inProgress();
        expect((await supervisor.api.post(`/work-sessions/${f.session.id}/pause`, { reason: 'OTHER' })).status).to.equal(200);
        return f;
      },
      request: (who, f) => who.api.post(`/work-sessions/${f.session.id}/resume`),
      check: (res) => expect(res.body.status).to.equal('RUNNING'),
      observe: sessionState,
    },
    {
      route: 'POST /work-sessions/:id/stop',
      allowed: OWNER_OR_SUPERVISORS,
      status: 200,
      setup: inProgress,
      request: (who, f) => who.api.post(`/work-sessions/${f.session.id}/stop`),
      check: (res) => expect(res.body.status).to.equal('STOPPED'),
      observe: sessionState,
    },
    {
      route: 'POST /work-sessions/:id/recalculate',
      allowed: SUPERVISORS,
      status: 200,
      setup: inProgress,
      request: (who, f) => who.api.post(`/work-sessions/${f.session.id}/recalculate`),
      check: (res) => expect(res.body.consistent).to.equal(true),
      observe: sessionState,
    },
    {
      route: 'GET /work-sessions/:id/transitions',
      allowed: OWNER_OR_SUPERVISORS,
      status: 200,
      setup: inProgress,
      request: (who, f) => who.api.get(`/work-sessions/${f.session.id}/transitions`),
      check: (res) => expect(res.body.items.map((e: any) => e.event)).to.deep.equal(['START']),
    },

    // --- stockouts ---
    {
      // The fixture ticket belongs to TECHNICIAN: OTHER_TECHNICIAN may not report on it.
      route: 'POST /stockouts',
      allowed: OWNER_OR_SUPERVISORS,
      status: 201,
      setup: async () => ({ ticket: await ticketIn('ASSIGNED'), part: await buildPart(admin) }),
      request: (who, f) => who.api.post('/stockouts', { partId: f.part.id, ticketId: f.ticket.id, note: 'bin empty' }),
      check: (res, f, who) => expect(res.body).to.include({ status: 'OPEN', partId: f.part.id, reportedBy: who.id }),
      observe: stockoutState,
    },
    {
      route: 'POST /stockouts/:id/resolve',
      allowed: SUPERVISORS,
      status: 200,
      setup: async () => {
        const part = await buildPart(admin);
        const opened = await technician.api.post('/stockouts', { partId: part.id });
        expect(opened.status).to.equal(201);
        return { part, stockout: opened.body };
      },
      request: (who, f) => who.api.post(`/stockouts/${f.stockout.id}/resolve`, { note: 'delivered' }),
      check: (res) => expect(res.body.status).to.equal('RESOLVED'),
      observe: stockoutState,
    },
    {
      route: 'GET /stockouts',
      allowed: ANYONE,
      status: 200,
      request: (who) => who.api.get('/stockouts?status=OPEN'),
      check: (res) => expect(res.body.items).to.be.an('array'),
    },

    // --- SLA automation, calendar, delivery targets ---
    {
      route: 'GET /sla/rules',
      allowed: SUPERVISORS,
      status: 200,
      request: (who) => who.api.get('/sla/rules'),
      check: (res) => expect(res.body.items).to.have.length(7),
    },
    {
      route: 'PUT /sla/rules/:key',
      allowed: ADMINS,
      status: 200,
      request: (who) => who.api.put('/sla/rules/TICKET_TURNAROUND', { warnAtPercent: 80 }),
      check: (res) => expect(res.body).to.include({ key: 'TICKET_TURNAROUND', warnAtPercent: 80 }),
    },
    {
      route: 'GET /sla/events',
      allowed: SUPERVISORS,
      status: 200,
      request: (who) => who.api.get('/sla/events?severity=BREACH'),
      check: (res) => expect(res.body.items).to.be.an('array'),
    },
    {
      route: 'GET /sla/events/:id/attempts',
      allowed: SUPERVISORS,
      status: 200,
      setup: async () => {
        await admin.api.put('/sla/rules/TICKET_UNDER_REVIEW_TOO_LONG', { thresholdMinutes: 0 });
        const ticket = await ticketIn('UNDER_REVIEW');
        const evaluated = await admin.api.post('/sla/evaluate', {});
        await admin.api.put('/sla/rules/TICKET_UNDER_REVIEW_TOO_LONG', { thresholdMinutes: 60 });
        const event = evaluated.body.created.find((e: any) => e.subjectId === ticket.id);
        expect(event, JSON.stringify(evaluated.body)).to.not.equal(undefined);
        return { ticket, stockout: event };
      },
      request: (who, f) => who.api.get(`/sla/events/${f.stockout.id}/attempts`),
      check: (res) => expect(res.body.items.map((a: any) => a.channel)).to.include('SOCKET'),
    },
    {
      route: 'POST /sla/evaluate',
      allowed: ADMINS,
      status: 200,
      request: (who) => who.api.post('/sla/evaluate', {}),
      check: (res) => expect(res.body.created).to.be.an('array'),
    },
    {
      route: 'GET /calendar',
      allowed: SUPERVISORS,
      status: 200,
      request: (who) => who.api.get('/calendar'),
      check: (res) => expect(res.body).to.have.property('mode'),
    },
    {
      route: 'PUT /calendar',
      allowed: ADMINS,
      status: 200,
      request: (who) =>
        who.api.put('/calendar', { timezone: 'Europe/Berlin', weeklyHours: { mon: [{ start: '08:00', end: '17:00' }] }, holidays: [] }),
      check: (res) => expect(res.body).to.include({ mode: 'BUSINESS_HOURS', timezone: 'Europe/Berlin' }),
      observe: async () => (await admin.api.get('/calendar')).body,
    },
    {
      route: 'DELETE /calendar',
      allowed: ADMINS,
      status: 200,
      request: (who) => who.api.delete('/calendar'),
      check: (res) => expect(res.body).to.include({ mode: 'ALWAYS_OPEN' }),
      observe: async () => (await admin.api.get('/calendar')).body,
    },
    {
      route: 'GET /delivery-targets',
      allowed: ADMINS,
      status: 200,
      request: (who) => who.api.get('/delivery-targets'),
      check: (res) => expect(res.body.items).to.be.an('array'),
    },
    {
      route: 'POST /delivery-targets',
      allowed: ADMINS,
      status: 201,
      request: (who) => who.api.post('/delivery-targets', { url: 'http://127.0.0.1:9/hook', secret: 'a-secret-of-16-chars', minLevel: 2 }),
      check: (res) => {
        expect(res.body).to.include({ url: 'http://127.0.0.1:9/hook', minLevel: 2, secretSet: true });
        expect(res.body).to.not.have.property('secret');
      },
      observe: async () => (await admin.api.get('/delivery-targets')).body.items.length,
    },
    {
      route: 'DELETE /delivery-targets/:id',
      allowed: ADMINS,
      status: 200,
      setup: async () => {
        const created = await admin.api.post('/delivery-targets', { url: 'http://127.0.0.1:9/x', secret: 'another-secret-16ch' });
        expect(created.status).to.equal(201);
        return { item: created.body };
      },
      request: (who, f) => who.api.delete(`/delivery-targets/${f.item.id}`),
      check: (res, f) => expect(res.body.id).to.equal(f.item.id),
      observe: async () => (await admin.api.get('/delivery-targets')).body.items.map((t: any) => t.id),
    },

    // --- floor ---
    {
      route: 'GET /floor',
      allowed: ANYONE,
      status: 200,
      request: (who) => who.api.get('/floor'),
      check: (res) => expect(res.body).to.have.keys('at', 'ticketsByStatus', 'technicians', 'openBreaches', 'openStockouts'),
    },

    // --- analytics ---
    {
      // "SUPERVISOR+ (technician: own)": TECHNICIAN's row, which OTHER_TECHNICIAN may not read.
      route: 'GET /analytics/payroll',
      allowed: OWNER_OR_SUPERVISORS,
      status: 200,
      request: (who) => who.api.get(`/analytics/payroll?from=2026-01-01&to=2026-01-31&technicianId=${technician.id}`),
      check: (res) => expect(res.body.rows.map((r: any) => r.technicianId)).to.deep.equal([technician.id]),
    },
    {
      route: 'GET /admin/session-consistency',
      allowed: ADMINS,
      status: 200,
      request: (who) => who.api.get('/admin/session-consistency'),
      check: (res) => expect(res.body).to.include({ consistent: true, inconsistentSessions: 0 }),
    },
  ];

  /** Ends TECHNICIAN's ticket in progress so the next fixture can start one (one in progress per technician). */
  afterEach(async () => {
    const busy = await admin.api.get(`/tickets?technicianId=${technician.id}&status=IN_PROGRESS`);
    for (const ticket of busy.body.items ?? []) {
      const released = await admin.api.post(`/tickets/${ticket.id}/release`, { reason: 'test cleanup' });
      expect(released.status, JSON.stringify(released.body)).to.equal(200);
    }
  });

  it('the matrix covers every route of route-table.ts plus POST /auth/login', () => {
    const expected = routeTable.map((r) => `${r.method.toUpperCase()} ${r.path}`).concat('POST /auth/login').sort();
    expect(cases.map((c) => c.route).sort()).to.deep.equal(expected);
  });

  for (const c of cases) {
    describe(c.route, () => {
      for (const name of ACTORS) {
        const allowed = c.allowed.includes(name);
        it(`${name} → ${allowed ? c.status : '403 FORBIDDEN'}`, async () => {
          const who = actor(name);
          const fixture = c.setup ? await c.setup() : {};
          const before = allowed || !c.observe ? undefined : await c.observe(fixture);
          const res = await c.request(who, fixture);
          if (allowed) {
            expect(res.status, JSON.stringify(res.body)).to.equal(c.status);
            c.check?.(res, fixture, who);
          } else {
            expectForbidden(res);
            if (c.observe) expect(await c.observe(fixture), 'a refused request changed state').to.deep.equal(before);
          }
        });
      }
    });
  }

  describe('object-level rule (domain.md): a technician acts and reads only their own', () => {
    it('a technician on another technician’s ticket: start, submit-qc, release → 403 and the ticket is untouched', async () => {
      const assigned = await ticketIn('ASSIGNED');
      const before = await ticketState({ ticket: assigned });
      const start = await otherTechnician.api.post(`/tickets/${assigned.id}/start`);
      expectForbidden(start);
      expect(start.body.error.details).to.deep.equal({ ticketId: assigned.id });
      expect(await ticketState({ ticket: assigned })).to.deep.equal(before);

      const started = await technician.api.post(`/tickets/${assigned.id}/start`);
      expect(started.status).to.equal(200);
      const running = await ticketState({ ticket: assigned });
      expectForbidden(await otherTechnician.api.post(`/tickets/${assigned.id}/submit-qc`));
      expectForbidden(await otherTechnician.api.post(`/tickets/${assigned.id}/release`, { reason: 'not mine' }));
      expect(await ticketState({ ticket: assigned })).to.deep.equal(running);
    });

    it('a technician on another technician’s session: pause, resume, stop, GET transitions → 403', async () => {
      const f = await inProgress();
      const sessionId = f.session.id as string;
      const before = await sessionState(f);
      expectForbidden(await otherTechnician.api.post(`/work-sessions/${sessionId}/pause`, { reason: 'BREAK' }));
      expectForbidden(await otherTechnician.api.post(`/work-sessions/${sessionId}/stop`));
      expectForbidden(await otherTechnician.api.get(`/work-sessions/${sessionId}/transitions`));
      expect(await sessionState(f)).to.deep.equal(before);

      expect((await technician.api.post(`/work-sessions/${sessionId}/pause`, { reason: 'BREAK' })).status).to.equal(200);
      const paused = await sessionState(f);
      const resume = await otherTechnician.api.post(`/work-sessions/${sessionId}/resume`);
      expectForbidden(resume);
      expect(resume.body.error.details).to.deep.equal({ sessionId });
      expect(await sessionState(f)).to.deep.equal(paused);
    });

    it('a technician GET /tickets/:id of another technician’s ticket or an unassigned one → 403', async () => {
      const mine = await ticketIn('ASSIGNED');
      const unassigned = await ticketIn('UNDER_REVIEW');
      expect((await technician.api.get(`/tickets/${mine.id}`)).status).to.equal(200);
      expectForbidden(await otherTechnician.api.get(`/tickets/${mine.id}`));
      expectForbidden(await otherTechnician.api.get(`/tickets/${mine.id}/transitions`));
      expectForbidden(await technician.api.get(`/tickets/${unassigned.id}`));
    });

    it('GET /tickets lists only the technician’s own tickets; ?technicianId=<other> → 403', async () => {
      const mine = await ticketIn('ASSIGNED');
      const theirs = await buildTicketIn('ASSIGNED', { ...ctx(), technician: otherTechnician });
      const unassigned = await ticketIn('UNDER_REVIEW');

      const own = await technician.api.get('/tickets?limit=200');
      expect(own.status).to.equal(200);
      const ids = own.body.items.map((x: any) => x.id);
      expect(ids).to.include(mine.id);
      expect(ids).to.not.include(theirs.id);
      expect(ids).to.not.include(unassigned.id);
      expect(own.body.items.every((x: any) => x.technicianId === technician.id)).to.equal(true);

      const other = await otherTechnician.api.get('/tickets?limit=200');
      expect(other.body.items.map((x: any) => x.id)).to.include(theirs.id).and.not.include(mine.id);
      expect(other.body.items.every((x: any) => x.technicianId === otherTechnician.id)).to.equal(true);

      expect((await technician.api.get(`/tickets?technicianId=${technician.id}`)).status).to.equal(200);
      expectForbidden(await technician.api.get(`/tickets?technicianId=${otherTechnician.id}`));

      // Supervisors and the wallboard see everyone's.
      const all = await wallboard.api.get('/tickets?limit=200');
      expect(all.body.items.map((x: any) => x.id)).to.include.members([mine.id, theirs.id, unassigned.id]);
    });

    it('GET /work-sessions lists only the technician’s own sessions; ?technicianId=<other> → 403', async () => {
      const mine = await inProgress();
      const theirs = await buildTicketIn('IN_PROGRESS', { ...ctx(), technician: otherTechnician });
      try {
        const own = await technician.api.get('/work-sessions?open=true');
        expect(own.status).to.equal(200);
        expect(own.body.items.map((s: any) => s.id)).to.deep.equal([mine.session.id]);
        const everything = await technician.api.get('/work-sessions?limit=500');
        expect(everything.body.items.every((s: any) => s.technicianId === technician.id)).to.equal(true);
        // A ticketId filter on someone else's ticket does not leak their sessions.
        const leak = await technician.api.get(`/work-sessions?ticketId=${theirs.id}`);
        expect(leak.status === 403 || (leak.status === 200 && leak.body.items.length === 0), JSON.stringify(leak.body)).to.equal(
          true,
        );

        expectForbidden(await technician.api.get(`/work-sessions?technicianId=${otherTechnician.id}`));
        const sup = await supervisor.api.get(`/work-sessions?technicianId=${otherTechnician.id}&open=true`);
        expect(sup.body.items.map((s: any) => s.id)).to.deep.equal([theirs.openSession.id]);
      } finally {
        await admin.api.post(`/tickets/${theirs.id}/release`, { reason: 'test cleanup' });
      }
    });

    it('a technician opening a stockout with another technician’s ticketId → 403, with their own or none → 201', async () => {
      const theirs = await buildTicketIn('ASSIGNED', { ...ctx(), technician: otherTechnician });
      const mine = await ticketIn('ASSIGNED');
      const part = await buildPart(admin);
      const refused = await technician.api.post('/stockouts', { partId: part.id, ticketId: theirs.id });
      expectForbidden(refused);
      expect(refused.body.error.details).to.deep.equal({ ticketId: theirs.id });
      const open = await admin.api.get('/stockouts?status=OPEN&limit=500');
      expect(open.body.items.filter((s: any) => s.partId === part.id)).to.have.length(0);

      const own = await technician.api.post('/stockouts', { partId: part.id, ticketId: mine.id });
      expect(own.status).to.equal(201);
      const other = await buildPart(admin);
      const noTicket = await otherTechnician.api.post('/stockouts', { partId: other.id });
      expect(noTicket.status).to.equal(201);
      expect(noTicket.body).to.include({ ticketId: null, reportedBy: otherTechnician.id });
    });

    it('QC pass/fail: a supervisor may, the technician may not (403), and nothing changes on refusal', async () => {
      const a = await ticketIn('WAITING_QC');
      const before = await ticketState({ ticket: a });
      const techPass = await technician.api.post(`/tickets/${a.id}/qc-pass`);
      expectForbidden(techPass);
      expect(techPass.body.error.details.requiredRoles).to.deep.equal(['ADMIN', 'SUPERVISOR']);
      expectForbidden(await technician.api.post(`/tickets/${a.id}/qc-fail`, { reason: 'looks fine to me' }));
      expect(await ticketState({ ticket: a })).to.deep.equal(before);

      const fail = await supervisor.api.post(`/tickets/${a.id}/qc-fail`, { reason: 'dead pixel' });
      expect(fail.status).to.equal(200);
      expect(fail.body).to.include({ status: 'REWORK', reworkCount: 1 });

      const b = await ticketIn('WAITING_QC');
      const pass = await supervisor.api.post(`/tickets/${b.id}/qc-pass`);
      expect(pass.status).to.equal(200);
      expect(pass.body.status).to.equal('DONE');
      expect(pass.body.transition).to.include({ event: 'QC_PASS', actorId: supervisor.id });
    });

    it('four-eyes: a technician promoted to supervisor may not QC their own ticket (403)', async () => {
      const promoted = await buildUser(t.current, admin, 'TECHNICIAN');
      const ticket = await buildTicketIn('WAITING_QC', { ...ctx(), technician: promoted });
      const patched = await admin.api.patch(`/users/${promoted.id}`, { role: 'SUPERVISOR' });
      expect(patched.status).to.equal(200);
      const before = await ticketState({ ticket });
      const pass = await promoted.api.post(`/tickets/${ticket.id}/qc-pass`);
      expectForbidden(pass);
      expect(pass.body.error.details).to.deep.equal({ rule: 'FOUR_EYES' });
      expectForbidden(await promoted.api.post(`/tickets/${ticket.id}/qc-fail`, { reason: 'self review' }));
      expect(await ticketState({ ticket })).to.deep.equal(before);
      expect((await supervisor.api.post(`/tickets/${ticket.id}/qc-pass`)).status).to.equal(200);
    });

    it('a role change takes effect at once: a demoted supervisor token is refused supervisor commands', async () => {
      const demoted = await buildUser(t.current, admin, 'SUPERVISOR');
      expect((await demoted.api.get('/users')).status).to.equal(200);
      expect((await admin.api.patch(`/users/${demoted.id}`, { role: 'WALLBOARD' })).status).to.equal(200);
      expectForbidden(await demoted.api.get('/users'));
    });
  });

  describe('wallboard (read-only display)', () => {
    it('cannot run any command of route-table.ts: 403 before validation or lookup', async () => {
      const commands = routeTable.filter((r) => r.kind === 'command');
      expect(commands.length).to.be.greaterThan(20);
      for (const route of commands) {
        const path = route.path.replace(/:(\w+)/g, () => randomUUID());
        const res = await wallboard.api.request(route.method.toUpperCase(), path, route.method === 'delete' ? {} : { body: {} });
        expect(res.status, `${route.method.toUpperCase()} ${route.path}: ${JSON.stringify(res.body)}`).to.equal(403);
        expectForbidden(res);
      }
    });

    it('cannot run a command on a real ticket either, and the ticket is untouched', async () => {
      const ticket = await ticketIn('ASSIGNED');
      const before = await ticketState({ ticket });
      expectForbidden(await wallboard.api.post(`/tickets/${ticket.id}/start`));
      expectForbidden(await wallboard.api.post(`/tickets/${ticket.id}/cancel`, { reason: 'nope' }));
      expectForbidden(await wallboard.api.post('/stockouts', { partId: sharedPart.id }));
      expect(await ticketState({ ticket })).to.deep.equal(before);
    });

    it('can GET /floor, /tickets, /parts, /stockouts', async () => {
      for (const path of ['/floor', '/tickets', '/parts', '/stockouts']) {
        const res = await wallboard.api.get(path);
        expect(res.status, `${path}: ${JSON.stringify(res.body)}`).to.equal(200);
      }
    });
  });
});
