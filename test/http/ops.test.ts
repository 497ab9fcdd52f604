import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { routeTable } from '../../src/http/routes/route-table.js';
import { buildItem, buildUser, loginAdmin, type TestUser } from '../support/factories.js';
import { useProduct } from '../support/harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The api.md error codes (plus the PAYLOAD_TOO_LARGE extension). */
const ERROR_CODES = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'INVALID_TRANSITION',
  'CONFLICT',
  'STALE_VERSION',
  'IDEMPOTENCY_MISMATCH',
  'RATE_LIMITED',
  'INTERNAL',
];

describe('operations endpoints (outside /api/v1)', () => {
  const t = useProduct();
  let admin: TestUser;
  let supervisor: TestUser;
  const raw = (path: string, init?: RequestInit) => fetch(`${t.current.product.url}${path}`, init);

  before(async () => {
    admin = await loginAdmin(t.current);
    supervisor = await buildUser(t.current, admin, 'SUPERVISOR');
  });

  describe('health', () => {
    it('GET /healthz → 200 without a token', async () => {
      const res = await raw('/healthz');
      expect(res.status).to.equal(200);
      expect(await res.json()).to.deep.equal({ status: 'ok' });
    });

    it('GET /readyz → 200 once started (migrations ran)', async () => {
      const res = await raw('/readyz');
      expect(res.status).to.equal(200);
      expect(await res.json()).to.deep.equal({ status: 'ready' });
    });
  });

  describe('GET /metrics', () => {
    it('is Prometheus text with HTTP and command latency histograms after a command', async () => {
      const item = await buildItem(supervisor);
      const created = await supervisor.api.post('/tickets', { inventoryItemId: item.id, title: 'metrics probe' });
      expect(created.status).to.equal(201);
      const refused = await supervisor.api.post('/tickets', { inventoryItemId: item.id, title: 'metrics probe', extra: true });
      expect(refused.status).to.equal(400);

      const res = await raw('/metrics');
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^text\/plain/);
      const text = await res.text();
      expect(text).to.include('# TYPE benchline_http_request_duration_seconds histogram');
      expect(text).to.include('# TYPE benchline_command_duration_seconds histogram');
      expect(text).to.match(/^benchline_command_duration_seconds_count\{command="ticket\.create",outcome="OK"\} [1-9]\d*$/m);
      expect(text).to.match(/^benchline_command_duration_seconds_count\{command="ticket\.create",outcome="VALIDATION_FAILED"\} [1-9]\d*$/m);
      expect(text).to.match(/^benchline_command_duration_seconds_bucket\{le="\+Inf",command="ticket\.create",outcome="OK"\} \d+$/m);
      // Requests are labelled by route template, not by raw URL (no ids in label values).
      expect(text).to.match(/^benchline_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/tickets",status="201"\} [1-9]\d*$/m);
      expect((await supervisor.api.get(`/tickets/${created.body.id}`)).status).to.equal(200);
      const after = await (await raw('/metrics')).text();
      expect(after).to.match(/^benchline_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/tickets\/:id",status="200"\} [1-9]\d*$/m);
      expect(after).to.not.include(created.body.id);
      expect(text).to.not.include(item.id);
      // Default process metrics carry the prefix too.
      expect(text).to.match(/^benchline_process_cpu_user_seconds_total /m);
    });
  });

  describe('GET /openapi.json', () => {
    let doc: any;
    before(async () => {
      const res = await raw('/openapi.json');
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.include('application/json');
      doc = await res.json();
    });

    it('is an OpenAPI 3 document', () => {
      expect(doc.openapi).to.match(/^3\.\d+\.\d+$/);
      expect(doc.info).to.include.keys('title', 'version');
      expect(doc.paths).to.be.an('object');
    });

    it('contains every route of route-table.ts under /api/v1 with {param} paths, plus POST /api/v1/auth/login', () => {
      const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
        Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
      );
      const expected = routeTable
        .map((r) => `${r.method.toUpperCase()} /api/v1${r.path.replace(/:(\w+)/g, '{$1}')}`)
        .concat('POST /api/v1/auth/login');
      expect(documented).to.include.members(expected);
      expect(Object.keys(doc.paths).filter((p) => p.includes(':'))).to.deep.equal([]);
      expect(Object.keys(doc.paths).every((p) => p.startsWith('/api/v1/'))).to.equal(true);
    });

    it('declares path parameters in the path', () => {
      const op = doc.paths['/api/v1/tickets/{id}/part-specs/{specId}'].delete;
      const inPath = op.parameters.filter((p: any) => p.in === 'path').map((p: any) => [p.name, p.required]);
      expect(inPath).to.deep.equal([
        ['id', true],
        ['specId', true],
      ]);
    });

    it('a command’s requestBody lists its body fields but not its path fields', () => {
      const qcFail = doc.paths['/api/v1/tickets/{id}/qc-fail'].post;
      const schema = qcFail.requestBody.content['application/json'].schema;
      expect(schema.properties).to.have.property('reason');
      expect(schema.properties).to.not.have.property('ticketId');
      expect(schema.required).to.include('reason').and.not.include('ticketId');

      const assign = doc.paths['/api/v1/tickets/{id}/assign'].post.requestBody.content['application/json'].schema;
      expect(assign.properties).to.have.property('technicianId');
      expect(assign.properties).to.not.have.property('ticketId');

      const pause = doc.paths['/api/v1/work-sessions/{id}/pause'].post.requestBody.content['application/json'].schema;
      expect(pause.properties.reason.enum).to.have.members(['BREAK', 'STOCKOUT', 'END_OF_SHIFT', 'OTHER']);
      expect(pause.properties).to.not.have.property('sessionId');

      const createTicket = doc.paths['/api/v1/tickets'].post.requestBody.content['application/json'].schema;
      expect(createTicket.properties).to.include.keys('inventoryItemId', 'title', 'description', 'priority');
      expect(createTicket.required).to.have.members(['inventoryItemId', 'title']);

      const login = doc.paths['/api/v1/auth/login'].post.requestBody.content['application/json'].schema;
      expect(login.properties).to.include.keys('username', 'password');
    });

    it('a query’s parameters come from its schema; commands take an Idempotency-Key header', () => {
      const list = doc.paths['/api/v1/tickets'].get.parameters.map((p: any) => `${p.in}:${p.name}`);
      expect(list).to.include.members(['query:status', 'query:technicianId', 'query:limit', 'query:cursor']);
      const start = doc.paths['/api/v1/tickets/{id}/start'].post.parameters.map((p: any) => `${p.in}:${p.name}`);
      expect(start).to.include.members(['path:id', 'header:Idempotency-Key']);
    });

    it('documents the error body with every api.md error code', () => {
      const error = doc.components.schemas.Error;
      expect(error.properties.error.required).to.have.members(['code', 'message', 'details']);
      expect(error.properties.error.properties.code.enum).to.include.members(ERROR_CODES);
    });
  });

  describe('request ids', () => {
    it('X-Request-Id is echoed when sent', async () => {
      const id = `ops-${randomUUID()}`;
      const res = await raw('/healthz', { headers: { 'x-request-id': id } });
      expect(res.headers.get('x-request-id')).to.equal(id);
      const api = await supervisor.api.get('/parts', { 'x-request-id': id });
      expect(api.headers.get('x-request-id')).to.equal(id);
    });

    it('X-Request-Id is generated when absent (a fresh UUID per request) or unusable', async () => {
      const a = (await raw('/healthz')).headers.get('x-request-id');
      const b = (await supervisor.api.get('/parts')).headers.get('x-request-id');
      expect(a).to.match(UUID);
      expect(b).to.match(UUID);
      expect(a).to.not.equal(b);
      const bad = (await raw('/healthz', { headers: { 'x-request-id': 'has spaces and <html>' } })).headers.get('x-request-id');
      expect(bad).to.match(UUID);
    });

    it('error responses carry a request id too', async () => {
      const res = await supervisor.api.get(`/tickets/${randomUUID()}`);
      expect(res.status).to.equal(404);
      expect(res.headers.get('x-request-id')).to.match(UUID);
    });
  });

  describe('security headers (helmet)', () => {
    it('are present on ops, API and error responses; no X-Powered-By', async () => {
      const responses = [
        await raw('/healthz'),
        await raw('/api/v1/parts', { headers: { authorization: `Bearer ${supervisor.token}` } }),
        await raw('/api/v1/parts'),
        await raw('/no-such-page'),
      ];
      for (const res of responses) {
        expect(res.headers.get('x-content-type-options'), res.url).to.equal('nosniff');
        expect(res.headers.get('x-frame-options'), res.url).to.equal('SAMEORIGIN');
        expect(res.headers.get('content-security-policy'), res.url).to.be.a('string');
        expect(res.headers.get('x-powered-by'), res.url).to.equal(null);
      }
    });
  });
});
