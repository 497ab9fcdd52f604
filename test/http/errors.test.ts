import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { SignJWT } from 'jose';
import { ApiClient, type ApiResponse } from '../support/api-client.js';
import { buildItem, buildPart, buildTicket, buildTicketIn, buildUser, expectError, loginAdmin, type TestUser } from '../support/factories.js';
import { ADMIN, testEnv, useProduct } from '../support/harness.js';

/** Every response this file received, to check that no error body ever carries a stack trace. */
const received: ApiResponse[] = [];

/** An ApiClient that records what it receives. */
class RecordingClient extends ApiClient {
  override async request<T = any>(
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const res = await super.request<T>(method, path, options);
    received.push(res);
    return res;
  }
}

const STACK = /\bstack\b|\n\s+at\s|\bat\s+\S+\s+\(?[^)]*\.(?:ts|js|mjs|cjs):\d+|node_modules|node:internal/;

/** api.md: `{ error: { code, message, details } }` and nothing else; no internals. */
function expectContractError(res: ApiResponse, status: number, code: string): any {
  expectError(res, status, code);
  expect(res.headers.get('content-type') ?? '').to.include('application/json');
  expect(Object.keys(res.body)).to.deep.equal(['error']);
  expect(Object.keys(res.body.error).sort()).to.deep.equal(['code', 'details', 'message']);
  expect(res.body.error.message).to.be.a('string').and.not.equal('');
  expect(JSON.stringify(res.body)).to.not.match(STACK);
  return res.body.error;
}

/** The secret the products of this suite sign with (harness.ts testEnv). */
const TEST_JWT_SECRET = testEnv('postgres://unused@127.0.0.1/unused').JWT_SECRET!;

const cursorOf = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString('base64url');

describe('error contract over REST (api.md "Errors")', () => {
  const t = useProduct();
  let admin: TestUser;
  let supervisor: TestUser;
  let technician: TestUser;
  let part: { id: string; sku: string; defaultSrtMinutes: number };
  let anon: RecordingClient;
  let asAdmin: RecordingClient;
  let asSupervisor: RecordingClient;
  let asTechnician: RecordingClient;
  const client = (user: TestUser) => new RecordingClient(t.current.product.url, user.token);

  before(async () => {
    admin = await loginAdmin(t.current);
    supervisor = await buildUser(t.current, admin, 'SUPERVISOR');
    technician = await buildUser(t.current, admin, 'TECHNICIAN');
    part = await buildPart(admin, 20);
    anon = new RecordingClient(t.current.product.url);
    asAdmin = client(admin);
    asSupervisor = client(supervisor);
    asTechnician = client(technician);
  });

  const ctx = (tech: TestUser = technician) => ({ admin, supervisor, technician: tech, part });

  /** Everything a refused ticket command could have touched. */
  async function ticketState(id: string) {
    const res = await asAdmin.get(`/tickets/${id}`);
    expect(res.status).to.equal(200);
    const log = await asAdmin.get(`/tickets/${id}/transitions`);
    const sessions = await asAdmin.get(`/work-sessions?ticketId=${id}`);
    const { partSpecs, openSession, allowedEvents, ...ticket } = res.body;
    return {
      ticket,
      partSpecs: partSpecs.map((s: any) => `${s.id}:${s.isActive}`),
      openSession: openSession && `${openSession.id}:${openSession.status}`,
      allowedEvents,
      transitions: log.body.items.length,
      sessions: sessions.body.items.map((s: any) => `${s.id}:${s.status}:${s.updatedAt}`),
    };
  }

  /** All tickets, walking every page. */
  async function allTicketIds(): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: ApiResponse = await asAdmin.get(`/tickets?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).to.equal(200);
      ids.push(...page.body.items.map((x: any) => x.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    return ids;
  }

  async function stockoutsOf(partId: string) {
    const res = await asAdmin.get('/stockouts?limit=500');
    // openMinutes is live (it grows while OPEN); everything else must hold still.
    return res.body.items.filter((s: any) => s.partId === partId).map(({ openMinutes: _live, ...s }: any) => s);
  }

  describe('UNAUTHENTICATED → 401', () => {
    const claims = (user: TestUser) => ({ role: user.role, username: user.username });

    it('missing Authorization header', async () => {
      const err = expectContractError(await anon.get('/tickets'), 401, 'UNAUTHENTICATED');
      expect(err.message).to.equal('Missing bearer token');
      expect(err.details).to.deep.equal({});
    });

    it('malformed header or token (not Bearer, empty, not a JWT)', async () => {
      for (const authorization of [`Basic ${Buffer.from('admin:x').toString('base64')}`, 'Bearer', 'Bearer not-a-jwt', 'Bearer a.b.c']) {
        const res = await anon.get('/parts', { authorization });
        const err = expectContractError(res, 401, 'UNAUTHENTICATED');
        expect(err.details, authorization).to.deep.equal({});
      }
      const err = expectContractError(await anon.get('/parts', { authorization: 'Bearer a.b.c' }), 401, 'UNAUTHENTICATED');
      expect(err.message).to.equal('Invalid token');
    });

    it('a token signed with another secret', async () => {
      const token = await new SignJWT(claims(admin))
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(admin.id)
        .setIssuer('benchline')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode('some-other-secret-that-is-long-enough-too'));
      const err = expectContractError(await anon.get('/parts', { authorization: `Bearer ${token}` }), 401, 'UNAUTHENTICATED');
      expect(err.message).to.equal('Invalid token');
    });

    it('an unsigned token (alg none)', async () => {
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const payload = Buffer.from(
        JSON.stringify({ ...claims(admin), sub: admin.id, iss: 'benchline', exp: Math.floor(Date.now() / 1000) + 3600 }),
      ).toString('base64url');
      expectContractError(await anon.get('/parts', { authorization: `Bearer ${header}.${payload}.` }), 401, 'UNAUTHENTICATED');
    });

    it('an expired token signed with the right secret', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT(claims(admin))
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(admin.id)
        .setIssuer('benchline')
        .setIssuedAt(now - 7200)
        .setExpirationTime(now - 60)
        .sign(new TextEncoder().encode(TEST_JWT_SECRET));
      const err = expectContractError(await anon.get('/parts', { authorization: `Bearer ${token}` }), 401, 'UNAUTHENTICATED');
      expect(err.message).to.equal('Token expired');
      expect(err.details).to.deep.equal({});

      // The same claims, not expired, are accepted: the refusal above is about the expiry only.
      const fresh = await new SignJWT(claims(admin))
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(admin.id)
        .setIssuer('benchline')
        .setIssuedAt()
        .setExpirationTime(now + 600)
        .sign(new TextEncoder().encode(TEST_JWT_SECRET));
      expect((await anon.get('/parts', { authorization: `Bearer ${fresh}` })).status).to.equal(200);
    });

    it('a well-signed token of a user that does not exist', async () => {
      const token = await new SignJWT({ role: 'ADMIN', username: 'ghost' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(randomUUID())
        .setIssuer('benchline')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(TEST_JWT_SECRET));
      expectContractError(await anon.get('/parts', { authorization: `Bearer ${token}` }), 401, 'UNAUTHENTICATED');
    });

    it('the token of a user deactivated via PATCH /users/:id {active:false}, at once; login refused too', async () => {
      const user = await buildUser(t.current, admin, 'SUPERVISOR');
      const own = client(user);
      expect((await own.get('/tickets')).status).to.equal(200);

      const patched = await asAdmin.patch(`/users/${user.id}`, { active: false });
      expect(patched.status).to.equal(200);
      expect(patched.body.active).to.equal(false);

      const err = expectContractError(await own.get('/tickets'), 401, 'UNAUTHENTICATED');
      expect(err.details).to.deep.equal({});
      const item = await buildItem(supervisor);
      const before = await allTicketIds();
      expectContractError(await own.post('/tickets', { inventoryItemId: item.id, title: 'by a ghost' }), 401, 'UNAUTHENTICATED');
      expect(await allTicketIds()).to.deep.equal(before);
      expectContractError(
        await anon.post('/auth/login', { username: user.username, password: 'password-123' }),
        401,
        'UNAUTHENTICATED',
      );
    });

    it('wrong password and unknown username at login: the same 401', async () => {
      const wrong = expectContractError(await anon.post('/auth/login', { username: ADMIN.username, password: 'not-the-password' }), 401, 'UNAUTHENTICATED');
      const unknown = expectContractError(await anon.post('/auth/login', { username: 'no-such-user', password: 'whatever-123' }), 401, 'UNAUTHENTICATED');
      expect(wrong).to.deep.equal(unknown);
      expect(wrong.details).to.deep.equal({});
      // Case-insensitive username, right password: accepted.
      expect((await anon.post('/auth/login', { username: ADMIN.username.toUpperCase(), password: ADMIN.password })).status).to.equal(200);
    });

    it('authentication is checked before routing: an unknown /api/v1 route without a token is 401', async () => {
      expectContractError(await anon.get('/no-such-route'), 401, 'UNAUTHENTICATED');
    });
  });

  describe('VALIDATION_FAILED → 400 with details.issues', () => {
    const issuesOf = (err: any): Array<{ path: string; code: string; message: string }> => {
      expect(err.details).to.have.keys('issues');
      expect(err.details.issues).to.be.an('array');
      for (const issue of err.details.issues) expect(issue).to.include.keys('path', 'code', 'message');
      return err.details.issues;
    };

    it('an unknown field in the body (nothing created)', async () => {
      const item = await buildItem(supervisor);
      const before = await allTicketIds();
      const res = await asSupervisor.post('/tickets', { inventoryItemId: item.id, title: 'x', colour: 'red' });
      const err = expectContractError(res, 400, 'VALIDATION_FAILED');
      const [issue] = issuesOf(err);
      expect(issue).to.include({ code: 'unrecognized_keys' });
      expect(issue!.message).to.include('colour');
      expect(await allTicketIds()).to.deep.equal(before);
    });

    it('a missing required field (qc-fail without reason) leaves the ticket unchanged', async () => {
      const ticket = await buildTicketIn('WAITING_QC', ctx());
      const before = await ticketState(ticket.id);
      const err = expectContractError(await asSupervisor.post(`/tickets/${ticket.id}/qc-fail`, {}), 400, 'VALIDATION_FAILED');
      expect(issuesOf(err)).to.deep.include({ path: 'reason', code: 'invalid_type', message: 'Invalid input: expected string, received undefined' });
      const blank = expectContractError(await asSupervisor.post(`/tickets/${ticket.id}/qc-fail`, { reason: '   ' }), 400, 'VALIDATION_FAILED');
      expect(issuesOf(blank).map((i) => i.path)).to.deep.equal(['reason']);
      expect(await ticketState(ticket.id)).to.deep.equal(before);
    });

    it('a wrong type (defaultSrtMinutes as a string, priority not in the enum)', async () => {
      const parts = (await asAdmin.get('/parts')).body.items.length;
      const err = expectContractError(
        await asAdmin.post('/parts', { sku: 'SKU-TYPE', name: 'Screen', defaultSrtMinutes: '20' }),
        400,
        'VALIDATION_FAILED',
      );
      expect(issuesOf(err)).to.deep.equal([
        { path: 'defaultSrtMinutes', code: 'invalid_type', message: 'Invalid input: expected number, received string' },
      ]);
      expect((await asAdmin.get('/parts')).body.items.length).to.equal(parts);

      const item = await buildItem(supervisor);
      const prio = expectContractError(
        await asSupervisor.post('/tickets', { inventoryItemId: item.id, title: 'x', priority: 'SOON' }),
        400,
        'VALIDATION_FAILED',
      );
      expect(issuesOf(prio).map((i) => `${i.path}:${i.code}`)).to.deep.equal(['priority:invalid_value']);
    });

    it('a non-UUID path id, on queries and commands', async () => {
      for (const [method, path, field] of [
        ['GET', '/tickets/not-a-uuid', 'ticketId'],
        ['POST', '/tickets/12345/start', 'ticketId'],
        ['GET', '/work-sessions/xyz', 'sessionId'],
        ['POST', '/stockouts/xyz/resolve', 'stockoutId'],
        ['GET', '/inventory-items/xyz', 'itemId'],
      ] as const) {
        const err = expectContractError(await asAdmin.request(method, path), 400, 'VALIDATION_FAILED');
        expect(issuesOf(err), `${method} ${path}`).to.deep.equal([{ path: field, code: 'invalid_format', message: 'must be a UUID' }]);
      }
    });

    it('invalid query parameters: ?limit=0, ?limit=abc, ?status=BOGUS, ?technicianId=x, ?open=maybe', async () => {
      const limit0 = expectContractError(await asAdmin.get('/tickets?limit=0'), 400, 'VALIDATION_FAILED');
      expect(issuesOf(limit0)).to.deep.equal([{ path: 'limit', code: 'too_small', message: 'Too small: expected number to be >=1' }]);
      const limit201 = expectContractError(await asAdmin.get('/tickets?limit=201'), 400, 'VALIDATION_FAILED');
      expect(issuesOf(limit201).map((i) => `${i.path}:${i.code}`)).to.deep.equal(['limit:too_big']);
      const limitText = expectContractError(await asAdmin.get('/tickets?limit=abc'), 400, 'VALIDATION_FAILED');
      expect(issuesOf(limitText).map((i) => i.path)).to.deep.equal(['limit']);
      const bogus = expectContractError(await asAdmin.get('/tickets?status=BOGUS'), 400, 'VALIDATION_FAILED');
      expect(issuesOf(bogus).map((i) => `${i.path}:${i.code}`)).to.deep.equal(['status.0:invalid_value']);
      const status = expectContractError(await asAdmin.get('/tickets?status=ASSIGNED,BOGUS'), 400, 'VALIDATION_FAILED');
      expect(issuesOf(status).map((i) => `${i.path}:${i.code}`)).to.deep.equal(['status.1:invalid_value']);
      const tech = expectContractError(await asAdmin.get('/tickets?technicianId=bob'), 400, 'VALIDATION_FAILED');
      expect(issuesOf(tech).map((i) => i.path)).to.deep.equal(['technicianId']);
      const open = expectContractError(await asAdmin.get('/work-sessions?open=maybe'), 400, 'VALIDATION_FAILED');
      expect(issuesOf(open).map((i) => i.path)).to.deep.equal(['open']);
      const stockouts = expectContractError(await asAdmin.get('/stockouts?status=CLOSED'), 400, 'VALIDATION_FAILED');
      expect(issuesOf(stockouts).map((i) => i.path)).to.deep.equal(['status']);
      const role = expectContractError(await asAdmin.get('/users?role=KING'), 400, 'VALIDATION_FAILED');
      expect(issuesOf(role).map((i) => i.path)).to.deep.equal(['role']);
    });

    it('an invalid cursor', async () => {
      for (const cursor of ['garbage', cursorOf({ c: 'yesterday', i: randomUUID() }), cursorOf({ c: new Date().toISOString(), i: 'x' })]) {
        const err = expectContractError(await asAdmin.get(`/tickets?cursor=${cursor}`), 400, 'VALIDATION_FAILED');
        expect(err.message).to.equal('Invalid cursor');
        expect(issuesOf(err)).to.deep.equal([{ path: 'cursor', code: 'invalid_cursor', message: 'not a cursor from this API' }]);
      }
    });

    it('a forged cursor with a well-formed but out-of-range date is a 400, not a 500', async () => {
      // PRODUCT BUG: decodeCursor (src/queries/tickets.query.ts:29-37) accepts any ISO datetime; year 0000 is sent
      // to PostgreSQL as '0000-01-01T00:00:00.000Z', which refuses it (22008 date/time field value out of range),
      // and toAppError turns that into 500 INTERNAL for what is a bad query parameter (api.md: 400 VALIDATION_FAILED).
      const forged = cursorOf({ c: '0000-01-01T00:00:00Z', i: randomUUID() });
      const err = expectContractError(await asAdmin.get(`/tickets?cursor=${forged}`), 400, 'VALIDATION_FAILED');
      expect(issuesOf(err).map((i) => i.path)).to.deep.equal(['cursor']);
    });

    it('a malformed JSON body (nothing changes)', async () => {
      const ticket = await buildTicketIn('ASSIGNED', ctx());
      const before = await ticketState(ticket.id);
      const res = await asSupervisor.request('POST', `/tickets/${ticket.id}/cancel`, { rawBody: '{"reason": "oops"' });
      const err = expectContractError(res, 400, 'VALIDATION_FAILED');
      expect(err.message).to.equal('Request body is not valid JSON');
      expect(issuesOf(err)).to.deep.equal([]);
      expect(await ticketState(ticket.id)).to.deep.equal(before);
    });

    it('a JSON array (or other non-object) body', async () => {
      const ticket = await buildTicketIn('ASSIGNED', ctx());
      const before = await ticketState(ticket.id);
      const array = expectContractError(
        await asSupervisor.request('POST', `/tickets/${ticket.id}/cancel`, { rawBody: '[{"reason":"x"}]' }),
        400,
        'VALIDATION_FAILED',
      );
      expect(array.message).to.equal('Request body must be a JSON object');
      expect(issuesOf(array)).to.deep.equal([]);
      for (const rawBody of ['"reason"', '42', 'null']) {
        expectContractError(await asSupervisor.request('POST', `/tickets/${ticket.id}/cancel`, { rawBody }), 400, 'VALIDATION_FAILED');
      }
      const login = expectContractError(await anon.request('POST', '/auth/login', { rawBody: '[]' }), 400, 'VALIDATION_FAILED');
      expect(issuesOf(login)).to.have.length(1);
      expect(await ticketState(ticket.id)).to.deep.equal(before);
    });

    it('a login body missing a field', async () => {
      const err = expectContractError(await anon.post('/auth/login', { username: 'admin' }), 400, 'VALIDATION_FAILED');
      expect(issuesOf(err).map((i) => i.path)).to.deep.equal(['password']);
    });

    it('invalid If-Match and Idempotency-Key headers', async () => {
      const ticket = await buildTicketIn('ASSIGNED', ctx());
      const before = await ticketState(ticket.id);
      const ifMatch = expectContractError(
        await asSupervisor.post(`/tickets/${ticket.id}/cancel`, { reason: 'x' }, { 'if-match': 'yesterday' }),
        400,
        'VALIDATION_FAILED',
      );
      expect(issuesOf(ifMatch).map((i) => i.path)).to.deep.equal(['If-Match']);
      const key = expectContractError(
        await asSupervisor.post(`/tickets/${ticket.id}/cancel`, { reason: 'x' }, { 'idempotency-key': 'has spaces' }),
        400,
        'VALIDATION_FAILED',
      );
      expect(issuesOf(key).map((i) => i.path)).to.deep.equal(['Idempotency-Key']);
      expect(await ticketState(ticket.id)).to.deep.equal(before);
    });

    it('assigning to a user who is not an active TECHNICIAN (nothing changes)', async () => {
      const ticket = await buildTicket(supervisor);
      const before = await ticketState(ticket.id);
      const err = expectContractError(
        await asSupervisor.post(`/tickets/${ticket.id}/assign`, { technicianId: supervisor.id }),
        400,
        'VALIDATION_FAILED',
      );
      expect(issuesOf(err).map((i) => i.path)).to.deep.equal(['technicianId']);
      expect(await ticketState(ticket.id)).to.deep.equal(before);
    });
  });

  describe('NOT_FOUND → 404', () => {
    it('unknown ticket, session, stockout, item, user, part and spec ids', async () => {
      const id = randomUUID();
      const cases: Array<[string, string, unknown, string]> = [
        ['GET', `/tickets/${id}`, undefined, 'Ticket not found'],
        ['GET', `/tickets/${id}/transitions`, undefined, 'Ticket not found'],
        ['POST', `/tickets/${id}/start`, undefined, 'Ticket not found'],
        ['POST', `/tickets/${id}/cancel`, { reason: 'x' }, 'Ticket not found'],
        ['GET', `/work-sessions/${id}`, undefined, 'Work session not found'],
        ['GET', `/work-sessions/${id}/transitions`, undefined, 'Work session not found'],
        ['POST', `/work-sessions/${id}/pause`, { reason: 'BREAK' }, 'Work session not found'],
        ['POST', '/work-sessions', { ticketId: id }, 'Ticket not found'],
        ['POST', `/stockouts/${id}/resolve`, {}, 'Stockout not found'],
        ['POST', '/stockouts', { partId: id }, 'Part not found'],
        ['GET', `/inventory-items/${id}`, undefined, 'Inventory item not found'],
        ['POST', '/tickets', { inventoryItemId: id, title: 'x' }, 'Inventory item not found'],
        ['PATCH', `/users/${id}`, { displayName: 'x' }, 'User not found'],
      ];
      for (const [method, path, body, message] of cases) {
        const res = await asAdmin.request(method, path, body === undefined ? {} : { body });
        const err = expectContractError(res, 404, 'NOT_FOUND');
        expect(err.message, `${method} ${path}`).to.equal(message);
        expect(err.details, `${method} ${path}`).to.deep.equal({ id });
      }
    });

    it('an unknown part or spec on a real ticket leaves it unchanged', async () => {
      const ticket = await buildTicketIn('ASSIGNED', ctx());
      const before = await ticketState(ticket.id);
      const ghost = randomUUID();
      const spec = expectContractError(await asSupervisor.delete(`/tickets/${ticket.id}/part-specs/${ghost}`), 404, 'NOT_FOUND');
      expect(spec.details).to.deep.equal({ id: ghost });
      const partRes = expectContractError(await asSupervisor.post(`/tickets/${ticket.id}/part-specs`, { partId: ghost }), 404, 'NOT_FOUND');
      expect(partRes.message).to.equal('Part not found');
      expect(await ticketState(ticket.id)).to.deep.equal(before);

      // A spec of another ticket is "not found" on this one, and stays active on its own.
      const other = await buildTicket(supervisor);
      const otherSpec = await asSupervisor.post(`/tickets/${other.id}/part-specs`, { partId: part.id });
      expect(otherSpec.status).to.equal(201);
      const otherBefore = await ticketState(other.id);
      expectContractError(await asSupervisor.delete(`/tickets/${ticket.id}/part-specs/${otherSpec.body.id}`), 404, 'NOT_FOUND');
      expect(await ticketState(other.id)).to.deep.equal(otherBefore);
      expect(await ticketState(ticket.id)).to.deep.equal(before);
    });

    it('an unknown technicianId on assign (nothing changes)', async () => {
      const ticket = await buildTicket(supervisor);
      const before = await ticketState(ticket.id);
      const ghost = randomUUID();
      const err = expectContractError(await asSupervisor.post(`/tickets/${ticket.id}/assign`, { technicianId: ghost }), 404, 'NOT_FOUND');
      expect(err.message).to.equal('Technician not found');
      expect(err.details).to.deep.equal({ id: ghost });
      expect(await ticketState(ticket.id)).to.deep.equal(before);
    });

    it('an unknown route, inside and outside /api/v1, or an unknown method', async () => {
      const inside = expectContractError(await asAdmin.get('/no-such-thing'), 404, 'NOT_FOUND');
      expect(inside.message).to.equal('No route GET /api/v1/no-such-thing');
      expect(inside.details).to.deep.equal({});
      expectContractError(await asAdmin.delete('/tickets'), 404, 'NOT_FOUND');
      const outside = await fetch(`${t.current.product.url}/no-such-page`);
      const body = await outside.json();
      expectContractError({ status: outside.status, body, headers: outside.headers }, 404, 'NOT_FOUND');
      received.push({ status: outside.status, body, headers: outside.headers });
    });
  });

  describe('INVALID_TRANSITION → 409 with details.status and details.allowedEvents', () => {
    it('qc-pass on UNDER_REVIEW', async () => {
      const ticket = await buildTicket(supervisor);
      const before = await ticketState(ticket.id);
      const err = expectContractError(await asSupervisor.post(`/tickets/${ticket.id}/qc-pass`), 409, 'INVALID_TRANSITION');
      expect(err.details).to.deep.equal({
        event: 'QC_PASS',
        status: 'UNDER_REVIEW',
        allowedEvents: ['ASSIGN', 'CANCEL', 'PART_SPEC_ADD', 'METRICS_OVERRIDE', 'METRICS_AUTO'],
      });
      // The refusal names the same events that GET /tickets/:id offers.
      expect(err.details.allowedEvents).to.deep.equal(before.allowedEvents);
      expect(await ticketState(ticket.id)).to.deep.equal(before);
    });

    it('submit-qc with no part spec and AUTO metrics (the session keeps running); MANUAL metrics then allow it', async () => {
      const tech = await buildUser(t.current, admin, 'TECHNICIAN');
      const ticket = await buildTicket(supervisor);
      expect((await asSupervisor.post(`/tickets/${ticket.id}/assign`, { technicianId: tech.id })).status).to.equal(200);
      const started = await client(tech).post(`/tickets/${ticket.id}/start`);
      expect(started.status).to.equal(200);
      const before = await ticketState(ticket.id);
      expect(before.openSession).to.equal(`${started.body.openSession.id}:RUNNING`);

      const err = expectContractError(await client(tech).post(`/tickets/${ticket.id}/submit-qc`), 409, 'INVALID_TRANSITION');
      expect(err.details.status).to.equal('IN_PROGRESS');
      expect(err.details.event).to.equal('SUBMIT_QC');
      expect(err.details.allowedEvents).to.include('RELEASE').and.not.include('SUBMIT_QC');
      expect(await ticketState(ticket.id)).to.deep.equal(before);

      const manual = await asSupervisor.put(`/tickets/${ticket.id}/metrics`, { srtTotalMinutes: 30, flagMinutes: 30, xpAmount: 30, reason: 'quote' });
      expect(manual.status).to.equal(200);
      const submitted = await client(tech).post(`/tickets/${ticket.id}/submit-qc`);
      expect(submitted.status, JSON.stringify(submitted.body)).to.equal(200);
      expect(submitted.body.status).to.equal('WAITING_QC');
    });

    it('part specs and metrics on a DONE ticket (a DELETE of a spec does not slip through)', async () => {
      const ticket = await buildTicketIn('DONE', ctx());
      const before = await ticketState(ticket.id);
      const otherPart = await buildPart(admin, 10);
      const add = expectContractError(await asSupervisor.post(`/tickets/${ticket.id}/part-specs`, { partId: otherPart.id }), 409, 'INVALID_TRANSITION');
      expect(add.details).to.deep.equal({ event: 'PART_SPEC_ADD', status: 'DONE', allowedEvents: [] });
      const specId = before.partSpecs[0]!.split(':')[0];
      const del = expectContractError(await asSupervisor.delete(`/tickets/${ticket.id}/part-specs/${specId}`), 409, 'INVALID_TRANSITION');
      expect(del.details).to.deep.equal({ event: 'PART_SPEC_DEACTIVATE', status: 'DONE', allowedEvents: [] });
      expectContractError(
        await asSupervisor.put(`/tickets/${ticket.id}/metrics`, { srtTotalMinutes: 1, flagMinutes: 1, xpAmount: 1, reason: 'late' }),
        409,
        'INVALID_TRANSITION',
      );
      expectContractError(await asSupervisor.delete(`/tickets/${ticket.id}/metrics`), 409, 'INVALID_TRANSITION');
      expect(await ticketState(ticket.id)).to.deep.equal(before);
    });

    it('cancel while IN_PROGRESS, start while WAITING_QC', async () => {
      const tech = await buildUser(t.current, admin, 'TECHNICIAN');
      const ticket = await buildTicketIn('IN_PROGRESS', ctx(tech));
      const before = await ticketState(ticket.id);
      const cancel = expectContractError(await asSupervisor.post(`/tickets/${ticket.id}/cancel`, { reason: 'x' }), 409, 'INVALID_TRANSITION');
      expect(cancel.details).to.deep.equal({
        event: 'CANCEL',
        status: 'IN_PROGRESS',
        allowedEvents: ['SUBMIT_QC', 'RELEASE', 'PART_SPEC_ADD', 'PART_SPEC_DEACTIVATE', 'METRICS_OVERRIDE', 'METRICS_AUTO'],
      });
      expect(await ticketState(ticket.id)).to.deep.equal(before);

      expect((await client(tech).post(`/tickets/${ticket.id}/submit-qc`)).status).to.equal(200);
      const waiting = await ticketState(ticket.id);
      const start = expectContractError(await client(tech).post(`/tickets/${ticket.id}/start`), 409, 'INVALID_TRANSITION');
      expect(start.details.status).to.equal('WAITING_QC');
      expect(start.details.allowedEvents).to.include.members(['QC_PASS', 'QC_FAIL']).and.not.include('START');
      expect(await ticketState(ticket.id)).to.deep.equal(waiting);
    });

    it('work sessions: resume a RUNNING session, pause or stop a STOPPED one', async () => {
      const tech = await buildUser(t.current, admin, 'TECHNICIAN');
      const ticket = await buildTicketIn('IN_PROGRESS', ctx(tech));
      const sessionId = ticket.openSession.id as string;
      const before = await ticketState(ticket.id);
      const resume = expectContractError(await client(tech).post(`/work-sessions/${sessionId}/resume`), 409, 'INVALID_TRANSITION');
      expect(resume.details).to.deep.equal({ event: 'RESUME', status: 'RUNNING', allowedEvents: ['PAUSE', 'STOP'] });
      expect(await ticketState(ticket.id)).to.deep.equal(before);

      expect((await client(tech).post(`/work-sessions/${sessionId}/stop`)).status).to.equal(200);
      const stopped = await ticketState(ticket.id);
      const stop = expectContractError(await client(tech).post(`/work-sessions/${sessionId}/stop`), 409, 'INVALID_TRANSITION');
      expect(stop.details).to.deep.equal({ event: 'STOP', status: 'STOPPED', allowedEvents: [] });
      expectContractError(await client(tech).post(`/work-sessions/${sessionId}/pause`, { reason: 'BREAK' }), 409, 'INVALID_TRANSITION');
      expect(await ticketState(ticket.id)).to.deep.equal(stopped);
    });

    it('resolving an already resolved stockout → 409 and nothing changes', async () => {
      const p = await buildPart(admin);
      const opened = await asTechnician.post('/stockouts', { partId: p.id, note: 'bin empty' });
      expect(opened.status).to.equal(201);
      const resolved = await asSupervisor.post(`/stockouts/${opened.body.id}/resolve`, { note: 'delivered' });
      expect(resolved.status).to.equal(200);
      const before = await stockoutsOf(p.id);

      const again = await asAdmin.post(`/stockouts/${opened.body.id}/resolve`, { note: 'delivered twice' });
      const err = expectContractError(again, 409, 'INVALID_TRANSITION');
      expect(err.details).to.deep.equal({ event: 'RESOLVE', status: 'RESOLVED', allowedEvents: [] });
      const after = await stockoutsOf(p.id);
      expect(after).to.deep.equal(before);
      expect(after[0]).to.include({ status: 'RESOLVED', resolvedBy: supervisor.id, resolutionNote: 'delivered' });
    });
  });

  describe('CONFLICT → 409 with details.invariant', () => {
    it('ONE_ACTIVE_TICKET_PER_ITEM: a second ticket for the same item', async () => {
      const item = await buildItem(supervisor);
      const first = await asSupervisor.post('/tickets', { inventoryItemId: item.id, title: 'first' });
      expect(first.status).to.equal(201);
      const before = await allTicketIds();
      const err = expectContractError(await asSupervisor.post('/tickets', { inventoryItemId: item.id, title: 'second' }), 409, 'CONFLICT');
      expect(err.details).to.deep.equal({ invariant: 'ONE_ACTIVE_TICKET_PER_ITEM' });
      expect(await allTicketIds()).to.deep.equal(before);
      // Once the first is no longer active, the item may get a new ticket.
      expect((await asSupervisor.post(`/tickets/${first.body.id}/cancel`, { reason: 'duplicate' })).status).to.equal(200);
      expect((await asSupervisor.post('/tickets', { inventoryItemId: item.id, title: 'third' })).status).to.equal(201);
    });

    it('ONE_IN_PROGRESS_TICKET_PER_TECHNICIAN: starting a second ticket for the same technician', async () => {
      const tech = await buildUser(t.current, admin, 'TECHNICIAN');
      await buildTicketIn('IN_PROGRESS', ctx(tech));
      const second = await buildTicketIn('ASSIGNED', ctx(tech));
      const before = await ticketState(second.id);
      const err = expectContractError(await client(tech).post(`/tickets/${second.id}/start`), 409, 'CONFLICT');
      expect(err.details).to.deep.equal({ invariant: 'ONE_IN_PROGRESS_TICKET_PER_TECHNICIAN' });
      expectContractError(await asSupervisor.post(`/tickets/${second.id}/start`), 409, 'CONFLICT');
      expect(await ticketState(second.id)).to.deep.equal(before);
      const open = await asAdmin.get(`/work-sessions?technicianId=${tech.id}&open=true`);
      expect(open.body.items).to.have.length(1);
    });

    it('ONE_ACTIVE_SPEC_PER_PART: the same part twice on a ticket', async () => {
      const ticket = await buildTicketIn('ASSIGNED', ctx());
      const before = await ticketState(ticket.id);
      const err = expectContractError(await asSupervisor.post(`/tickets/${ticket.id}/part-specs`, { partId: part.id, srtMinutes: 99 }), 409, 'CONFLICT');
      expect(err.details).to.deep.equal({ invariant: 'ONE_ACTIVE_SPEC_PER_PART' });
      expect(await ticketState(ticket.id)).to.deep.equal(before);
    });

    it('ONE_OPEN_SESSION_PER_TICKET: POST /work-sessions on a ticket whose session is open', async () => {
      const tech = await buildUser(t.current, admin, 'TECHNICIAN');
      const ticket = await buildTicketIn('IN_PROGRESS', ctx(tech));
      const before = await ticketState(ticket.id);
      const err = expectContractError(await client(tech).post('/work-sessions', { ticketId: ticket.id }), 409, 'CONFLICT');
      expect(err.details).to.deep.equal({ invariant: 'ONE_OPEN_SESSION_PER_TICKET' });
      expectContractError(await asSupervisor.post('/work-sessions', { ticketId: ticket.id }), 409, 'CONFLICT');
      expect(await ticketState(ticket.id)).to.deep.equal(before);
    });

    it('ONE_OPEN_SESSION_PER_TECHNICIAN is not reachable sequentially over REST: every path to a second open session is refused earlier', async () => {
      // A session opens only for the assignee of an IN_PROGRESS ticket (session statechart guard); a technician has at
      // most one IN_PROGRESS ticket (ONE_IN_PROGRESS_TICKET_PER_TECHNICIAN) and that ticket at most one open session
      // (ONE_OPEN_SESSION_PER_TICKET); SUBMIT_QC and RELEASE stop the session and CANCEL is refused while IN_PROGRESS.
      // So the per-technician index can only be hit by a race; these are the sequential attempts.
      const tech = await buildUser(t.current, admin, 'TECHNICIAN');
      const a = await buildTicketIn('IN_PROGRESS', ctx(tech));
      const b = await buildTicketIn('ASSIGNED', ctx(tech));

      const sameTicket = expectContractError(await client(tech).post('/work-sessions', { ticketId: a.id }), 409, 'CONFLICT');
      expect(sameTicket.details.invariant).to.equal('ONE_OPEN_SESSION_PER_TICKET');
      const otherTicket = expectContractError(await client(tech).post('/work-sessions', { ticketId: b.id }), 409, 'INVALID_TRANSITION');
      expect(otherTicket.details).to.include.keys('status', 'allowedEvents');
      expect(otherTicket.details.allowedEvents).to.deep.equal([]);
      const startB = expectContractError(await client(tech).post(`/tickets/${b.id}/start`), 409, 'CONFLICT');
      expect(startB.details.invariant).to.equal('ONE_IN_PROGRESS_TICKET_PER_TECHNICIAN');
      const cancelA = expectContractError(await asSupervisor.post(`/tickets/${a.id}/cancel`, { reason: 'x' }), 409, 'INVALID_TRANSITION');
      expect(cancelA.details.status).to.equal('IN_PROGRESS');

      const open = await asAdmin.get(`/work-sessions?technicianId=${tech.id}&open=true`);
      expect(open.body.items.map((s: any) => s.id)).to.deep.equal([a.openSession.id]);
    });

    it('ONE_OPEN_STOCKOUT_PER_PART: a second open stockout for a part', async () => {
      const p = await buildPart(admin);
      const first = await asTechnician.post('/stockouts', { partId: p.id });
      expect(first.status).to.equal(201);
      const before = await stockoutsOf(p.id);
      const err = expectContractError(await asSupervisor.post('/stockouts', { partId: p.id, note: 'again' }), 409, 'CONFLICT');
      expect(err.details).to.deep.equal({ invariant: 'ONE_OPEN_STOCKOUT_PER_PART' });
      expect(await stockoutsOf(p.id)).to.deep.equal(before);
      expect((await asSupervisor.post(`/stockouts/${first.body.id}/resolve`, {})).status).to.equal(200);
      expect((await asTechnician.post('/stockouts', { partId: p.id })).status).to.equal(201);
    });
  });

  describe('STALE_VERSION → 409', () => {
    it('via If-Match: <old version>; the current version (plain or W/"n") is accepted', async () => {
      const tech = await buildUser(t.current, admin, 'TECHNICIAN');
      const ticket = await buildTicketIn('ASSIGNED', ctx());
      const before = await ticketState(ticket.id);
      const version = before.ticket.version as number;
      const err = expectContractError(
        await asSupervisor.post(`/tickets/${ticket.id}/assign`, { technicianId: tech.id }, { 'if-match': String(version - 1) }),
        409,
        'STALE_VERSION',
      );
      expect(err.details).to.deep.equal({ expectedVersion: version - 1, currentVersion: version });
      expect(await ticketState(ticket.id)).to.deep.equal(before);

      const ok = await asSupervisor.post(`/tickets/${ticket.id}/assign`, { technicianId: tech.id }, { 'if-match': `W/"${version}"` });
      expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
      expect(ok.body).to.include({ version: version + 1, technicianId: tech.id });
    });

    it('If-Match on a route without versions is a clear 400, not a silent no-op', async () => {
      const ticket = await buildTicketIn('IN_PROGRESS', ctx());
      const session = ticket.openSession;
      const err = expectContractError(
        await asSupervisor.post(`/work-sessions/${session.id}/pause`, { reason: 'BREAK' }, { 'if-match': '1' }),
        400,
        'VALIDATION_FAILED',
      );
      expect(err.message).to.include('If-Match');
      expect((await asSupervisor.get(`/work-sessions/${session.id}`)).body.status).to.equal('RUNNING');
    });

    it('via expectedVersion in the body', async () => {
      const ticket = await buildTicketIn('ASSIGNED', ctx());
      const before = await ticketState(ticket.id);
      const version = before.ticket.version as number;
      const err = expectContractError(
        await asSupervisor.post(`/tickets/${ticket.id}/cancel`, { reason: 'late', expectedVersion: version + 5 }),
        409,
        'STALE_VERSION',
      );
      expect(err.details).to.deep.equal({ expectedVersion: version + 5, currentVersion: version });
      expect(await ticketState(ticket.id)).to.deep.equal(before);
      const ok = await asSupervisor.post(`/tickets/${ticket.id}/cancel`, { reason: 'late', expectedVersion: version });
      expect(ok.status).to.equal(200);
      expect(ok.body.status).to.equal('CANCELLED');
    });
  });

  describe('Idempotency-Key', () => {
    it('same key and body replays the first response and creates nothing; a different body → 422 IDEMPOTENCY_MISMATCH', async () => {
      const item = await buildItem(supervisor);
      const key = `create-${randomUUID()}`;
      const body = { inventoryItemId: item.id, title: 'Idempotent', priority: 'HIGH' };
      const first = await asSupervisor.post('/tickets', body, { 'idempotency-key': key });
      expect(first.status).to.equal(201);
      const afterFirst = await allTicketIds();

      const replay = await asSupervisor.post('/tickets', { priority: 'HIGH', title: 'Idempotent', inventoryItemId: item.id }, { 'idempotency-key': key });
      expect(replay.status).to.equal(201);
      expect(replay.headers.get('idempotent-replayed')).to.equal('true');
      expect(replay.body).to.deep.equal(first.body);

      const mismatch = await asSupervisor.post('/tickets', { ...body, title: 'Something else' }, { 'idempotency-key': key });
      const err = expectContractError(mismatch, 422, 'IDEMPOTENCY_MISMATCH');
      expect(err.details).to.deep.equal({ key });
      expect(await allTicketIds()).to.deep.equal(afterFirst);
    });

    it('a ticket command reusing its key with another body → 422 and the ticket is untouched', async () => {
      const tech = await buildUser(t.current, admin, 'TECHNICIAN');
      const ticket = await buildTicket(supervisor);
      const key = randomUUID();
      expect((await asSupervisor.post(`/tickets/${ticket.id}/assign`, { technicianId: technician.id }, { 'idempotency-key': key })).status).to.equal(200);
      const before = await ticketState(ticket.id);
      const err = expectContractError(
        await asSupervisor.post(`/tickets/${ticket.id}/assign`, { technicianId: tech.id }, { 'idempotency-key': key }),
        422,
        'IDEMPOTENCY_MISMATCH',
      );
      expect(err.details).to.deep.equal({ key });
      expect(await ticketState(ticket.id)).to.deep.equal(before);
    });
  });

  describe('PAYLOAD_TOO_LARGE → 413', () => {
    it('a body over BODY_LIMIT_BYTES (default 65536) is refused before anything runs', async () => {
      expect(t.current.config.bodyLimitBytes).to.equal(65_536);
      const item = await buildItem(supervisor);
      const before = await allTicketIds();
      const rawBody = JSON.stringify({ inventoryItemId: item.id, title: 'big', description: 'x'.repeat(65_536) });
      const err = expectContractError(await asSupervisor.request('POST', '/tickets', { rawBody }), 413, 'PAYLOAD_TOO_LARGE');
      expect(err.details).to.deep.equal({});
      expect(await allTicketIds()).to.deep.equal(before);

      // Just under the limit the body is parsed (and then fails the schema: description ≤ 10000).
      const under = JSON.stringify({ inventoryItemId: item.id, title: 'big', description: 'x'.repeat(60_000) });
      expectContractError(await asSupervisor.request('POST', '/tickets', { rawBody: under }), 400, 'VALIDATION_FAILED');
    });

    it('applies before authentication too', async () => {
      expectContractError(await anon.request('POST', '/tickets', { rawBody: JSON.stringify({ a: 'x'.repeat(70_000) }) }), 413, 'PAYLOAD_TOO_LARGE');
    });
  });

  describe('INTERNAL and stack traces', () => {
    it('a 5xx body is the contract body with the request id and no stack', async () => {
      // The only 5xx reachable today is the forged-cursor bug above; if it is fixed this still checks the body.
      const requestId = `errors-test-${Date.now()}`;
      const forged = cursorOf({ c: '0000-01-01T00:00:00Z', i: randomUUID() });
      const res = await asAdmin.get(`/tickets?cursor=${forged}`, { 'x-request-id': requestId });
      expect(res.headers.get('x-request-id')).to.equal(requestId);
      if (res.status === 500) {
        const err = expectContractError(res, 500, 'INTERNAL');
        expect(err.message).to.equal('Internal server error');
        expect(err.details).to.deep.equal({ requestId });
      } else {
        expectContractError(res, 400, 'VALIDATION_FAILED');
      }
    });

    it('no response body received by this file contains a stack trace', () => {
      const errors = received.filter((r) => r.status >= 400);
      expect(errors.length).to.be.greaterThan(50);
      for (const res of received) {
        const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
        expect(text, text.slice(0, 300)).to.not.match(STACK);
      }
      for (const res of errors) expect(Object.keys(res.body.error).sort()).to.deep.equal(['code', 'details', 'message']);
    });
  });
});

describe('RATE_LIMITED → 429 (RATE_LIMIT_MAX=5, LOGIN_RATE_LIMIT_MAX=3)', () => {
  const t = useProduct({ env: { RATE_LIMIT_MAX: '5', LOGIN_RATE_LIMIT_MAX: '3' } });
  let admin: TestUser;
  let technician: TestUser;

  before(async () => {
    admin = await loginAdmin(t.current); // login 1 of 3 for "admin"
    technician = await buildUser(t.current, admin, 'TECHNICIAN'); // admin API request 1 of 5
  });

  it('the sixth API request of a user in the window → 429; other users keep their own budget', async () => {
    const api = new RecordingClient(t.current.product.url, technician.token);
    for (let i = 1; i <= 5; i++) {
      const res = await api.get('/parts');
      expect(res.status, `request ${i}`).to.equal(200);
    }
    const limited = await api.get('/parts');
    const err = expectContractError(limited, 429, 'RATE_LIMITED');
    expect(err.details).to.deep.equal({});
    expect(limited.headers.get('ratelimit-policy')).to.be.a('string');
    // A refused command is not run.
    const refused = await api.post('/stockouts', { partId: randomUUID() });
    expectContractError(refused, 429, 'RATE_LIMITED');

    expect((await admin.api.get('/parts')).status).to.equal(200);
  });

  it('failed authentications per address are throttled too (bad-token floods never reach the database)', async () => {
    const forger = new RecordingClient(t.current.product.url, 'not-a-real-token');
    for (let i = 1; i <= 5; i++) expectContractError(await forger.get('/parts'), 401, 'UNAUTHENTICATED');
    expectContractError(await forger.get('/parts'), 429, 'RATE_LIMITED');
    // Only failing requests are refused: a valid user behind the same address is unaffected.
    expect((await admin.api.get('/parts')).status).to.equal(200);
  });

  it('the fourth login attempt for a username in the window → 429, even with the right password', async () => {
    const anon = new RecordingClient(t.current.product.url);
    const user = await buildUser(t.current, admin, 'SUPERVISOR'); // its login 1 of 3
    for (let i = 2; i <= 3; i++) {
      expectContractError(await anon.post('/auth/login', { username: user.username, password: 'wrong-password' }), 401, 'UNAUTHENTICATED');
    }
    const limited = await anon.post('/auth/login', { username: user.username, password: 'password-123' });
    const err = expectContractError(limited, 429, 'RATE_LIMITED');
    expect(err.details).to.deep.equal({});
    // Another username from the same address still gets an answer on its merits.
    expectContractError(await anon.post('/auth/login', { username: 'someone-else', password: 'wrong-password' }), 401, 'UNAUTHENTICATED');
  });
});
