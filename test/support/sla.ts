import { expect } from 'chai';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { ManualClock } from '../../src/domain/clock.js';
import type { ApiResponse } from './api-client.js';
import { buildItem, buildPart, type TestUser } from './factories.js';
import type { TestProduct } from './harness.js';

/** Helpers shared by the SLA automation tests (test/sla/*.test.ts). */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/**
 * Products of the SLA tests run with ROLE=api: HTTP, Socket.IO and job *enqueueing* only, so no
 * background Agenda job (evaluation, delivery, overlap, retention) races the test that drives them.
 */
export const SLA_TEST_ENV = { ROLE: 'api' } as const;

/** The seeded rules (domain.md "SLA automation", migration 0003). */
export const RULES = [
  'SESSION_PAUSED_TOO_LONG',
  'STOCKOUT_OPEN_TOO_LONG',
  'TICKET_NOT_STARTED',
  'TICKET_OVER_SRT',
  'TICKET_TURNAROUND',
  'TICKET_UNDER_REVIEW_TOO_LONG',
  'TICKET_WAITING_QC_TOO_LONG',
] as const;
export type RuleKey = (typeof RULES)[number];

export interface SlaEvent {
  id: string;
  ruleKey: string;
  subjectType: string;
  subjectId: string;
  severity: 'WARNING' | 'BREACH';
  level: number;
  measuredMinutes: number;
  thresholdMinutes: number;
  payload: Record<string, unknown>;
  evaluatedAt: string;
  createdAt: string;
  evaluatedAtOrCreated: string;
  repeatOf: string | null;
  isRepeat: boolean;
}

export function ok<T = any>(res: ApiResponse<T>, status: number, what: string): T {
  expect(res.status, `${what}: ${JSON.stringify(res.body)}`).to.equal(status);
  return res.body;
}

export function manualClock(t: { current: TestProduct }): ManualClock {
  const clock = t.current.clock;
  if (!clock) throw new Error('manual clock expected (useProduct({ manualClock: true }))');
  return clock;
}

/** Moves the product clock forward by whole/fractional minutes. */
export function advanceMinutes(t: { current: TestProduct }, minutes: number): Date {
  const clock = manualClock(t);
  clock.advance(minutes * MINUTE);
  return clock.now();
}

/** Sets the product clock to `at` (must not go backwards: the product keeps row times monotonic). */
export function setClock(t: { current: TestProduct }, at: Date | string): Date {
  const clock = manualClock(t);
  const target = new Date(at);
  if (target.getTime() < clock.now().getTime()) throw new Error(`the clock would go backwards: ${clock.now().toISOString()} → ${target.toISOString()}`);
  clock.set(target);
  return clock.now();
}

/** POST /sla/evaluate as admin → the created events. */
export async function evaluate(admin: TestUser): Promise<SlaEvent[]> {
  const body = ok(await admin.api.post('/sla/evaluate', {}), 200, 'POST /sla/evaluate');
  expect(body).to.have.all.keys('created');
  expect(body.created).to.be.an('array');
  return body.created as SlaEvent[];
}

/** The created events of one subject (optionally one rule). */
export function eventsOf(created: SlaEvent[], subjectId: string, ruleKey?: string): SlaEvent[] {
  return created.filter((e) => e.subjectId === subjectId && (ruleKey === undefined || e.ruleKey === ruleKey));
}

/** Evaluates and returns only the events of `subjectId` for `ruleKey`. */
export async function evaluateFor(admin: TestUser, subjectId: string, ruleKey: string): Promise<SlaEvent[]> {
  return eventsOf(await evaluate(admin), subjectId, ruleKey);
}

export async function putRule(admin: TestUser, key: string, patch: Record<string, unknown>): Promise<any> {
  return ok(await admin.api.put(`/sla/rules/${key}`, patch), 200, `PUT /sla/rules/${key}`);
}

/** The editable fields of every rule, to restore after a test changed them. */
export async function snapshotRules(admin: TestUser): Promise<Map<string, Record<string, unknown>>> {
  const body = ok(await admin.api.get('/sla/rules'), 200, 'GET /sla/rules');
  const out = new Map<string, Record<string, unknown>>();
  for (const r of body.items) {
    out.set(r.key, {
      enabled: r.enabled,
      thresholdMinutes: r.thresholdMinutes,
      warnAtPercent: r.warnAtPercent,
      cooldownMinutes: r.cooldownMinutes,
      escalateEveryMinutes: r.escalateEveryMinutes,
      maxLevel: r.maxLevel,
    });
  }
  return out;
}

export async function restoreRules(admin: TestUser, snapshot: Map<string, Record<string, unknown>>): Promise<void> {
  for (const [key, fields] of snapshot) await putRule(admin, key, fields);
}

/**
 * Turns a rule into a probe: threshold 0, no cooldown, one level — every evaluation creates one
 * BREACH per subject carrying the clock's exact measured minutes.
 */
export async function probeRule(admin: TestUser, key: string): Promise<void> {
  await putRule(admin, key, { thresholdMinutes: 0, warnAtPercent: 100, cooldownMinutes: 0, escalateEveryMinutes: 525_600, maxLevel: 1 });
}

/** Evaluates and returns the single event of `ruleKey` for `subjectId` (asserting there is exactly one). */
export async function measure(admin: TestUser, subjectId: string, ruleKey: string): Promise<number> {
  const events = await evaluateFor(admin, subjectId, ruleKey);
  expect(events, `one ${ruleKey} event for ${subjectId}`).to.have.length(1);
  return events[0]!.measuredMinutes;
}

/** A ticket in UNDER_REVIEW (created at the current clock time) with active specs for `parts`. */
export async function ticketWithParts(supervisor: TestUser, parts: { id: string }[], title = 'SLA ticket'): Promise<any> {
  const item = await buildItem(supervisor);
  const ticket = ok(await supervisor.api.post('/tickets', { inventoryItemId: item.id, title }), 201, 'create ticket');
  const specs: any[] = [];
  for (const part of parts) specs.push(ok(await supervisor.api.post(`/tickets/${ticket.id}/part-specs`, { partId: part.id }), 201, 'add spec'));
  return { ...ticket, specs };
}

export async function parts(admin: TestUser, n: number, srt = 20): Promise<{ id: string; sku: string; defaultSrtMinutes: number }[]> {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await buildPart(admin, srt));
  return out;
}

export async function openStockout(user: TestUser, partId: string): Promise<any> {
  return ok(await user.api.post('/stockouts', { partId }), 201, 'open stockout');
}

export async function resolveStockout(user: TestUser, id: string): Promise<any> {
  return ok(await user.api.post(`/stockouts/${id}/resolve`, {}), 200, 'resolve stockout');
}

/** Cancels tickets that are still cancellable, so they stop producing events in later tests. */
export async function cancelQuietly(supervisor: TestUser, ...ticketIds: string[]): Promise<void> {
  for (const id of ticketIds) await supervisor.api.post(`/tickets/${id}/cancel`, { reason: 'test done' });
}

// ---------------------------------------------------------------------------------------------
// Database access
// ---------------------------------------------------------------------------------------------

export async function connectDb(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'benchline-sla-test' });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export interface PgError {
  code?: string;
  message?: string;
}

export async function failure(run: Promise<unknown>): Promise<PgError> {
  try {
    await run;
  } catch (err) {
    return err as PgError;
  }
  throw new Error('expected the statement to fail');
}

// ---------------------------------------------------------------------------------------------
// Webhook receivers
// ---------------------------------------------------------------------------------------------

export interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
  res: ServerResponse;
}

export type ReceiverHandler = (req: Received, index: number) => void;

export interface Receiver {
  url: string;
  requests: Received[];
  /** Resolves when the n-th (1-based) request has been received. */
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Answers every request with `status` and `body`. */
export const answer =
  (status: number, body = 'ok'): ReceiverHandler =>
  (req) => {
    req.res.writeHead(status, { 'content-type': 'text/plain' });
    req.res.end(body);
  };

/** A real HTTP receiver on 127.0.0.1 (port 0); the handler decides per request (index 0, 1, …). */
export async function startReceiver(handler: ReceiverHandler): Promise<Receiver> {
  const requests: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received: Received = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), res };
      requests.push(received);
      for (const w of [...waiters]) {
        if (requests.length >= w.n) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
      handler(received, requests.length - 1);
    });
  });
  server.keepAliveTimeout = 500;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks/sla`,
    requests,
    waitForRequests: (n, timeoutMs = 5000) =>
      requests.length >= n
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`receiver: ${requests.length} request(s) after ${timeoutMs} ms, expected ${n}`)), timeoutMs);
            waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
          }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
