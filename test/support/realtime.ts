import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { SignJWT } from 'jose';
import pino from 'pino';
import { io, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import { loadConfig } from '../../src/config/config.js';
import { startProduct, type RunningProduct } from '../../src/product.js';
import type { Ack, ClientCommandEvent, Push } from '../../src/realtime/events.js';
import type { ApiResponse } from './api-client.js';
import { buildPart, buildTicketIn, buildUser, loginAdmin, type TestUser } from './factories.js';
import { testEnv, type TestProduct } from './harness.js';
import { connectSocket, type RecordingSocket } from './socket-client.js';

/** The secret the products of the suite sign with (harness.ts testEnv). */
export const TEST_JWT_SECRET = testEnv('postgres://unused@127.0.0.1/unused').JWT_SECRET!;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
export const commandId = (): string => randomUUID();

/** An HS256 token like the product's (issuer `benchline`, claims role/username/sub), with a chosen expiry. */
export async function mintToken(
  claims: { sub: string; role: string; username: string },
  options: { expiresAt?: number; secret?: string; issuer?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: claims.role, username: claims.username })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuer(options.issuer ?? 'benchline')
    .setIssuedAt(now - 5)
    .setExpirationTime(options.expiresAt ?? now + 3600)
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

/** Sockets opened by a test file; `closeAll()` in afterEach so nothing outlives its test. */
export class SocketPool {
  private readonly open: RecordingSocket[] = [];

  async connect(url: string, token: string): Promise<RecordingSocket> {
    const socket = await connectSocket(url, token);
    this.open.push(socket);
    return socket;
  }

  closeAll(): void {
    for (const s of this.open.splice(0)) s.close();
  }
}

/** Opens a socket that the handshake must refuse; resolves with the `connect_error`. */
export function expectHandshakeRefused(url: string, options: Partial<ManagerOptions & SocketOptions>): Promise<Error> {
  const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: 5000, ...options });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('neither connect nor connect_error within 5 s'));
    }, 5000);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.close();
      reject(new Error('the handshake was accepted'));
    });
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      socket.close();
      resolve(err);
    });
  });
}

/** Resolves with the disconnect reason (rejects after `timeoutMs`). */
export function nextDisconnect(s: RecordingSocket, timeoutMs = 5000): Promise<string> {
  if (!s.socket.connected) return Promise.resolve('already disconnected');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still connected after ${timeoutMs} ms`)), timeoutMs);
    s.socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

const STACK = /\bstack\b|\n\s+at\s|\bat\s+\S+\s+\(?[^)]*\.(?:ts|js|mjs|cjs):\d+|node_modules|node:internal/;

/** `{ ok: true, data }` and nothing else; returns data. */
export function expectAckOk(ack: Ack<any>): any {
  expect(ack, `expected an ok ack, got ${JSON.stringify(ack)}`).to.be.an('object');
  expect(ack.ok, `expected an ok ack, got ${JSON.stringify(ack)}`).to.equal(true);
  expect(Object.keys(ack).sort()).to.deep.equal(['data', 'ok']);
  return (ack as { data: unknown }).data;
}

/** `{ ok: false, error: { code, message, details } }` exactly (api.md), no internals; returns the error. */
export function expectAckError(ack: Ack<any>, code: string): { code: string; message: string; details: any } {
  expect(ack, `expected a ${code} ack, got ${JSON.stringify(ack)}`).to.be.an('object');
  expect(ack.ok, `expected a ${code} ack, got ${JSON.stringify(ack)}`).to.equal(false);
  expect(Object.keys(ack).sort()).to.deep.equal(['error', 'ok']);
  const error = (ack as { error: { code: string; message: string; details: any } }).error;
  expect(error.code, JSON.stringify(error)).to.equal(code);
  expect(Object.keys(error).sort()).to.deep.equal(['code', 'details', 'message']);
  expect(error.message).to.be.a('string').and.not.equal('');
  expect(error.details).to.be.an('object');
  expect(JSON.stringify(ack)).to.not.match(STACK);
  return error;
}

/**
 * The structure of a JSON value: object keys (recursively), array element structure, and the
 * JSON type of leaves (`null` kept apart). Two responses of the same endpoint compare equal.
 */
export function shapeOf(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length ? [shapeOf(value[0])] : [];
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, shapeOf((value as Record<string, unknown>)[k])]),
    );
  }
  return typeof value;
}

/** Pushes from the outbox (everything but the on-connect snapshot). */
export const outboxPushes = (pushes: Push[]): Push[] => pushes.filter((p) => p.type !== 'floor.snapshot');
export const seqs = (pushes: Push[]): number[] => pushes.map((p) => p.seq);

export const isTicketPush = (ticketId: string, event?: string) => (p: Push) =>
  p.type === 'ticket.updated' && (p.data as any).ticket?.id === ticketId && (!event || (p.data as any).transition?.event === event);
export const isSessionPush = (sessionId: string, event?: string) => (p: Push) =>
  p.type === 'session.updated' && (p.data as any).session?.id === sessionId && (!event || (p.data as any).transition?.event === event);
export const isStockoutPush = (stockoutId: string) => (p: Push) => p.type === 'stockout.updated' && (p.data as any).stockout?.id === stockoutId;

/** A readable identity of a push, for deep-equal comparisons of push lists. */
export function describePush(p: Push): string {
  const d = p.data as any;
  if (p.type === 'ticket.updated') return `ticket.updated ${d.ticket?.id} ${d.transition?.event}`;
  if (p.type === 'session.updated') return `session.updated ${d.session?.id} ${d.transition?.event}`;
  if (p.type === 'stockout.updated') return `stockout.updated ${d.stockout?.id} ${d.stockout?.status}`;
  return `${p.type}`;
}

/** Strictly increasing, hence also free of duplicates. */
export function expectStrictlyIncreasing(values: number[], what: string): void {
  for (let i = 1; i < values.length; i++) {
    expect(values[i]!, `${what}: ${JSON.stringify(values)}`).to.be.greaterThan(values[i - 1]!);
  }
}

/** `{ seq, type, at, data }` and nothing else. */
export function expectPushEnvelope(p: Push): void {
  expect(Object.keys(p).sort(), JSON.stringify(p)).to.deep.equal(['at', 'data', 'seq', 'type']);
  expect(p.seq).to.be.a('number');
  expect(Number.isInteger(p.seq)).to.equal(true);
  expect(p.at).to.be.a('string');
  expect(new Date(p.at).toISOString()).to.equal(p.at);
  expect(p.data).to.be.an('object');
}

/** The highest seq this product process has published, after reading everything committed so far. */
export async function caughtUpSeq(product: RunningProduct): Promise<number> {
  const realtime = product.realtime;
  if (!realtime) throw new Error('the product runs no realtime gateway');
  await realtime.tailer.wake();
  return realtime.tailer.lastSeq;
}

/** Ends the on-connect hold at once: `sync` from the product's current seq, so only later pushes arrive. */
export async function goLive(product: RunningProduct, s: RecordingSocket): Promise<number> {
  const since = await caughtUpSeq(product);
  const data = expectAckOk(await s.command('sync', { sinceSeq: since }));
  expect(data.replayed).to.equal(0);
  return since;
}

/** Runs SQL on the product's database. */
export async function sqlQuery<T extends Record<string, unknown> = Record<string, unknown>>(
  product: RunningProduct,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const result = await product.database.pool.query(text, values);
  return result.rows as T[];
}

/** A second process of the product on the same database (as a second `npm start` with the same env). */
export async function startSecondInstance(t: TestProduct, env: Record<string, string> = {}): Promise<RunningProduct> {
  return startProduct(loadConfig(testEnv(t.databaseUrl, env)), { log: pino({ level: 'silent' }) });
}

export interface World {
  admin: TestUser;
  supervisor: TestUser;
  wallboard: TestUser;
  part: { id: string };
  /** A new technician (a technician holds at most one ticket in progress). */
  technician(): Promise<TestUser>;
  ticketIn(status: Parameters<typeof buildTicketIn>[0], technician: TestUser): Promise<any>;
}

/** Users and a part shared by a test file. */
export async function buildWorld(t: TestProduct): Promise<World> {
  const admin = await loginAdmin(t);
  const supervisor = await buildUser(t, admin, 'SUPERVISOR');
  const wallboard = await buildUser(t, admin, 'WALLBOARD');
  const part = await buildPart(admin, 20);
  return {
    admin,
    supervisor,
    wallboard,
    part,
    technician: () => buildUser(t, admin, 'TECHNICIAN'),
    ticketIn: (status, technician) => buildTicketIn(status, { admin, supervisor, technician, part }),
  };
}

/** Every command event of api.md "Realtime". */
export const COMMAND_EVENTS = [
  'ticket:start',
  'ticket:submitQc',
  'ticket:release',
  'ticket:assign',
  'ticket:qcPass',
  'ticket:qcFail',
  'ticket:cancel',
  'session:start',
  'session:pause',
  'session:resume',
  'session:stop',
  'stockout:open',
] as const satisfies readonly ClientCommandEvent[];

/**
 * The REST request api.md names as the same command as a socket event ("same as" column), with
 * the socket `commandId` as `Idempotency-Key` when given and `expectedVersion` as `If-Match`.
 */
export function restEquivalent(
  user: TestUser,
  event: ClientCommandEvent,
  payload: Record<string, any>,
  options: { idempotencyKey?: string } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  if (payload.expectedVersion !== undefined) headers['if-match'] = String(payload.expectedVersion);
  const t = `/tickets/${payload.ticketId}`;
  const s = `/work-sessions/${payload.sessionId}`;
  switch (event) {
    case 'ticket:start':
      return user.api.post(`${t}/start`, undefined, headers);
    case 'ticket:submitQc':
      return user.api.post(`${t}/submit-qc`, undefined, headers);
    case 'ticket:release':
      return user.api.post(`${t}/release`, { reason: payload.reason }, headers);
    case 'ticket:assign':
      return user.api.post(`${t}/assign`, { technicianId: payload.technicianId }, headers);
    case 'ticket:qcPass':
      return user.api.post(`${t}/qc-pass`, undefined, headers);
    case 'ticket:qcFail':
      return user.api.post(`${t}/qc-fail`, { reason: payload.reason }, headers);
    case 'ticket:cancel':
      return user.api.post(`${t}/cancel`, { reason: payload.reason }, headers);
    case 'session:start':
      return user.api.post('/work-sessions', { ticketId: payload.ticketId }, headers);
    case 'session:pause':
      return user.api.post(`${s}/pause`, { reason: payload.reason }, headers);
    case 'session:resume':
      return user.api.post(`${s}/resume`, undefined, headers);
    case 'session:stop':
      return user.api.post(`${s}/stop`, undefined, headers);
    case 'stockout:open':
      return user.api.post('/stockouts', { partId: payload.partId, ticketId: payload.ticketId, note: payload.note }, headers);
  }
}

/**
 * Observable state around a fixture, read over REST as an admin: the ticket (status, version,
 * assignee, log with command ids), its sessions with their logs, and the stockouts of a part.
 */
export async function observeState(admin: TestUser, f: { ticketId?: string; partId?: string }): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  if (f.ticketId) {
    const ticket = await admin.api.get(`/tickets/${f.ticketId}`);
    expect(ticket.status, JSON.stringify(ticket.body)).to.equal(200);
    const { status, version, technicianId, reworkCount, updatedAt } = ticket.body;
    out.ticket = { status, version, technicianId, reworkCount, updatedAt };
    const log = await admin.api.get(`/tickets/${f.ticketId}/transitions`);
    out.ticketTransitions = log.body.items.map((e: any) => `${e.event}:${e.commandId}`);
    const sessions = await admin.api.get(`/work-sessions?ticketId=${f.ticketId}&limit=500`);
    out.sessions = [];
    for (const session of sessions.body.items) {
      const slog = await admin.api.get(`/work-sessions/${session.id}/transitions`);
      (out.sessions as unknown[]).push({
        id: session.id,
        status: session.status,
        pauseReason: session.pauseReason,
        transitions: slog.body.items.map((e: any) => `${e.event}:${e.commandId}`),
      });
    }
  }
  if (f.partId) {
    const stockouts = await admin.api.get('/stockouts?limit=500');
    out.stockouts = stockouts.body.items.filter((s: any) => s.partId === f.partId).map((s: any) => `${s.id}:${s.status}`);
  }
  return out;
}
