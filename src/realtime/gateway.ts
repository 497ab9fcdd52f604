import type { Server as HttpServer } from 'node:http';
import type { Socket as EngineSocket } from 'engine.io';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import type { Actor, Role } from '../auth/actor.js';
import type { TokenService } from '../auth/tokens.js';
import type { AppDeps } from '../commands/command.js';
import { runCommand } from '../commands/run-command.js';
import { AppError } from '../errors/app-error.js';
import { toAppError } from '../errors/to-app-error.js';
import { buildFloorSnapshot } from '../queries/floor.query.js';
import { buildTechnicianSnapshot } from '../queries/technician-snapshot.query.js';
import { replayOutbox, type OutboxRow } from '../repositories/outbox.repository.js';
import { findUserById, findUsersByIds } from '../repositories/user.repository.js';
import type { Ack, ClientCommandEvent, ClientToServerEvents, Push, ServerToClientEvents } from './events.js';
import { commandInputFromPayload, socketCommands } from './socket-commands.js';
import { batchFramesOf, encodePushFrame, FrameBatch } from './frame-batching.js';
import { TokenBucket } from './token-bucket.js';

interface SocketData {
  actor: Actor;
  expiresAt: Date;
  /** Live pushes held back (from connect until the first sync or a grace period, and during each sync). */
  held: OutboxRow[] | null;
  /** Highest seq sent directly (snapshot or replay); held pushes at or below it are not sent again. */
  sentUpTo: number;
  bucket: TokenBucket;
  /** Serialises this socket's syncs. */
  queue: Promise<void>;
}

type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type AppServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

const FLOOR_ROLES: readonly Role[] = ['ADMIN', 'SUPERVISOR', 'WALLBOARD'];
/** A reconnecting client sends `sync` right after connecting; live pushes wait this long for it. */
const SYNC_GRACE_MS = 1000;
/** How often connected users are re-checked, so a deactivated wallboard stops receiving pushes. */
const REVALIDATE_MS = 30_000;
const MAX_TIMER_MS = 2 ** 31 - 1;
const SyncInput = z.strictObject({ sinceSeq: z.number().int().min(0) });

const isFloor = (actor: Actor): boolean => FLOOR_ROLES.includes(actor.role);
const technicianRoom = (id: string): string => `technician:${id}`;

function toPush(row: OutboxRow): Push {
  return { seq: row.seq, type: row.type, at: row.createdAt.toISOString(), data: row.data };
}

function errorAck(err: unknown): Ack<never> {
  const appError = toAppError(err);
  return { ok: false, error: appError.toBody().error };
}

export interface GatewayDeps extends AppDeps {
  tokens: TokenService;
  /** The seq up to which this process has published pushes. */
  lastPublishedSeq: () => number;
  /** Reads the outbox up to its current end now (a process that missed a notification may lag). */
  catchUp: () => Promise<void>;
}

/**
 * The Socket.IO gateway: handshake auth, rooms from the token, commands through the same
 * command modules as REST, pushes from the outbox, and gap-free `sync`.
 */
export class RealtimeGateway {
  readonly io: AppServer;
  private readonly revalidation: NodeJS.Timeout;

  constructor(
    httpServer: HttpServer,
    private readonly deps: GatewayDeps,
  ) {
    const { realtime } = deps.config;
    this.io = new Server(httpServer, {
      maxHttpBufferSize: realtime.maxBufferBytes,
      cors: { origin: realtime.allowedOrigins.length ? realtime.allowedOrigins : false },
      // CORS does not apply to WebSocket upgrades: check Origin ourselves. No Origin = not a browser.
      allowRequest: (req, callback) => {
        const origin = req.headers.origin;
        callback(null, !origin || realtime.allowedOrigins.includes(origin));
      },
      serveClient: false,
    });
    this.revalidation = setInterval(() => void this.revalidateUsers(), REVALIDATE_MS);
    this.revalidation.unref();
    this.io.use((socket, next) => {
      this.authenticate(socket).then(
        () => next(),
        () => next(new Error('UNAUTHENTICATED')),
      );
    });
    this.io.on('connection', (socket) => this.onConnection(socket));
    this.io.engine.on('connection', (conn: EngineSocket) => batchFramesOf(conn));
  }

  /**
   * Sends outbox events to the sockets entitled to them, in seq order: each event is encoded once
   * and written to every recipient's connection, the batch in one write per socket (see
   * frame-batching.ts). A socket held for its sync keeps the events instead.
   */
  publish(rows: OutboxRow[]): void {
    const batch = new FrameBatch(this.deps.config.realtime.maxUnreadBytes);
    try {
      for (const row of rows) {
        const push = toPush(row);
        const frame = encodePushFrame(row.type, push);
        const deliver = (socket: AppSocket) => {
          if (socket.data.held) socket.data.held.push(row);
          else if (!batch.write(socket.conn, frame, () => this.dropSlowClient(socket))) socket.emit(row.type as 'ticket.updated', push as never);
        };
        this.forEachInRoom('floor', deliver);
        // Distinct rooms, as `io.to(rooms)` would: a technician named twice gets the push once.
        for (const id of new Set(row.technicianIds)) this.forEachInRoom(technicianRoom(id), deliver);
        this.deps.metrics.pushes.inc({ type: row.type });
      }
    } finally {
      batch.flush();
    }
  }

  private forEachInRoom(room: string, fn: (socket: AppSocket) => void): void {
    const namespace = this.io.of('/');
    for (const id of namespace.adapter.rooms.get(room) ?? []) {
      const socket = namespace.sockets.get(id);
      if (socket) fn(socket);
    }
  }

  /** A client that stopped reading: disconnect it (after this batch) instead of buffering for it. */
  private dropSlowClient(socket: AppSocket): void {
    this.deps.log.warn({ socketId: socket.id, userId: socket.data.actor.id }, 'socket is not reading its pushes; disconnecting it');
    setImmediate(() => socket.disconnect(true));
  }

  /** Disconnects sockets whose user was deactivated or changed role since the handshake. */
  private async revalidateUsers(): Promise<void> {
    const sockets = await this.io.fetchSockets();
    if (sockets.length === 0) return;
    const ids = [...new Set(sockets.map((s) => s.data.actor.id))];
    try {
      const current = new Map((await findUsersByIds(this.deps.db, ids)).map((u) => [u.id, u]));
      for (const socket of sockets) {
        const user = current.get(socket.data.actor.id);
        if (!user || !user.active || user.role !== socket.data.actor.role) socket.disconnect(true);
      }
    } catch (err) {
      this.deps.log.warn({ err }, 'socket user revalidation failed; next round retries');
    }
  }

  /** Disconnects every socket and stops accepting new ones; the HTTP server is closed by its owner. */
  shutdown(): void {
    clearInterval(this.revalidation);
    this.io.disconnectSockets(true);
    this.io.engine.close();
  }

  private async authenticate(socket: AppSocket): Promise<void> {
    const token: unknown = socket.handshake.auth?.token;
    if (typeof token !== 'string' || !token) throw new AppError('UNAUTHENTICATED', 'Missing token');
    const claims = await this.deps.tokens.verify(token);
    const user = await findUserById(this.deps.db, claims.id);
    if (!user || !user.active) throw new AppError('UNAUTHENTICATED', 'User is unknown or inactive');
    socket.data.actor = { id: user.id, username: user.username, role: user.role as Role };
    socket.data.expiresAt = claims.expiresAt;
    socket.data.held = [];
    socket.data.sentUpTo = 0;
    socket.data.queue = Promise.resolve();
    const { rateLimitPerSecond, rateLimitBurst } = this.deps.config.realtime;
    socket.data.bucket = new TokenBucket(rateLimitBurst, rateLimitPerSecond);
  }

  private onConnection(socket: AppSocket): void {
    const { actor } = socket.data;
    const { metrics, log } = this.deps;
    metrics.socketConnections.inc();
    const expiry = setTimeout(
      () => socket.disconnect(true),
      Math.min(MAX_TIMER_MS, Math.max(0, socket.data.expiresAt.getTime() - Date.now())),
    );
    socket.on('disconnect', () => {
      clearTimeout(expiry);
      metrics.socketConnections.dec();
    });

    // Pushes are held from the first moment in a room, so nothing reaches the client out of order.
    void socket.join(isFloor(actor) ? 'floor' : technicianRoom(actor.id));
    // A client that syncs at once gets its replay instead; otherwise floor roles get the snapshot
    // (seq = where it is current to), then the held live pushes above it.
    // The snapshot is read now (current to the seq published now); what commits during the grace
    // is held and follows it with higher seqs.
    const snapshot = isFloor(actor) ? this.readFloorSnapshot() : undefined;
    snapshot?.catch(() => undefined);
    const grace = setTimeout(
      () =>
        this.enqueue(socket, async () => {
          if (snapshot) {
            const push = await snapshot;
            socket.emit('floor.snapshot', push);
            socket.data.sentUpTo = Math.max(socket.data.sentUpTo, push.seq);
          }
          this.release(socket);
        }),
      SYNC_GRACE_MS,
    );
    socket.once('sync', () => clearTimeout(grace));
    socket.on('disconnect', () => clearTimeout(grace));

    for (const [event, command] of Object.entries(socketCommands) as [ClientCommandEvent, (typeof socketCommands)[ClientCommandEvent]][]) {
      socket.on(event, (payload: unknown, ack?: unknown) => {
        const reply = typeof ack === 'function' ? (ack as (a: Ack) => void) : () => undefined;
        if (!socket.data.bucket.take()) {
          reply(errorAck(new AppError('RATE_LIMITED', 'Too many commands, slow down')));
          return;
        }
        this.runSocketCommand(socket, command, payload).then(reply, (err: unknown) => {
          const ackError = errorAck(err);
          if (ackError.ok === false && ackError.error.code === 'INTERNAL') {
            log.error({ err, event, socketId: socket.id, userId: actor.id }, 'socket command failed');
          }
          reply(ackError);
        });
      });
    }

    socket.on('sync', (payload: unknown, ack?: unknown) => {
      const reply = typeof ack === 'function' ? (ack as (a: Ack) => void) : () => undefined;
      this.enqueue(socket, async () => {
        this.hold(socket);
        try {
          reply(await this.sync(socket, payload));
        } catch (err) {
          reply(errorAck(err));
        } finally {
          this.release(socket);
        }
      });
    });
  }

  private async runSocketCommand(socket: AppSocket, command: (typeof socketCommands)[ClientCommandEvent], payload: unknown): Promise<Ack> {
    const { commandId, input } = commandInputFromPayload(command, payload);
    try {
      // The user row is re-read inside the command's transaction: deactivation or a role change applies at once.
      const outcome = await runCommand(this.deps, command, socket.data.actor, input, { idempotencyKey: commandId, verifyActor: true });
      return { ok: true, data: outcome.body };
    } catch (err) {
      // After the ack has gone out (it is sent in a microtask), not before.
      if (err instanceof AppError && err.code === 'UNAUTHENTICATED') setTimeout(() => socket.disconnect(true), 0);
      throw err;
    }
  }

  /** Runs this socket's snapshot/sync work one at a time, in arrival order. */
  private enqueue(socket: AppSocket, work: () => Promise<unknown>): void {
    socket.data.queue = socket.data.queue.then(work).then(
      () => undefined,
      (err: unknown) => this.deps.log.error({ err, socketId: socket.id }, 'socket sync work failed'),
    );
  }

  private hold(socket: AppSocket): void {
    socket.data.held ??= [];
  }

  /** Sends the held pushes not already covered by a snapshot or replay, in seq order, and goes live. */
  private release(socket: AppSocket): void {
    const held = socket.data.held ?? [];
    socket.data.held = null;
    for (const row of held) {
      if (row.seq > socket.data.sentUpTo && socket.connected) socket.emit(row.type as 'ticket.updated', toPush(row) as never);
    }
  }

  private async readFloorSnapshot(): Promise<Push> {
    const seq = this.deps.lastPublishedSeq();
    const now = this.deps.clock.now();
    return { seq, type: 'floor.snapshot', at: now.toISOString(), data: await buildFloorSnapshot(this.deps.db, now) };
  }

  /** Replays what the client missed after `sinceSeq`, then live pushes resume from there. */
  private async sync(socket: AppSocket, payload: unknown): Promise<Ack> {
    const { sinceSeq } = SyncInput.parse(payload);
    const { actor } = socket.data;
    const { realtime } = this.deps.config;
    // Read everything committed so far first: what this process publishes meanwhile is held, and
    // is at or below upToSeq, so it goes out once, in the replay.
    await this.deps.catchUp();
    const upToSeq = this.deps.lastPublishedSeq();
    const result = await replayOutbox(this.deps.db, {
      sinceSeq,
      upToSeq,
      technicianId: isFloor(actor) ? null : actor.id,
      maxEvents: realtime.replayMaxEvents,
      maxAgeHours: realtime.replayMaxAgeHours,
    });
    if (result.kind === 'resync') {
      const now = this.deps.clock.now();
      const snapshot = isFloor(actor)
        ? await buildFloorSnapshot(this.deps.db, now)
        : await buildTechnicianSnapshot(this.deps.db, actor.id, now);
      socket.data.sentUpTo = Math.max(socket.data.sentUpTo, upToSeq);
      return errorAck(
        new AppError('RESYNC_REQUIRED', `Cannot replay from seq ${sinceSeq}: ${result.reason}; start again from this snapshot`, {
          seq: upToSeq,
          snapshot,
        }),
      );
    }
    for (const row of result.events) socket.emit(row.type as 'ticket.updated', toPush(row) as never);
    socket.data.sentUpTo = Math.max(socket.data.sentUpTo, upToSeq);
    return { ok: true, data: { replayed: result.events.length, lastSeq: Math.max(sinceSeq, upToSeq) } };
  }
}
