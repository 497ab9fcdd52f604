import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { Role } from '../../src/auth/actor.js';
import { ApiClient } from './api-client.js';
import { ADMIN, type TestProduct } from './harness.js';

const unique = (prefix: string) => `${prefix}-${randomBytes(5).toString('hex')}`;

export interface TestUser {
  id: string;
  username: string;
  role: Role;
  token: string;
  api: ApiClient;
}

function assertStatus(res: { status: number; body: unknown }, status: number, what: string): void {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
}

/** Logs in as the bootstrap admin. */
export async function loginAdmin(t: TestProduct): Promise<TestUser> {
  const anon = new ApiClient(t.product.url);
  const res = await anon.post('/auth/login', ADMIN);
  assertStatus(res, 200, 'admin login');
  return { id: res.body.user.id, username: ADMIN.username, role: 'ADMIN', token: res.body.token, api: anon.as(res.body.token) };
}

/** Creates a user through the API and logs in as them. */
export async function buildUser(t: TestProduct, admin: TestUser, role: Role, name = unique(role.toLowerCase())): Promise<TestUser> {
  const password = 'password-123';
  const created = await admin.api.post('/users', { username: name, displayName: `${role} ${name}`, role, password });
  assertStatus(created, 201, `create ${role}`);
  const login = await new ApiClient(t.product.url).post('/auth/login', { username: name, password });
  assertStatus(login, 200, `login ${role}`);
  return { id: created.body.id, username: name, role, token: login.body.token, api: new ApiClient(t.product.url, login.body.token) };
}

export async function buildItem(supervisor: TestUser): Promise<{ id: string; serial: string }> {
  const res = await supervisor.api.post('/inventory-items', { serial: unique('SN'), model: 'Pixel 8', description: 'cracked' });
  assertStatus(res, 201, 'create item');
  return res.body;
}

export async function buildPart(admin: TestUser, defaultSrtMinutes = 20): Promise<{ id: string; sku: string; defaultSrtMinutes: number }> {
  const res = await admin.api.post('/parts', { sku: unique('SKU'), name: 'Screen', defaultSrtMinutes });
  assertStatus(res, 201, 'create part');
  return res.body;
}

export async function buildTicket(supervisor: TestUser, fields: Record<string, unknown> = {}): Promise<any> {
  const item = await buildItem(supervisor);
  const res = await supervisor.api.post('/tickets', { inventoryItemId: item.id, title: 'Replace screen', ...fields });
  assertStatus(res, 201, 'create ticket');
  return res.body;
}

/** Drives a new ticket to `status` along the happy path. */
export async function buildTicketIn(
  status: 'UNDER_REVIEW' | 'ASSIGNED' | 'IN_PROGRESS' | 'WAITING_QC' | 'REWORK' | 'DONE' | 'CANCELLED',
  ctx: { admin: TestUser; supervisor: TestUser; technician: TestUser; part?: { id: string } },
): Promise<any> {
  const ticket = await buildTicket(ctx.supervisor);
  const step = async (path: string, body?: unknown, as: TestUser = ctx.supervisor) => {
    const res = await as.api.post(`/tickets/${ticket.id}/${path}`, body);
    assertStatus(res, path === 'part-specs' ? 201 : 200, path);
    return res.body;
  };
  if (status === 'UNDER_REVIEW') return ticket;
  if (status === 'CANCELLED') return step('cancel', { reason: 'duplicate' });
  const part = ctx.part ?? (await buildPart(ctx.admin));
  await step('part-specs', { partId: part.id });
  const assigned = await step('assign', { technicianId: ctx.technician.id });
  if (status === 'ASSIGNED') return assigned;
  const started = await step('start', undefined, ctx.technician);
  if (status === 'IN_PROGRESS') return started;
  const submitted = await step('submit-qc', undefined, ctx.technician);
  if (status === 'WAITING_QC') return submitted;
  if (status === 'DONE') return step('qc-pass');
  return step('qc-fail', { reason: 'scratches' });
}

export function expectError(res: { status: number; body: any }, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.body.error.code).to.equal(code);
  expect(res.body.error).to.have.property('message').that.is.a('string');
  expect(res.body.error).to.have.property('details').that.is.an('object');
}

/** api.md: ticket JSON carries "at least" these fields. */
export const TICKET_JSON_FIELDS = [
  'id',
  'inventoryItemId',
  'technicianId',
  'status',
  'title',
  'priority',
  'srtTotalMinutes',
  'flagMinutes',
  'flagColor',
  'xpAmount',
  'metricsSource',
  'reworkCount',
  'version',
  'createdAt',
  'updatedAt',
] as const;
