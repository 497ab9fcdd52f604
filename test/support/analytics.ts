import { ApiClient, type ApiResponse } from './api-client.js';
import { buildTicketIn, type TestUser } from './factories.js';
import type { TestProduct } from './harness.js';
import { ok } from './sla.js';

/** Helpers of the payroll, floor and session-consistency tests (test/analytics). */

/** A technician with the display name given (payroll and CSV tests need exact names). */
export async function buildTechnician(t: TestProduct, admin: TestUser, displayName: string, username?: string): Promise<TestUser> {
  const name = username ?? `tech-${Math.random().toString(36).slice(2, 10)}`;
  const password = 'password-123';
  const created = ok(await admin.api.post('/users', { username: name, displayName, role: 'TECHNICIAN', password }), 201, 'create technician');
  const login = ok(await new ApiClient(t.product.url).post('/auth/login', { username: name, password }), 200, 'login');
  return { id: created.id, username: name, role: 'TECHNICIAN', token: login.token, api: new ApiClient(t.product.url, login.token) };
}

/** GET /analytics/payroll with these query parameters. */
export function getPayroll(user: TestUser | ApiClient, params: Record<string, string>, headers?: Record<string, string>): Promise<ApiResponse> {
  const api = user instanceof ApiClient ? user : user.api;
  return api.get(`/analytics/payroll?${new URLSearchParams(params).toString()}`, headers);
}

/** The report's row of one technician (throws when absent). */
export function rowOf(report: { rows: any[] }, technicianId: string): any {
  const row = report.rows.find((r) => r.technicianId === technicianId);
  if (!row) throw new Error(`no payroll row for ${technicianId} in ${JSON.stringify(report.rows.map((r) => r.technicianId))}`);
  return row;
}

/** A payroll row with the figures given and zero for the rest. */
export function payrollRow(technician: { id: string }, name: string, figures: Record<string, unknown> = {}): Record<string, unknown> {
  const { pausedSeconds, ...rest } = figures as { pausedSeconds?: Record<string, number> };
  return {
    technicianId: technician.id,
    technicianName: name,
    workedSeconds: 0,
    sessions: 0,
    pausedSeconds: { BREAK: 0, STOCKOUT: 0, END_OF_SHIFT: 0, OTHER: 0, ...pausedSeconds },
    submittedToQc: 0,
    passed: 0,
    qcFails: 0,
    flagMinutes: 0,
    xp: 0,
    efficiency: null,
    ...rest,
  };
}

/** Drives one technician's ticket and open session through REST. */
export class Workbench {
  constructor(
    readonly ctx: { admin: TestUser; supervisor: TestUser },
    readonly technician: TestUser,
    readonly part?: { id: string },
  ) {}

  ticket: any;
  sessionId = '';

  /** A new ticket (with a part spec), assigned and started by the technician: a RUNNING session from now. */
  async start(): Promise<this> {
    this.ticket = await buildTicketIn('IN_PROGRESS', { ...this.ctx, technician: this.technician, part: this.part });
    this.sessionId = this.ticket.openSession.id;
    return this;
  }

  /** A new ticket (with a part spec) assigned to the technician, not started. */
  async assign(): Promise<this> {
    this.ticket = await buildTicketIn('ASSIGNED', { ...this.ctx, technician: this.technician, part: this.part });
    return this;
  }

  async pause(reason: 'BREAK' | 'STOCKOUT' | 'END_OF_SHIFT' | 'OTHER'): Promise<any> {
    return ok(await this.technician.api.post(`/work-sessions/${this.sessionId}/pause`, { reason }), 200, `pause ${reason}`);
  }

  async resume(): Promise<any> {
    return ok(await this.technician.api.post(`/work-sessions/${this.sessionId}/resume`), 200, 'resume');
  }

  async stop(): Promise<any> {
    return ok(await this.technician.api.post(`/work-sessions/${this.sessionId}/stop`), 200, 'stop');
  }

  /** SUBMIT_QC (stops the open session), as the technician unless `as` says otherwise. */
  async submit(as: TestUser = this.technician): Promise<any> {
    return ok(await as.api.post(`/tickets/${this.ticket.id}/submit-qc`), 200, 'submit-qc');
  }

  /** START again (after a QC fail or a release): a new session. */
  async restart(as: TestUser = this.technician): Promise<any> {
    const body = ok(await as.api.post(`/tickets/${this.ticket.id}/start`), 200, 'start');
    this.sessionId = body.openSession.id;
    return body;
  }

  async pass(): Promise<any> {
    return ok(await this.ctx.supervisor.api.post(`/tickets/${this.ticket.id}/qc-pass`), 200, 'qc-pass');
  }

  async fail(reason = 'scratches'): Promise<any> {
    return ok(await this.ctx.supervisor.api.post(`/tickets/${this.ticket.id}/qc-fail`, { reason }), 200, 'qc-fail');
  }
}
