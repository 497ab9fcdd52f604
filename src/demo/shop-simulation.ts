import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { TicketStatus } from '../../machines/ticket.machine.js';
import type { PauseReason } from '../../machines/work-session.machine.js';
import type { Actor } from '../auth/actor.js';
import { addPartSpec } from '../commands/add-part-spec.command.js';
import { assignTicket } from '../commands/assign-ticket.command.js';
import { cancelTicket } from '../commands/cancel-ticket.command.js';
import type { AppDeps, Command } from '../commands/command.js';
import { createInventoryItem } from '../commands/create-inventory-item.command.js';
import { createTicket } from '../commands/create-ticket.command.js';
import { failTicketQc } from '../commands/fail-ticket-qc.command.js';
import { openStockout } from '../commands/open-stockout.command.js';
import { passTicketQc } from '../commands/pass-ticket-qc.command.js';
import { pauseWorkSession } from '../commands/pause-work-session.command.js';
import { resolveStockout } from '../commands/resolve-stockout.command.js';
import { resumeWorkSession } from '../commands/resume-work-session.command.js';
import { runCommand } from '../commands/run-command.js';
import { startTicket } from '../commands/start-ticket.command.js';
import { startWorkSession } from '../commands/start-work-session.command.js';
import { submitTicketQc } from '../commands/submit-ticket-qc.command.js';
import { AppError } from '../errors/app-error.js';
import { listPartsQuery, listStockoutsQuery } from '../queries/catalog.query.js';
import { runQuery, type Query } from '../queries/query.js';
import { buildTechnicianSnapshot } from '../queries/technician-snapshot.query.js';
import { getTicketQuery, listTicketsQuery } from '../queries/tickets.query.js';

/** The demo shop's people, as the product sees them. */
export interface DemoCast {
  admin: Actor;
  supervisors: Actor[];
  technicians: Actor[];
}

/** How fast the simulated shop moves. */
export interface Pace {
  /** Simulated seconds between two ticks: QC waits and stockouts last a few ticks. */
  tickSeconds: number;
  /** Share of a ticket's flag minutes a technician actually works on it (live mode shrinks it). */
  workFactor: number;
}

/** The demo's parts catalog: what the repairs below need. */
export const DEMO_PARTS = [
  { sku: 'SCR-6.1', name: 'Screen assembly 6.1"', defaultSrtMinutes: 45 },
  { sku: 'BAT-3000', name: 'Battery 3000 mAh', defaultSrtMinutes: 20 },
  { sku: 'CHG-USBC', name: 'USB-C charging port', defaultSrtMinutes: 25 },
  { sku: 'CAM-REAR', name: 'Rear camera module', defaultSrtMinutes: 25 },
  { sku: 'KBD-T14', name: 'Keyboard (ThinkPad T14)', defaultSrtMinutes: 40 },
  { sku: 'HNG-T14', name: 'Hinge set (ThinkPad T14)', defaultSrtMinutes: 30 },
  { sku: 'MBD-T14', name: 'Mainboard (ThinkPad T14)', defaultSrtMinutes: 95 },
  { sku: 'FAN-M1', name: 'Cooling fan (MacBook)', defaultSrtMinutes: 20 },
  { sku: 'SPK-M1', name: 'Speaker pair (MacBook)', defaultSrtMinutes: 15 },
  { sku: 'WHL-PJ25', name: 'Load wheel set (pallet jack)', defaultSrtMinutes: 35 },
  { sku: 'SEAL-PJ25', name: 'Pump seal kit (pallet jack)', defaultSrtMinutes: 60 },
] as const;

/** Typical jobs: a model, what the customer reports, and the parts (SKUs) it takes. */
const JOBS = [
  { model: 'iPhone 13', title: 'Cracked screen', skus: ['SCR-6.1'] },
  { model: 'iPhone 13', title: 'Battery drains by noon', skus: ['BAT-3000'] },
  { model: 'Pixel 8', title: 'Charging port loose', skus: ['CHG-USBC'] },
  { model: 'Pixel 8', title: 'Dropped: screen and camera', skus: ['SCR-6.1', 'CAM-REAR'] },
  { model: 'ThinkPad T14', title: 'Keys dead after a spill', skus: ['KBD-T14'] },
  { model: 'ThinkPad T14', title: 'Hinge snapped', skus: ['HNG-T14'] },
  { model: 'ThinkPad T14', title: 'No power', skus: ['MBD-T14'] },
  { model: 'MacBook Air M1', title: 'Overheats under load', skus: ['FAN-M1'] },
  { model: 'MacBook Air M1', title: 'No sound', skus: ['SPK-M1'] },
  { model: 'Pallet jack PJ-25', title: 'Worn load wheels', skus: ['WHL-PJ25'] },
  { model: 'Pallet jack PJ-25', title: 'Hydraulic leak, will not lift', skus: ['SEAL-PJ25', 'WHL-PJ25'] },
] as const;

const QC_FAIL_REASONS = ['Scratch on the new screen', 'Port still loose', 'Fan noise', 'Missing screw', 'Fails the load test'];
const PRIORITIES = ['LOW', 'NORMAL', 'NORMAL', 'NORMAL', 'HIGH', 'URGENT'] as const;

type TicketJson = { id: string; status: string; technicianId: string | null; flagMinutes: number; qcSubmittedAt: string | null };
type SessionJson = { id: string; status: string; activeSeconds: number; pauseReason: string | null; updatedAt: string };

/** A fraction in [0, 1) fixed per id, so each ticket needs its own, stable share of its flag time. */
const fractionOf = (id: string): number => Number.parseInt(id.replaceAll('-', '').slice(0, 8), 16) / 2 ** 32;

/**
 * A simulated shop floor acting through the product's own commands and queries (so every
 * invariant, log entry and outbox push is real): technicians start, pause, resume and submit their
 * tickets; supervisors keep a backlog, assign, run QC and resolve stockouts. Each `tick` is one
 * round at the product clock's current time; the caller decides what time that is.
 */
export class ShopSimulation {
  private partIds = new Map<string, string>();

  constructor(
    private readonly deps: AppDeps,
    private readonly cast: DemoCast,
    private readonly random: () => number,
    private readonly pace: Pace,
  ) {}

  private get now(): Date {
    return this.deps.clock.now();
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  private async act<S extends z.ZodType>(actor: Actor, command: Command<S, unknown>, input: z.input<S>): Promise<any> {
    return (await runCommand(this.deps, command as Command, actor, input)).body;
  }

  private async read<T = any>(query: Query, actor: Actor, input: Record<string, unknown> = {}): Promise<T> {
    return (await runQuery(this.deps, query, actor, input)) as T;
  }

  private get supervisor(): Actor {
    return this.pick(this.cast.supervisors);
  }

  private async tickets(status: TicketStatus): Promise<TicketJson[]> {
    return (await this.read<{ items: TicketJson[] }>(listTicketsQuery, this.cast.admin, { status, limit: 200 })).items;
  }

  private async partId(sku: string): Promise<string> {
    if (this.partIds.size === 0) {
      const parts = await this.read<{ items: { id: string; sku: string }[] }>(listPartsQuery, this.cast.admin);
      for (const p of parts.items) this.partIds.set(p.sku, p.id);
    }
    const id = this.partIds.get(sku);
    if (!id) throw new Error(`demo part ${sku} is missing from the catalog`);
    return id;
  }

  /** One round: every technician acts (in a random order), then a supervisor. */
  async tick(): Promise<void> {
    const order = [...this.cast.technicians].sort(() => this.random() - 0.5);
    for (const technician of order) await this.actAsTechnician(technician);
    await this.actAsSupervisor(this.supervisor);
  }

  /** The shift starts: sessions paused for the night go on. */
  async startShift(): Promise<void> {
    for (const technician of this.cast.technicians) {
      const { session } = await buildTechnicianSnapshot(this.deps.db, technician.id, this.now);
      if (session?.status === 'PAUSED' && session.pauseReason === 'END_OF_SHIFT') {
        await this.act(technician, resumeWorkSession, { sessionId: session.id });
      }
    }
  }

  /**
   * The shift ends: open sessions pause END_OF_SHIFT and resume at the next start. A session
   * paused for another reason resumes first, so the night counts as end of shift, not as a break.
   */
  async endShift(): Promise<void> {
    for (const technician of this.cast.technicians) {
      const { session } = await buildTechnicianSnapshot(this.deps.db, technician.id, this.now);
      if (!session || session.pauseReason === 'END_OF_SHIFT') continue;
      if (session.status === 'PAUSED') await this.act(technician, resumeWorkSession, { sessionId: session.id });
      await this.pause(technician, session.id, 'END_OF_SHIFT');
    }
  }

  private async pause(technician: Actor, sessionId: string, reason: PauseReason): Promise<void> {
    await this.act(technician, pauseWorkSession, { sessionId, reason });
  }

  private async actAsTechnician(technician: Actor): Promise<void> {
    const { tickets, session } = (await buildTechnicianSnapshot(this.deps.db, technician.id, this.now)) as {
      tickets: TicketJson[];
      session: SessionJson | null;
    };
    const current = tickets.find((t) => t.status === 'IN_PROGRESS');
    if (session?.status === 'RUNNING' && current) {
      const needs = current.flagMinutes * 60 * this.pace.workFactor * (0.7 + 0.6 * fractionOf(current.id));
      if (session.activeSeconds >= needs) {
        await this.act(technician, submitTicketQc, { ticketId: current.id });
        return;
      }
      const roll = this.random();
      if (roll < 0.04) await this.reportStockout(technician, current, session);
      else if (roll < 0.1) await this.pause(technician, session.id, 'BREAK');
      else if (roll < 0.12) await this.pause(technician, session.id, 'OTHER');
      return;
    }
    if (session?.status === 'PAUSED') {
      if (session.pauseReason === 'END_OF_SHIFT') return;
      if (session.pauseReason === 'STOCKOUT' && current && (await this.waitsForStock(current.id))) return;
      if (session.pauseReason === 'STOCKOUT' || this.random() < 0.5) await this.act(technician, resumeWorkSession, { sessionId: session.id });
      return;
    }
    if (current) {
      await this.act(technician, startWorkSession, { ticketId: current.id });
      return;
    }
    const next = tickets.find((t) => t.status === 'REWORK') ?? tickets.find((t) => t.status === 'ASSIGNED');
    if (next) await this.act(technician, startTicket, { ticketId: next.id });
  }

  /** A part of the ticket is out: open a stockout for it (unless one is open) and pause. */
  private async reportStockout(technician: Actor, ticket: TicketJson, session: SessionJson): Promise<void> {
    const detail = await this.read<{ partSpecs: { partId: string }[] }>(getTicketQuery, technician, { ticketId: ticket.id });
    const spec = detail.partSpecs[0];
    if (spec) {
      await this.act(technician, openStockout, { partId: spec.partId, ticketId: ticket.id, note: 'Shelf empty' }).catch((err: unknown) => {
        if (!(err instanceof AppError && err.code === 'CONFLICT')) throw err; // already reported by someone else
      });
    }
    await this.pause(technician, session.id, 'STOCKOUT');
  }

  private async openStockouts(): Promise<{ id: string; partId: string; startedAt: string }[]> {
    return (await this.read<{ items: { id: string; partId: string; startedAt: string }[] }>(listStockoutsQuery, this.cast.admin, { status: 'OPEN' })).items;
  }

  private async waitsForStock(ticketId: string): Promise<boolean> {
    const detail = await this.read<{ partSpecs: { partId: string }[] }>(getTicketQuery, this.cast.admin, { ticketId });
    const open = new Set((await this.openStockouts()).map((s) => s.partId));
    return detail.partSpecs.some((s) => open.has(s.partId));
  }

  private async actAsSupervisor(supervisor: Actor): Promise<void> {
    const now = this.now.getTime();
    const ticks = (n: number) => n * this.pace.tickSeconds * 1000;
    for (const ticket of await this.tickets('WAITING_QC')) {
      if (now - Date.parse(ticket.qcSubmittedAt ?? '') < ticks(2)) continue;
      if (this.random() < 0.2) await this.act(supervisor, failTicketQc, { ticketId: ticket.id, reason: this.pick(QC_FAIL_REASONS) });
      else await this.act(supervisor, passTicketQc, { ticketId: ticket.id });
    }
    for (const incident of await this.openStockouts()) {
      if (now - Date.parse(incident.startedAt) >= ticks(3)) {
        await this.act(supervisor, resolveStockout, { stockoutId: incident.id, note: 'Delivery arrived' });
      }
    }
    const backlog = await this.tickets('UNDER_REVIEW');
    while (backlog.length < 4) backlog.push(await this.newTicket(supervisor));
    if (this.random() < 0.03) {
      await this.act(supervisor, cancelTicket, { ticketId: backlog.pop()!.id, reason: 'Customer picked it up unrepaired' });
    }
    // Everyone keeps one ticket queued behind the one in hand.
    const queued = new Set([...(await this.tickets('ASSIGNED')), ...(await this.tickets('REWORK'))].map((t) => t.technicianId));
    for (const technician of this.cast.technicians) {
      if (queued.has(technician.id) || backlog.length === 0) continue;
      await this.assign(supervisor, backlog.shift()!.id, technician.id);
    }
  }

  private async assign(supervisor: Actor, ticketId: string, technicianId: string): Promise<any> {
    return this.act(supervisor, assignTicket, { ticketId, technicianId });
  }

  /** A new job: an inventory item and its ticket with the job's part specs (UNDER_REVIEW). */
  private async newTicket(supervisor: Actor): Promise<TicketJson> {
    const job = this.pick(JOBS);
    const item = await this.act(supervisor, createInventoryItem, {
      serial: `DEMO-${randomUUID().slice(0, 8).toUpperCase()}`,
      model: job.model,
      description: job.title,
    });
    const ticket = await this.act(supervisor, createTicket, {
      inventoryItemId: item.id,
      title: `${job.model}: ${job.title}`,
      priority: this.pick(PRIORITIES),
    });
    for (const sku of job.skus) await this.act(supervisor, addPartSpec, { ticketId: ticket.id, partId: await this.partId(sku) });
    return ticket;
  }

  /**
   * Makes sure the floor shows every status and an open stockout, whatever the dice did: a few
   * extra tickets pushed along the normal lifecycle by a supervisor (on the technicians' behalf).
   */
  async ensureEveryStatusAndAStockout(): Promise<void> {
    const supervisor = this.cast.supervisors[0]!;
    const has = async (status: TicketStatus) => (await this.tickets(status)).length > 0;
    const inProgress = async (): Promise<TicketJson> => {
      const [ticket] = await this.tickets('IN_PROGRESS');
      if (ticket) return ticket;
      // Nobody has a ticket in progress, so nobody has an open session either.
      const fresh = await this.newTicket(supervisor);
      await this.assign(supervisor, fresh.id, this.pick(this.cast.technicians).id);
      return (await this.act(supervisor, startTicket, { ticketId: fresh.id })) as TicketJson;
    };
    const waitingQc = async (): Promise<TicketJson> => {
      const ticket = await inProgress();
      await this.act(supervisor, submitTicketQc, { ticketId: ticket.id });
      return ticket;
    };
    if (!(await has('DONE'))) await this.act(supervisor, passTicketQc, { ticketId: (await waitingQc()).id });
    if (!(await has('REWORK'))) await this.act(supervisor, failTicketQc, { ticketId: (await waitingQc()).id, reason: 'Missing screw' });
    if (!(await has('WAITING_QC'))) await waitingQc();
    if (!(await has('CANCELLED'))) {
      await this.act(supervisor, cancelTicket, { ticketId: (await this.newTicket(supervisor)).id, reason: 'Duplicate order' });
    }
    if (!(await has('UNDER_REVIEW'))) await this.newTicket(supervisor);
    await inProgress();
    if (!(await has('ASSIGNED'))) {
      await this.assign(supervisor, (await this.newTicket(supervisor)).id, this.pick(this.cast.technicians).id);
    }
    if ((await this.openStockouts()).length === 0) {
      const ticket = await inProgress();
      const technician = this.cast.technicians.find((t) => t.id === ticket.technicianId)!;
      const { session } = (await buildTechnicianSnapshot(this.deps.db, technician.id, this.now)) as { session: SessionJson | null };
      if (session?.status === 'RUNNING') await this.reportStockout(technician, ticket, session);
      else await this.act(technician, openStockout, { partId: await this.partId('SEAL-PJ25'), note: 'Supplier backorder' });
    }
  }
}
