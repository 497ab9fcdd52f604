/**
 * The Socket.IO contract (api.md "Realtime") as types: import these in handheld and wallboard
 * code, e.g. `io(url, { auth: { token } }) as Socket<ServerToClientEvents, ClientToServerEvents>`.
 * This module has no runtime dependencies on the server.
 */
import type { ErrorCode } from '../errors/app-error.js';

/** Every command payload carries a client-generated id; resending it returns the first ack. */
export interface CommandPayload {
  commandId: string;
}

export interface TicketCommandPayload extends CommandPayload {
  ticketId: string;
  reason?: string;
  technicianId?: string;
  /** Optional optimistic-concurrency check against the ticket's `version`. */
  expectedVersion?: number;
}

export interface SessionCommandPayload extends CommandPayload {
  ticketId?: string;
  sessionId?: string;
  reason?: 'BREAK' | 'STOCKOUT' | 'END_OF_SHIFT' | 'OTHER';
}

export interface StockoutOpenPayload extends CommandPayload {
  partId: string;
  ticketId?: string;
  note?: string;
}

export interface SyncPayload {
  /** The last seq the client saw (0 if none). */
  sinceSeq: number;
}

export interface AckError {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
}

export type Ack<T = unknown> = { ok: true; data: T } | { ok: false; error: AckError };
export type AckCallback<T = unknown> = (ack: Ack<T>) => void;

/** What `sync` answers when it succeeds: the pushes themselves arrive as events before the ack. */
export interface SyncResult {
  replayed: number;
  /** The seq the client is now up to date with. */
  lastSeq: number;
}

export interface ClientToServerEvents {
  'ticket:start': (payload: TicketCommandPayload, ack: AckCallback) => void;
  'ticket:submitQc': (payload: TicketCommandPayload, ack: AckCallback) => void;
  'ticket:release': (payload: TicketCommandPayload, ack: AckCallback) => void;
  'ticket:assign': (payload: TicketCommandPayload, ack: AckCallback) => void;
  'ticket:qcPass': (payload: TicketCommandPayload, ack: AckCallback) => void;
  'ticket:qcFail': (payload: TicketCommandPayload, ack: AckCallback) => void;
  'ticket:cancel': (payload: TicketCommandPayload, ack: AckCallback) => void;
  'session:start': (payload: SessionCommandPayload, ack: AckCallback) => void;
  'session:pause': (payload: SessionCommandPayload, ack: AckCallback) => void;
  'session:resume': (payload: SessionCommandPayload, ack: AckCallback) => void;
  'session:stop': (payload: SessionCommandPayload, ack: AckCallback) => void;
  'stockout:open': (payload: StockoutOpenPayload, ack: AckCallback) => void;
  sync: (payload: SyncPayload, ack: AckCallback<SyncResult>) => void;
}

export type PushType = 'ticket.updated' | 'session.updated' | 'stockout.updated' | 'sla.event' | 'floor.snapshot';

/** Every push: `seq` strictly increases per client (floor.snapshot carries the seq it is current to). */
export interface Push<T = Record<string, unknown>> {
  seq: number;
  type: PushType;
  at: string;
  data: T;
}

export interface ServerToClientEvents {
  'ticket.updated': (push: Push<{ ticket: Record<string, unknown>; transition: Record<string, unknown> }>) => void;
  'session.updated': (push: Push<{ session: Record<string, unknown>; transition: Record<string, unknown> }>) => void;
  'stockout.updated': (push: Push<{ stockout: Record<string, unknown> }>) => void;
  'sla.event': (push: Push) => void;
  'floor.snapshot': (push: Push) => void;
}

export type ClientCommandEvent = Exclude<keyof ClientToServerEvents, 'sync'>;
