import { expect } from 'chai';
import { useProduct } from '../support/harness.js';
import { buildItem, buildPart, buildUser, loginAdmin, type TestUser } from '../support/factories.js';

describe('ticket lifecycle over REST', () => {
  const t = useProduct();
  let admin: TestUser;
  let supervisor: TestUser;
  let technician: TestUser;

  before(async () => {
    admin = await loginAdmin(t.current);
    supervisor = await buildUser(t.current, admin, 'SUPERVISOR');
    technician = await buildUser(t.current, admin, 'TECHNICIAN');
  });

  it('runs create → part specs → assign → start → pause/resume → submit QC → QC fail → rework → QC pass', async () => {
    const item = await buildItem(supervisor);
    const screen = await buildPart(admin, 40);
    const battery = await buildPart(admin, 25);

    const created = await supervisor.api.post('/tickets', { inventoryItemId: item.id, title: 'No display', priority: 'HIGH' });
    expect(created.status).to.equal(201);
    expect(created.body).to.include({ status: 'UNDER_REVIEW', priority: 'HIGH', version: 1, metricsSource: 'AUTO', flagColor: 'GREEN' });
    const id = created.body.id as string;

    const spec1 = await supervisor.api.post(`/tickets/${id}/part-specs`, { partId: screen.id });
    expect(spec1.status).to.equal(201);
    expect(spec1.body).to.include({ srtMinutes: 40, isActive: true });
    // 40 min → 42 flag minutes (6-minute increments) → YELLOW → xp round(42 × 1) × 1.2 = 50
    expect(spec1.body.ticket).to.include({ srtTotalMinutes: 40, flagMinutes: 42, flagColor: 'YELLOW', xpAmount: 50 });

    const spec2 = await supervisor.api.post(`/tickets/${id}/part-specs`, { partId: battery.id, srtMinutes: 55, note: 'swollen' });
    expect(spec2.body.ticket).to.include({ srtTotalMinutes: 95, flagMinutes: 96, flagColor: 'RED', xpAmount: 144 });

    const removed = await supervisor.api.delete(`/tickets/${id}/part-specs/${spec2.body.id}`);
    expect(removed.status, JSON.stringify(removed.body)).to.equal(200);
    expect(removed.body).to.include({ isActive: false });
    expect(removed.body.ticket).to.include({ srtTotalMinutes: 40, flagMinutes: 42 });

    const assigned = await supervisor.api.post(`/tickets/${id}/assign`, { technicianId: technician.id });
    expect(assigned.status).to.equal(200);
    expect(assigned.body).to.include({ status: 'ASSIGNED', technicianId: technician.id });

    const started = await technician.api.post(`/tickets/${id}/start`);
    expect(started.status).to.equal(200);
    expect(started.body.status).to.equal('IN_PROGRESS');
    expect(started.body.openSession).to.include({ status: 'RUNNING', technicianId: technician.id, ticketId: id });
    const sessionId = started.body.openSession.id as string;

    const paused = await technician.api.post(`/work-sessions/${sessionId}/pause`, { reason: 'BREAK' });
    expect(paused.status).to.equal(200);
    expect(paused.body).to.include({ status: 'PAUSED', pauseReason: 'BREAK' });
    const resumed = await technician.api.post(`/work-sessions/${sessionId}/resume`);
    expect(resumed.body).to.include({ status: 'RUNNING', pauseReason: null });

    const submitted = await technician.api.post(`/tickets/${id}/submit-qc`);
    expect(submitted.status).to.equal(200);
    expect(submitted.body.status).to.equal('WAITING_QC');
    expect(submitted.body.stoppedSession).to.include({ id: sessionId, status: 'STOPPED' });

    const failed = await supervisor.api.post(`/tickets/${id}/qc-fail`, { reason: 'dead pixel' });
    expect(failed.body).to.include({ status: 'REWORK', reworkCount: 1 });

    const restarted = await technician.api.post(`/tickets/${id}/start`);
    expect(restarted.body.status).to.equal('IN_PROGRESS');
    expect(restarted.body.openSession.id).to.not.equal(sessionId);
    await technician.api.post(`/tickets/${id}/submit-qc`);

    const passed = await supervisor.api.post(`/tickets/${id}/qc-pass`);
    expect(passed.status).to.equal(200);
    expect(passed.body).to.include({ status: 'DONE', reworkCount: 1 });
    expect(passed.body.doneAt).to.be.a('string');

    const log = await supervisor.api.get(`/tickets/${id}/transitions`);
    expect(log.body.items.map((e: any) => e.event)).to.deep.equal([
      'CREATE',
      'PART_SPEC_ADD',
      'PART_SPEC_ADD',
      'PART_SPEC_DEACTIVATE',
      'ASSIGN',
      'START',
      'SUBMIT_QC',
      'QC_FAIL',
      'START',
      'SUBMIT_QC',
      'QC_PASS',
    ]);
    expect(log.body.items.at(-1)).to.include({ fromStatus: 'WAITING_QC', toStatus: 'DONE', actorId: supervisor.id });

    const sessions = await supervisor.api.get(`/work-sessions?ticketId=${id}`);
    expect(sessions.body.items).to.have.length(2);
    expect(sessions.body.items.every((s: any) => s.status === 'STOPPED')).to.equal(true);

    const sessionLog = await technician.api.get(`/work-sessions/${sessionId}/transitions`);
    expect(sessionLog.body.items.map((e: any) => `${e.fromStatus}>${e.toStatus}`)).to.deep.equal([
      'null>RUNNING',
      'RUNNING>PAUSED',
      'PAUSED>RUNNING',
      'RUNNING>STOPPED',
    ]);

    const detail = await technician.api.get(`/tickets/${id}`);
    expect(detail.body.allowedEvents).to.deep.equal([]);
    expect(detail.body.openSession).to.equal(null);
    expect(detail.body.partSpecs).to.have.length(1);
  });
});
