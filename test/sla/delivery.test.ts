import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { deliverSlaEvent, dueDeliveryIds } from '../../src/sla/deliver-sla-event.js';
import { verifyWebhookSignature } from '../../src/sla/webhook.js';
import { buildTicket, buildUser, expectError, loginAdmin, type TestUser } from '../support/factories.js';
import { useProduct } from '../support/harness.js';
import {
  advanceMinutes,
  answer,
  cancelQuietly,
  connectDb,
  evaluate,
  eventsOf,
  failure,
  manualClock,
  MINUTE,
  ok,
  setClock,
  SLA_TEST_ENV,
  startReceiver,
  type Received,
  type Receiver,
  type SlaEvent,
} from '../support/sla.js';

/**
 * Webhook delivery of SLA events (api.md "Webhook deliveries", domain.md SLAAutomationDeliveryAttempt)
 * against real HTTP receivers on 127.0.0.1. Evaluation runs through POST /sla/evaluate; each delivery
 * is run by calling the product's `sla:deliver` handler, deliverSlaEvent(deps, deliveryId), with the
 * product's manual clock. The product runs with ROLE=api so no background job delivers on its own.
 */

const SECRET = 'whsec_benchline_sla_tests_0123456789';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const WORKER = path.resolve(HERE, '../support/deliver-worker.ts');

describe('SLA webhook delivery', function () {
  this.timeout(60_000);
  const t = useProduct({ manualClock: true, env: SLA_TEST_ENV });
  let admin: TestUser;
  let supervisor: TestUser;
  let db: pg.Client;
  const receivers: Receiver[] = [];
  const targets: string[] = [];
  const tickets: string[] = [];
  const children: ChildProcess[] = [];

  const now = () => manualClock(t).now();
  const deps = () => t.current.product.deps;

  before(async () => {
    admin = await loginAdmin(t.current);
    supervisor = await buildUser(t.current, admin, 'SUPERVISOR');
    db = await connectDb(t.current.databaseUrl);
  });
  after(async () => {
    await db?.end().catch(() => undefined);
  });
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const id of targets.splice(0)) await admin.api.delete(`/delivery-targets/${id}`);
    await cancelQuietly(supervisor, ...tickets.splice(0));
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });

  async function receiver(handler: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
    const r = await startReceiver(handler);
    receivers.push(r);
    return r;
  }

  async function target(url: string, minLevel = 1): Promise<any> {
    const created = ok(await admin.api.post('/delivery-targets', { url, secret: SECRET, minLevel }), 201, 'create target');
    targets.push(created.id);
    return created;
  }

  /** A ticket left in UNDER_REVIEW for 60 minutes, evaluated: its BREACH (level 1). */
  async function breach(): Promise<SlaEvent> {
    const ticket = await buildTicket(supervisor, { title: 'Deliver me' });
    tickets.push(ticket.id);
    advanceMinutes(t, 60);
    const mine = eventsOf(await evaluate(admin), ticket.id);
    expect(mine.map((e) => [e.ruleKey, e.severity, e.level])).to.deep.equal([['TICKET_UNDER_REVIEW_TOO_LONG', 'BREACH', 1]]);
    return mine[0]!;
  }

  async function deliveryOf(eventId: string, targetId: string): Promise<string> {
    const { rows } = await db.query(`SELECT id::text FROM sla_deliveries WHERE event_id = $1 AND target_id = $2`, [eventId, targetId]);
    expect(rows, `one delivery of ${eventId} to ${targetId}`).to.have.length(1);
    return rows[0].id;
  }

  async function deliveryRow(id: string) {
    const { rows } = await db.query(
      `SELECT status, attempts, next_attempt_at, locked_until, last_error FROM sla_deliveries WHERE id = $1`,
      [id],
    );
    return rows[0] as { status: string; attempts: number; next_attempt_at: Date; locked_until: Date | null; last_error: string | null };
  }

  async function attempts(eventId: string, channel?: 'WEBHOOK' | 'SOCKET'): Promise<any[]> {
    const body = ok(await supervisor.api.get(`/sla/events/${eventId}/attempts`), 200, 'attempts');
    return (body.items as any[]).filter((a) => channel === undefined || a.channel === channel);
  }

  function expectSigned(req: Received, at: Date): void {
    const header = String(req.headers['x-signature']);
    expect(header).to.match(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(header.startsWith(`t=${Math.floor(at.getTime() / 1000)},`), `${header} signed at ${at.toISOString()}`).to.equal(true);
    expect(verifyWebhookSignature(SECRET, header, req.body, at), 'the receiver verifies the signature').to.equal(true);
    expect(verifyWebhookSignature('another-secret-0123456789', header, req.body, at), 'wrong secret').to.equal(false);
    expect(verifyWebhookSignature(SECRET, header, req.body.replace('sla.event', 'sla.evil'), at), 'tampered body').to.equal(false);
    expect(verifyWebhookSignature(SECRET, header, req.body, new Date(at.getTime() + 6 * MINUTE)), 't more than 5 minutes off').to.equal(false);
  }

  it('200: SUCCEEDED after one attempt; headers, signed body {id, type, createdAt, data}; attempts show WEBHOOK + SOCKET', async () => {
    const r = await receiver(answer(200, 'thanks'));
    const created = await target(r.url);
    expect(created).to.have.all.keys('id', 'url', 'minLevel', 'enabled', 'disabledReason', 'secretSet', 'createdAt');
    expect(created).to.deep.include({ url: r.url, minLevel: 1, enabled: true, secretSet: true });
    const event = await breach();
    const id = await deliveryOf(event.id, created.id);
    expect(await deliveryRow(id)).to.deep.include({ status: 'PENDING', attempts: 0, locked_until: null });
    expect((await deliveryRow(id)).next_attempt_at.toISOString()).to.equal(event.createdAt);

    const sentAt = now();
    expect(await deliverSlaEvent(deps(), id)).to.deep.equal({ kind: 'succeeded', attemptNo: 1 });
    expect(r.requests).to.have.length(1);
    const req = r.requests[0]!;
    expect(req.method).to.equal('POST');
    expect(req.url).to.equal('/hooks/sla');
    expect(req.headers['content-type']).to.match(/^application\/json/);
    expect(req.headers['x-event-id']).to.equal(event.id);
    expectSigned(req, sentAt);
    const body = JSON.parse(req.body);
    expect(body).to.have.all.keys('id', 'type', 'createdAt', 'data');
    expect(body).to.deep.equal({ id: event.id, type: 'sla.event', createdAt: event.createdAt, data: event });

    expect(await deliveryRow(id)).to.deep.include({ status: 'SUCCEEDED', attempts: 1, locked_until: null, last_error: null });
    const all = await attempts(event.id);
    expect(all).to.have.length(2);
    const socket = all.find((a) => a.channel === 'SOCKET');
    const webhook = all.find((a) => a.channel === 'WEBHOOK');
    expect(socket).to.deep.include({ eventId: event.id, target: 'outbox', targetId: null, attemptNo: 1, outcome: 'SUCCESS', httpStatus: null, error: null });
    expect(webhook).to.deep.include({
      eventId: event.id, target: r.url, targetId: created.id, attemptNo: 1, outcome: 'SUCCESS', httpStatus: 200,
      responseExcerpt: 'thanks', error: null, createdAt: sentAt.toISOString(),
    });
    expect(webhook.durationMs).to.be.a('number').that.is.at.least(0).and.below(5000);

    expect(await deliverSlaEvent(deps(), id), 'a delivered event is not sent again').to.deep.equal({ kind: 'skipped' });
    expect(r.requests).to.have.length(1);
  });

  it('500 then 200: attempt 1 FAILED (http 500, excerpt), next attempt at +1 min, attempt 2 SUCCESS with the same X-Event-Id', async () => {
    const r = await receiver((req, i) => (i === 0 ? answer(500, 'boom: database on fire') : answer(200, 'ok'))(req, i));
    const created = await target(r.url);
    const event = await breach();
    const id = await deliveryOf(event.id, created.id);

    const first = now();
    const outcome = await deliverSlaEvent(deps(), id);
    expect(outcome).to.deep.equal({ kind: 'retry', attemptNo: 1, nextAt: new Date(first.getTime() + MINUTE) });
    const row = await deliveryRow(id);
    expect(row).to.deep.include({ status: 'PENDING', attempts: 1, locked_until: null, last_error: 'unexpected status 500' });
    expect(row.next_attempt_at.toISOString()).to.equal(new Date(first.getTime() + MINUTE).toISOString());
    const [failed] = await attempts(event.id, 'WEBHOOK');
    expect(failed).to.deep.include({
      attemptNo: 1, outcome: 'FAILED', httpStatus: 500, responseExcerpt: 'boom: database on fire', error: 'unexpected status 500', targetId: created.id,
    });

    expect(await deliverSlaEvent(deps(), id), 'not due yet').to.deep.equal({ kind: 'skipped' });
    advanceMinutes(t, 59 / 60);
    expect(await deliverSlaEvent(deps(), id), 'not due at +59 s').to.deep.equal({ kind: 'skipped' });
    expect(r.requests).to.have.length(1);
    advanceMinutes(t, 1 / 60);
    const second = now();
    expect(await deliverSlaEvent(deps(), id)).to.deep.equal({ kind: 'succeeded', attemptNo: 2 });

    expect(r.requests).to.have.length(2);
    expect(r.requests.map((q) => q.headers['x-event-id'])).to.deep.equal([event.id, event.id]);
    expect(r.requests[1]!.body, 'the same body').to.equal(r.requests[0]!.body);
    expectSigned(r.requests[0]!, first);
    expectSigned(r.requests[1]!, second);
    expect((await attempts(event.id, 'WEBHOOK')).map((a) => [a.attemptNo, a.outcome, a.httpStatus])).to.deep.equal([
      [1, 'FAILED', 500],
      [2, 'SUCCESS', 200],
    ]);
    expect(await deliveryRow(id)).to.deep.include({ status: 'SUCCEEDED', attempts: 2, last_error: null });
  });

  it('timeout: a receiver that never answers is a FAILED attempt after 10 s (the claim holds meanwhile)', async function () {
    this.timeout(40_000);
    const r = await receiver(() => undefined); // never answers
    const created = await target(r.url);
    const event = await breach();
    const id = await deliveryOf(event.id, created.id);
    const at = now();
    const started = Date.now();
    const running = deliverSlaEvent(deps(), id);
    await r.waitForRequests(1);
    // In flight: claimed for 60 s of product time; a concurrent run does nothing.
    const inFlight = await deliveryRow(id);
    expect(inFlight).to.deep.include({ status: 'PENDING', attempts: 0 });
    expect(inFlight.locked_until?.toISOString()).to.equal(new Date(at.getTime() + 60_000).toISOString());
    expect(await deliverSlaEvent(deps(), id)).to.deep.equal({ kind: 'skipped' });

    const outcome = await running;
    const elapsed = Date.now() - started;
    expect(outcome).to.deep.equal({ kind: 'retry', attemptNo: 1, nextAt: new Date(at.getTime() + MINUTE) });
    expect(elapsed).to.be.within(9_500, 15_000);
    const [attempt] = await attempts(event.id, 'WEBHOOK');
    expect(attempt).to.deep.include({ attemptNo: 1, outcome: 'FAILED', httpStatus: null, error: 'timeout after 10000ms' });
    expect(attempt.durationMs).to.be.within(9_500, 15_000);
    expect(await deliveryRow(id)).to.deep.include({ status: 'PENDING', attempts: 1, locked_until: null, last_error: 'timeout after 10000ms' });
    expect(r.requests).to.have.length(1);
  });

  it('410 Gone: FAILED at once, the target is disabled, its other pending deliveries are cancelled and new events skip it', async () => {
    const r = await receiver(answer(410, 'gone for good'));
    const created = await target(r.url);
    const a = await buildTicket(supervisor);
    const b = await buildTicket(supervisor);
    tickets.push(a.id, b.id);
    advanceMinutes(t, 60);
    const events = await evaluate(admin);
    const [ea] = eventsOf(events, a.id);
    const [eb] = eventsOf(events, b.id);
    const da = await deliveryOf(ea!.id, created.id);
    const dbId = await deliveryOf(eb!.id, created.id);

    expect(await deliverSlaEvent(deps(), da)).to.deep.equal({ kind: 'failed', attemptNo: 1, gone: true });
    expect(await deliveryRow(da)).to.deep.include({ status: 'FAILED', attempts: 1 });
    const [attempt] = await attempts(ea!.id, 'WEBHOOK');
    expect(attempt).to.deep.include({ attemptNo: 1, outcome: 'FAILED', httpStatus: 410, responseExcerpt: 'gone for good' });
    const listed = ok(await admin.api.get('/delivery-targets'), 200, 'targets').items.find((x: any) => x.id === created.id);
    expect(listed).to.deep.include({ enabled: false, disabledReason: 'receiver answered 410 Gone' });

    expect(await deliverSlaEvent(deps(), dbId), 'pending delivery to a disabled target').to.deep.equal({ kind: 'cancelled' });
    expect(await deliveryRow(dbId)).to.deep.include({ status: 'CANCELLED' });
    advanceMinutes(t, 10);
    expect(await deliverSlaEvent(deps(), da), 'a FAILED delivery is never retried').to.deep.equal({ kind: 'skipped' });
    expect(r.requests).to.have.length(1);

    const later = await breach();
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM sla_deliveries WHERE event_id = $1 AND target_id = $2`, [later.id, created.id]);
    expect(rows[0].n, 'no delivery for a disabled target').to.equal(0);
  });

  it('retries on the backoff schedule (1 m, 5 m, 30 m, 2 h, 6 h, 12 h) for 24 h, one last attempt at 24 h, then FAILED with every attempt recorded', async () => {
    const r = await receiver(answer(503, 'maintenance'));
    const created = await target(r.url);
    const event = await breach();
    const id = await deliveryOf(event.id, created.id);
    const t0 = new Date(event.createdAt).getTime();

    const offsets: number[] = [];
    const outcomes: string[] = [];
    for (let i = 0; i < 12; i++) {
      offsets.push((now().getTime() - t0) / MINUTE);
      const outcome = await deliverSlaEvent(deps(), id);
      outcomes.push(outcome.kind);
      if (outcome.kind !== 'retry') {
        expect(outcome).to.deep.equal({ kind: 'failed', attemptNo: i + 1, gone: false });
        break;
      }
      setClock(t, outcome.nextAt);
    }
    // Attempts at 0, +1 m, +6 m, +36 m, +2 h 36 m, +8 h 36 m, +20 h 36 m; the next step (+32 h 36 m) is past 24 h: one last at 24 h.
    expect(offsets, 'attempt times in minutes after the event').to.deep.equal([0, 1, 6, 36, 156, 516, 1236, 1440]);
    expect(outcomes).to.deep.equal(['retry', 'retry', 'retry', 'retry', 'retry', 'retry', 'retry', 'failed']);
    expect(await deliveryRow(id)).to.deep.include({ status: 'FAILED', attempts: 8, locked_until: null, last_error: 'unexpected status 503' });
    const recorded = await attempts(event.id, 'WEBHOOK');
    expect(recorded.map((a) => [a.attemptNo, a.outcome, a.httpStatus])).to.deep.equal(
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => [n, 'FAILED', 503]),
    );
    expect(recorded.map((a) => (new Date(a.createdAt).getTime() - t0) / MINUTE)).to.deep.equal([0, 1, 6, 36, 156, 516, 1236, 1440]);
    advanceMinutes(t, 24 * 60);
    expect(await deliverSlaEvent(deps(), id), 'stays FAILED').to.deep.equal({ kind: 'skipped' });
    expect(r.requests).to.have.length(8);
  });

  it('minLevel: a target receives only events whose level ≥ its minLevel; a deleted target nothing', async () => {
    const r = await receiver(answer(200));
    const t1 = await target(r.url, 1);
    const t2 = await target(r.url, 2);
    const t3 = await target(r.url, 3);
    const ticket = await buildTicket(supervisor);
    tickets.push(ticket.id);
    const targetsOf = async (eventId: string) =>
      (await db.query(`SELECT target_id::text FROM sla_deliveries WHERE event_id = $1`, [eventId])).rows.map((x) => x.target_id).sort();
    const step = async (minutes: number) => {
      advanceMinutes(t, minutes);
      const mine = eventsOf(await evaluate(admin), ticket.id, 'TICKET_UNDER_REVIEW_TOO_LONG');
      expect(mine).to.have.length(1);
      return { level: mine[0]!.level, severity: mine[0]!.severity, targets: await targetsOf(mine[0]!.id) };
    };
    expect(await step(48)).to.deep.equal({ severity: 'WARNING', level: 1, targets: [t1.id] });
    expect(await step(12)).to.deep.equal({ severity: 'BREACH', level: 1, targets: [t1.id] });
    expect(await step(60)).to.deep.equal({ severity: 'BREACH', level: 2, targets: [t1.id, t2.id].sort() });
    ok(await admin.api.delete(`/delivery-targets/${t1.id}`), 200, 'delete t1');
    expect(await step(60)).to.deep.equal({ severity: 'BREACH', level: 3, targets: [t2.id, t3.id].sort() });
  });

  describe('a worker killed mid-delivery', () => {
    it('a killed worker’s claim expires after 60 s and the event is delivered again with the same X-Event-Id — never lost', async function () {
      this.timeout(60_000);
      let hold = true;
      const r = await receiver((req) => {
        if (hold) return; // the first POST is never answered: the worker dies meanwhile
        answer(200, 'ok')(req, 0);
      });
      const created = await target(r.url);
      const event = await breach();
      const id = await deliveryOf(event.id, created.id);
      const claimedAt = now();

      const child = spawn(process.execPath, ['--import', 'tsx', WORKER, t.current.databaseUrl, id, claimedAt.toISOString()], {
        cwd: path.resolve(HERE, '../..'),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let output = '';
      child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      await r.waitForRequests(1, 30_000);
      child.kill('SIGKILL');
      await once(child, 'exit');
      expect(output, 'the worker died before finishing').to.not.include('outcome');

      // What the dead worker left: a claim, no attempt, not delivered.
      const left = await deliveryRow(id);
      expect(left).to.deep.include({ status: 'PENDING', attempts: 0 });
      expect(left.locked_until?.toISOString()).to.equal(new Date(claimedAt.getTime() + 60_000).toISOString());
      expect(await attempts(event.id, 'WEBHOOK')).to.deep.equal([]);

      hold = false;
      advanceMinutes(t, 0.5);
      expect(await dueDeliveryIds(deps()), 'still claimed at +30 s').to.not.include(id);
      expect(await deliverSlaEvent(deps(), id), 'still claimed at +30 s').to.deep.equal({ kind: 'skipped' });
      expect(r.requests).to.have.length(1);

      advanceMinutes(t, 31 / 60); // +61 s: the claim expired
      expect(await dueDeliveryIds(deps()), 'the sweep finds it again').to.include(id);
      expect(await deliverSlaEvent(deps(), id)).to.deep.equal({ kind: 'succeeded', attemptNo: 1 });
      expect(r.requests).to.have.length(2);
      expect(r.requests.map((q) => q.headers['x-event-id'])).to.deep.equal([event.id, event.id]);
      expect(r.requests[1]!.body).to.equal(r.requests[0]!.body);
      expect(await deliveryRow(id)).to.deep.include({ status: 'SUCCEEDED', attempts: 1, locked_until: null });
    });

    it('concurrent deliverSlaEvent calls on one delivery → exactly one POST, one attempt', async () => {
      const r = await receiver((req) => setTimeout(() => answer(200, 'ok')(req, 0), 200));
      const created = await target(r.url);
      const event = await breach();
      const id = await deliveryOf(event.id, created.id);
      const outcomes = await Promise.all(Array.from({ length: 6 }, () => deliverSlaEvent(deps(), id)));
      expect(outcomes.filter((o) => o.kind === 'succeeded')).to.deep.equal([{ kind: 'succeeded', attemptNo: 1 }]);
      expect(outcomes.filter((o) => o.kind === 'skipped')).to.have.length(5);
      expect(r.requests).to.have.length(1);
      expect(await attempts(event.id, 'WEBHOOK')).to.have.length(1);
    });

    it('a stalled worker that answers after its claim expired does not undo the re-run’s success (no second delivery)', async () => {
      const held: Received[] = [];
      const r = await receiver((req, i) => (i === 0 ? held.push(req) : answer(200, 'ok')(req, i)));
      const created = await target(r.url);
      const event = await breach();
      const id = await deliveryOf(event.id, created.id);

      const stalled = deliverSlaEvent(deps(), id); // its POST hangs at the receiver
      await r.waitForRequests(1);
      advanceMinutes(t, 61 / 60); // its claim expires: the job is re-run elsewhere
      expect(await deliverSlaEvent(deps(), id)).to.deep.equal({ kind: 'succeeded', attemptNo: 1 });
      expect(await deliveryRow(id)).to.deep.include({ status: 'SUCCEEDED' });

      // The stalled worker finally gets its (failed) answer.
      answer(502, 'late')(held[0]!, 0);
      await stalled;
      expect(await deliveryRow(id), 'the delivery stays SUCCEEDED').to.deep.include({ status: 'SUCCEEDED' });
      advanceMinutes(t, 5);
      expect(await deliverSlaEvent(deps(), id), 'nothing left to deliver').to.deep.equal({ kind: 'skipped' });
      expect(r.requests, 'the receiver got the event twice at most').to.have.length(2);
    });
  });

  describe('append-only refusals', () => {
    it('sla_automation_events and sla_delivery_attempts refuse UPDATE and DELETE at the database', async () => {
      const r = await receiver(answer(500, 'nope'));
      const created = await target(r.url);
      const event = await breach();
      await deliverSlaEvent(deps(), await deliveryOf(event.id, created.id));
      const attemptIds = (await db.query(`SELECT id FROM sla_delivery_attempts WHERE event_id = $1 ORDER BY channel`, [event.id])).rows.map((x) => x.id);
      expect(attemptIds).to.have.length(2);
      const before = {
        event: (await db.query(`SELECT * FROM sla_automation_events WHERE id = $1`, [event.id])).rows,
        attempts: (await db.query(`SELECT * FROM sla_delivery_attempts WHERE event_id = $1 ORDER BY id`, [event.id])).rows,
      };
      const statements: [string, unknown[]][] = [
        [`UPDATE sla_automation_events SET level = level + 1 WHERE id = $1`, [event.id]],
        [`UPDATE sla_automation_events SET repeat_of = NULL, measured_minutes = 0 WHERE id = $1`, [event.id]],
        [`DELETE FROM sla_automation_events WHERE id = $1`, [event.id]],
        [`UPDATE sla_delivery_attempts SET outcome = 'SUCCESS', http_status = 200 WHERE event_id = $1`, [event.id]],
        [`DELETE FROM sla_delivery_attempts WHERE event_id = $1`, [event.id]],
        [`TRUNCATE sla_delivery_attempts`, []],
      ];
      for (const [text, values] of statements) {
        const err = await failure(db.query(text, values));
        expect(err.code, `${text}: ${err.message}`).to.equal('23001');
        expect(err.message).to.match(/append-only/);
      }
      expect((await db.query(`SELECT * FROM sla_automation_events WHERE id = $1`, [event.id])).rows).to.deep.equal(before.event);
      expect((await db.query(`SELECT * FROM sla_delivery_attempts WHERE event_id = $1 ORDER BY id`, [event.id])).rows).to.deep.equal(before.attempts);
    });
  });

  describe('delivery targets REST', () => {
    it('ADMIN only; the secret is never returned; validation; DELETE removes it from the list', async () => {
      const body = { url: 'http://127.0.0.1:9/hook', secret: SECRET, minLevel: 2 };
      expectError(await supervisor.api.post('/delivery-targets', body), 403, 'FORBIDDEN');
      expectError(await supervisor.api.get('/delivery-targets'), 403, 'FORBIDDEN');
      const created = await target(body.url, 2);
      expectError(await supervisor.api.delete(`/delivery-targets/${created.id}`), 403, 'FORBIDDEN');
      const listed = ok(await admin.api.get('/delivery-targets'), 200, 'list');
      expect(JSON.stringify(listed)).to.not.include(SECRET);
      expect(listed.items.find((x: any) => x.id === created.id)).to.deep.equal(created);
      expect(created).to.not.have.property('secret');

      for (const bad of [
        { ...body, url: 'ftp://127.0.0.1/hook' },
        { ...body, url: 'not a url' },
        { ...body, secret: 'short' },
        { ...body, minLevel: 0 },
        { url: body.url, minLevel: 1 },
        { ...body, extra: true },
      ]) {
        expectError(await admin.api.post('/delivery-targets', bad), 400, 'VALIDATION_FAILED');
      }
      ok(await admin.api.delete(`/delivery-targets/${created.id}`), 200, 'delete');
      expect(ok(await admin.api.get('/delivery-targets'), 200, 'list').items.map((x: any) => x.id)).to.not.include(created.id);
      expectError(await admin.api.delete(`/delivery-targets/${created.id}`), 404, 'NOT_FOUND');
      expectError(await admin.api.delete('/delivery-targets/00000000-0000-4000-8000-000000000000'), 404, 'NOT_FOUND');
    });
  });
});
