import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, Push, PushType, ServerToClientEvents } from '../../src/realtime/events.js';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const PUSH_TYPES: PushType[] = ['ticket.updated', 'session.updated', 'stockout.updated', 'sla.event', 'floor.snapshot'];

/** A connected socket that records every push it receives, in arrival order. */
export interface RecordingSocket {
  socket: TestSocket;
  pushes: Push[];
  /** Sends a command and resolves with its ack. */
  command(event: keyof ClientToServerEvents, payload: unknown): Promise<Ack<any>>;
  /** Resolves once a push matching `predicate` has arrived (or rejects after `timeoutMs`). */
  waitFor(predicate: (push: Push) => boolean, timeoutMs?: number): Promise<Push>;
  close(): void;
}

export function connectSocket(
  url: string,
  token: string | undefined,
  options: { reconnection?: boolean; transports?: ('websocket' | 'polling')[] } = {},
): Promise<RecordingSocket> {
  const socket: TestSocket = io(url, {
    auth: token === undefined ? {} : { token },
    transports: options.transports ?? ['websocket'],
    reconnection: options.reconnection ?? false,
    forceNew: true,
  });
  const pushes: Push[] = [];
  const waiters: { predicate: (p: Push) => boolean; resolve: (p: Push) => void }[] = [];
  for (const type of PUSH_TYPES) {
    socket.on(type as 'ticket.updated', ((push: Push) => {
      pushes.push(push);
      for (const w of [...waiters]) {
        if (w.predicate(push)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(push);
        }
      }
    }) as never);
  }
  const recording: RecordingSocket = {
    socket,
    pushes,
    command: (event, payload) =>
      new Promise((resolve) => {
        (socket.emit as (e: string, p: unknown, cb: (a: Ack) => void) => void)(event, payload, resolve);
      }),
    waitFor: (predicate, timeoutMs = 5000) => {
      const found = pushes.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching push within ${timeoutMs} ms; got ${JSON.stringify(pushes.map((p) => [p.seq, p.type]))}`)), timeoutMs);
        waiters.push({ predicate, resolve: (p) => (clearTimeout(timer), resolve(p)) });
      });
    },
    close: () => socket.close(),
  };
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(recording));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}
