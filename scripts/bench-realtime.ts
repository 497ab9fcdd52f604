/**
 * `npm run bench:realtime` — the realtime benchmark of issue 3 (a script that prints figures, not a test).
 *
 * Phases, on one PostgreSQL (embedded in a temp dir, fsync on, unless BENCH_DATABASE_URL):
 *  0. seed over REST (users, tickets with a part spec), then the baseline: the raw SQL of one
 *     command via node-postgres at the same concurrency, with no product running;
 *  A. throughput: 16 handhelds in a closed loop (each sends its next command on the previous ack);
 *  B. paced: the same handhelds on a fixed schedule at --rate-fraction (50%) of the baseline's
 *     tx/s; ack latency is also measured from the scheduled send time, so a stall is not hidden;
 *  then the wallboards up to 1,000 connected sockets (memory per idle authenticated socket);
 *  C. fan-out: the handhelds paced at each --fanout-rates rate in turn, push latency on sampled wallboards.
 *
 * One process, four threads: the main thread runs the product (startProduct(), in-process, so the
 * main isolate's heap is the server's alone) and the baseline; worker "handhelds" runs the N
 * technician sockets + 1 supervisor socket; worker "sampled wallboards" parses and timestamps every
 * push on a fixed sample; worker "other wallboards" reads every frame without JSON-parsing
 * payloads. All threads share the machine's cores with PostgreSQL: the output shows the CPU split.
 *
 * Options: --handhelds N (16) --wallboards M (1000 − N − 1) --seconds S per phase (15) --sample K (50)
 *          --rate-fraction F (0.5) --fanout-rates R,R… (10,20,30) --tickets-per-handheld T (auto) --db-pool P (N+4)
 *          --connect-batch B (50) --cpu-profile FILE --profile-phase A|B|C (profiles the server thread
 *          during that phase, A by default) --pg-stats (pg_stat_statements per phase, embedded only)
 * Env: BENCH_DATABASE_URL=postgres://… uses that server instead (a fresh database, dropped after).
 * Always exits 0 unless it crashes: the targets are printed as PASS/MISS.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import pg from 'pg';
import pino from 'pino';
import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, Push, ServerToClientEvents } from '../src/realtime/events.js';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

// ---------------------------------------------------------------------------------------------
// Shared helpers (all threads)
// ---------------------------------------------------------------------------------------------

/** Milliseconds since `base` on the process-wide monotonic clock (comparable across threads). */
function clockFrom(base: bigint): () => number {
  return () => Number(process.hrtime.bigint() - base) / 1e6;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

function summary(values: number[]): { n: number; p50: number; p99: number; max: number; mean: number } {
  const sorted = Float64Array.from(values).sort();
  const arr = Array.from(sorted);
  const mean = arr.length ? arr.reduce((a, b) => a + b, 0) / arr.length : Number.NaN;
  return { n: arr.length, p50: percentile(arr, 50), p99: percentile(arr, 99), max: arr.length ? arr[arr.length - 1]! : Number.NaN, mean };
}

function connectClient(url: string, token: string): Promise<ClientSocket> {
  const socket: ClientSocket = io(url, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: 30_000,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** Key matching a command to the pushes it causes: aggregate kind + ticket id + transition event. */
function pushKey(push: Push): string | undefined {
  const data = push.data as { ticket?: { id?: string }; session?: { ticketId?: string }; transition?: { event?: string } };
  if (push.type === 'ticket.updated' && data.ticket?.id) return `t|${data.ticket.id}|${data.transition?.event ?? '?'}`;
  if (push.type === 'session.updated' && data.session?.ticketId) return `s|${data.session.ticketId}|${data.transition?.event ?? '?'}`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Messages between main and the workers
// ---------------------------------------------------------------------------------------------

interface HandheldSpec {
  technicianId: string;
  token: string;
  tickets: string[];
}

interface HandheldInit {
  role: 'handhelds';
  url: string;
  base: string;
  supervisorToken: string;
  handhelds: HandheldSpec[];
  ackTimeoutMs: number;
}

interface WallboardInit {
  role: 'wallboards';
  url: string;
  base: string;
  /** Sampled wallboards parse every push and timestamp it; the others only count them. */
  sampled: boolean;
}

interface HandheldResult {
  type: 'handheld-result';
  startedAt: number;
  endedAt: number;
  /** event → send → ack latencies of the counted commands. */
  acks: Record<string, number[]>;
  /** Scheduled send time → ack, per counted command (paced runs; equals send → ack in closed loop). */
  fromSchedule: number[];
  errors: Record<string, number>;
  retries: number;
  lifecycles: number;
  exhausted: number;
  aborted: string[];
  /** push key → times the causing command was sent and acked. */
  sends: [string, number, number][];
  /** push keys of commands sent after the deadline to finish a lifecycle (not counted). */
  unrecorded: string[];
  elu: number;
}

interface WallboardResult {
  type: 'wallboard-result';
  /** push key → arrival times on the sampled wallboards. */
  arrivals: [string, number[]][];
  unmatched: number;
  received: number[];
  snapshots: number;
  disconnected: number;
  elu: number;
}

type WorkerMessage =
  | { type: 'hello'; tid: number | undefined }
  | { type: 'ready'; connected: number; failed: number; firstError?: string; ms: number }
  | HandheldResult
  | WallboardResult
  | { type: 'closed' }
  | { type: 'counts'; connected: number; snapshots: number }
  | { type: 'error'; message: string };

// ---------------------------------------------------------------------------------------------
// Worker: handhelds (+ the supervisor socket that assigns and passes QC)
// ---------------------------------------------------------------------------------------------

const COMMAND_PUSHES: Record<string, string[]> = {
  'ticket:assign': ['t|ASSIGN'],
  'ticket:start': ['t|START', 's|START'],
  'session:pause': ['s|PAUSE'],
  'session:resume': ['s|RESUME'],
  'ticket:submitQc': ['s|STOP', 't|SUBMIT_QC'],
  'ticket:qcPass': ['t|QC_PASS'],
};

async function handheldWorker(init: HandheldInit): Promise<void> {
  const port = parentPort!;
  const now = clockFrom(BigInt(init.base));
  const started = now();
  const supervisor = await connectClient(init.url, init.supervisorToken);
  const technicians = await Promise.all(init.handhelds.map((h) => connectClient(init.url, h.token)));
  port.postMessage({ type: 'ready', connected: technicians.length + 1, failed: 0, ms: now() - started } satisfies WorkerMessage);
  // Each phase continues with each handheld's next unused ticket.
  const cursors = init.handhelds.map(() => 0);

  type Sent = { ack?: Ack<any>; error?: string; t0: number; t1: number };
  const emit = (socket: ClientSocket, event: string, payload: Record<string, unknown>): Promise<Sent> =>
    new Promise((resolve) => {
      const t0 = now();
      const timed = socket.timeout(init.ackTimeoutMs) as unknown as {
        emit(e: string, p: unknown, cb: (err: Error | null, ack: Ack<any>) => void): void;
      };
      timed.emit(event, payload, (err, ack) => resolve(err ? { error: 'ACK_TIMEOUT', t0, t1: now() } : { ack, t0, t1: now() }));
    });

  const run = async (seconds: number, rate: number | undefined): Promise<HandheldResult> => {
    const acks: Record<string, number[]> = {};
    const fromSchedule: number[] = [];
    const errors: Record<string, number> = {};
    const sends: [string, number, number][] = [];
    const unrecorded: string[] = [];
    const aborted: string[] = [];
    let retries = 0;
    let lifecycles = 0;
    let exhausted = 0;

    /**
     * Sends one command (resending the same commandId on failure, as a handheld would); undefined if
     * it failed 3 times. `intended` is when the schedule wanted it sent; only `record`ed commands count.
     */
    const command = async (
      socket: ClientSocket,
      event: string,
      payload: Record<string, unknown>,
      ticketId: string,
      intended: number,
      record: boolean,
    ): Promise<any> => {
      const full = { commandId: randomUUID(), ...payload };
      for (let attempt = 1; attempt <= 3; attempt++) {
        const sent = await emit(socket, event, full);
        const keys = (COMMAND_PUSHES[event] ?? []).map((k) => {
          const [kind, transition] = k.split('|') as [string, string];
          return `${kind}|${ticketId}|${transition}`;
        });
        if (sent.ack?.ok) {
          if (!record) {
            unrecorded.push(...keys);
            return sent.ack.data;
          }
          (acks[event] ??= []).push(sent.t1 - sent.t0);
          fromSchedule.push(sent.t1 - intended);
          for (const key of keys) sends.push([key, sent.t0, sent.t1]);
          return sent.ack.data;
        }
        const code = sent.error ?? (sent.ack && !sent.ack.ok ? sent.ack.error.code : 'UNKNOWN');
        errors[`${event} ${code}`] = (errors[`${event} ${code}`] ?? 0) + 1;
        if (attempt < 3) {
          retries++;
          await sleep(50);
        }
      }
      return undefined;
    };

    const elu0 = performance.eventLoopUtilization();
    const startedAt = now();
    const deadline = startedAt + seconds * 1000;
    // Paced: each handheld sends on its own fixed schedule (the aggregate is `rate` commands/s),
    // waiting for the previous ack when it is late, as a handheld must.
    const intervalMs = rate ? (init.handhelds.length * 1000) / rate : 0;
    await Promise.all(
      init.handhelds.map(async (h, i) => {
        const tech = technicians[i]!;
        let due = startedAt + (i * intervalMs) / init.handhelds.length;
        while (now() < deadline) {
          const ticketId = h.tickets[cursors[i]!];
          if (ticketId === undefined) {
            exhausted++;
            return;
          }
          cursors[i]!++;
          const steps: [ClientSocket, string, Record<string, unknown>][] = [
            [supervisor, 'ticket:assign', { ticketId, technicianId: h.technicianId }],
            [tech, 'ticket:start', { ticketId }],
            [tech, 'session:pause', { reason: 'BREAK' }],
            [tech, 'session:resume', {}],
            [tech, 'ticket:submitQc', { ticketId }],
            [supervisor, 'ticket:qcPass', { ticketId }],
          ];
          let sessionId: string | undefined;
          let completeBeforeDeadline = true;
          for (const [socket, event, payload] of steps) {
            // A lifecycle cut by the deadline is finished (uncounted, unpaced), so the technician has
            // no ticket in progress left for the next phase.
            const record = now() < deadline;
            let intended = now();
            if (record && rate) {
              if (due > intended) await sleep(due - intended);
              intended = due;
              due += intervalMs;
            }
            completeBeforeDeadline &&= record;
            const body = event.startsWith('session:') ? { ...payload, sessionId } : payload;
            const data = await command(socket, event, body, ticketId, intended, record);
            if (data === undefined) {
              aborted.push(`technician ${h.technicianId}: ${event} failed 3 times on ticket ${ticketId}`);
              return;
            }
            if (event === 'ticket:start') sessionId = (data as { openSession?: { id?: string } }).openSession?.id;
          }
          if (completeBeforeDeadline) lifecycles++;
        }
      }),
    );
    return {
      type: 'handheld-result',
      startedAt,
      // Commands are counted when sent before the deadline: the window is the phase, paced or not.
      endedAt: Math.min(now(), deadline),
      acks,
      fromSchedule,
      errors,
      retries,
      lifecycles,
      exhausted,
      aborted,
      sends,
      unrecorded,
      elu: performance.eventLoopUtilization(elu0).utilization,
    };
  };

  port.on('message', (msg: { cmd: 'run'; seconds: number; rate?: number } | { cmd: 'close' }) => {
    if (msg.cmd === 'run') {
      run(msg.seconds, msg.rate).then(
        (result) => port.postMessage(result satisfies WorkerMessage),
        (err: unknown) => port.postMessage({ type: 'error', message: String(err) } satisfies WorkerMessage),
      );
    } else {
      supervisor.close();
      for (const t of technicians) t.close();
      port.postMessage({ type: 'closed' } satisfies WorkerMessage);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Worker: wallboards
// ---------------------------------------------------------------------------------------------

type DecodedPacket = { type: number; nsp: string; data?: unknown };

/**
 * A minimal socket.io parser for the count-only wallboards: every frame is still read and decoded,
 * but an EVENT's JSON payload is not parsed (only its name is read), so the load generator's
 * per-push cost stays small next to the server's. Default namespace, no binary, no acks: all a
 * listening wallboard needs.
 */
const countOnlyParser = {
  Encoder: class {
    encode(packet: { type: number; nsp?: string; id?: number; data?: unknown }): string[] {
      let str = String(packet.type);
      if (packet.nsp && packet.nsp !== '/') str += `${packet.nsp},`;
      if (packet.id !== undefined) str += String(packet.id);
      if (packet.data !== undefined) str += JSON.stringify(packet.data);
      return [str];
    }
  },
  Decoder: class {
    private handler: ((packet: DecodedPacket) => void) | undefined;
    on(event: string, fn: (packet: DecodedPacket) => void): this {
      if (event === 'decoded') this.handler = fn;
      return this;
    }
    off(): this {
      this.handler = undefined;
      return this;
    }
    add(chunk: unknown): void {
      if (typeof chunk !== 'string') throw new Error('binary packets are not expected');
      const type = Number(chunk[0]);
      if (type === 2 && chunk.startsWith('2["')) {
        this.handler?.({ type, nsp: '/', data: [chunk.slice(3, chunk.indexOf('"', 3))] });
        return;
      }
      this.handler?.({ type, nsp: '/', data: chunk.length > 1 ? JSON.parse(chunk.slice(1)) : undefined });
    }
    destroy(): void {
      this.handler = undefined;
    }
  },
};

async function wallboardWorker(init: WallboardInit): Promise<void> {
  const port = parentPort!;
  const now = clockFrom(BigInt(init.base));
  const sockets: ClientSocket[] = [];
  const received: number[] = [];
  const arrivals = new Map<string, number[]>();
  let unmatched = 0;
  let snapshots = 0;
  let disconnected = 0;
  let closing = false;

  const connect = (token: string): Promise<ClientSocket> => {
    const socket: ClientSocket = io(init.url, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: 30_000,
      ...(init.sampled ? {} : { parser: countOnlyParser }),
    });
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', (err) => {
        socket.close();
        reject(err);
      });
    });
  };

  const onConnected = (socket: ClientSocket) => {
    const slot = received.push(0) - 1;
    sockets.push(socket);
    socket.on('disconnect', () => {
      if (!closing) disconnected++;
    });
    socket.on('floor.snapshot', () => void snapshots++);
    if (init.sampled) {
      const onPush = (push: Push) => {
        const t = now();
        received[slot]!++;
        const key = pushKey(push);
        if (!key) return void unmatched++;
        const list = arrivals.get(key);
        if (list) list.push(t);
        else arrivals.set(key, [t]);
      };
      socket.on('ticket.updated', onPush as never);
      socket.on('session.updated', onPush as never);
    } else {
      const count = () => void received[slot]!++;
      socket.on('ticket.updated', count);
      socket.on('session.updated', count);
    }
  };

  let elu0 = performance.eventLoopUtilization();
  port.on('message', (msg: { cmd: 'connect'; tokens: string[] } | { cmd: 'count' } | { cmd: 'mark' } | { cmd: 'report' } | { cmd: 'close' }) => {
    if (msg.cmd === 'count') {
      port.postMessage({ type: 'counts', connected: sockets.length, snapshots } satisfies WorkerMessage);
    } else if (msg.cmd === 'connect') {
      const started = now();
      void Promise.allSettled(msg.tokens.map(connect)).then((results) => {
        let failed = 0;
        let firstError: string | undefined;
        for (const r of results) {
          if (r.status === 'fulfilled') onConnected(r.value);
          else {
            failed++;
            firstError ??= String((r.reason as Error)?.message ?? r.reason);
          }
        }
        port.postMessage({ type: 'ready', connected: results.length - failed, failed, firstError, ms: now() - started } satisfies WorkerMessage);
      });
    } else if (msg.cmd === 'mark') {
      // A phase starts now: forget anything before it.
      elu0 = performance.eventLoopUtilization();
      arrivals.clear();
      received.fill(0);
      unmatched = 0;
    } else if (msg.cmd === 'report') {
      port.postMessage({
        type: 'wallboard-result',
        arrivals: [...arrivals.entries()],
        unmatched,
        received: [...received],
        snapshots,
        disconnected,
        elu: performance.eventLoopUtilization(elu0).utilization,
      } satisfies WorkerMessage);
    } else {
      closing = true;
      for (const s of sockets) s.close();
      port.postMessage({ type: 'closed' } satisfies WorkerMessage);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Main thread
// ---------------------------------------------------------------------------------------------

interface Options {
  handhelds: number;
  wallboards: number;
  seconds: number;
  sample: number;
  ticketsPerHandheld: number;
  dbPool: number;
  connectBatch: number;
  rateFraction: number;
  fanoutRates: number[];
  cpuProfile: string | undefined;
  profilePhase: string;
  pgStats: boolean;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      handhelds: { type: 'string' },
      wallboards: { type: 'string' },
      seconds: { type: 'string' },
      sample: { type: 'string' },
      'tickets-per-handheld': { type: 'string' },
      'db-pool': { type: 'string' },
      'connect-batch': { type: 'string' },
      'rate-fraction': { type: 'string' },
      'fanout-rates': { type: 'string' },
      'cpu-profile': { type: 'string' },
      'profile-phase': { type: 'string' },
      'pg-stats': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      'usage: npm run bench:realtime -- [--handhelds 16] [--wallboards 984] [--seconds 15] [--sample 50]\n' +
        '                               [--rate-fraction 0.5] [--fanout-rates 10,20,30]\n' +
        '                               [--tickets-per-handheld auto] [--db-pool handhelds+4] [--connect-batch 50]\n' +
        '                               [--cpu-profile FILE.cpuprofile  (the server thread)] [--profile-phase A|B|C (A)]\n' +
        '                               [--pg-stats  (embedded only: pg_stat_statements, top statements per phase)]\n' +
        'env: BENCH_DATABASE_URL=postgres://… to use that server (a fresh database is created and dropped)',
    );
    process.exit(0);
  }
  const int = (name: string, raw: string | undefined, fallback: number, min: number): number => {
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
    return Number(raw);
  };
  const positive = (name: string, raw: string | undefined, fallback: number): number => {
    if (raw === undefined) return fallback;
    if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) <= 0) throw new Error(`--${name} must be a positive number`);
    return Number(raw);
  };
  const handhelds = int('handhelds', values.handhelds, 16, 1);
  const seconds = int('seconds', values.seconds, 15, 1);
  return {
    handhelds,
    // 16 handhelds + 1 supervisor + 983 wallboards = 1,000 connected sockets.
    wallboards: int('wallboards', values.wallboards, 1000 - handhelds - 1, 0),
    seconds,
    sample: int('sample', values.sample, 50, 1),
    // Phases A and B at up to ~5 lifecycles/s per handheld (30 commands/s each, above what 2 cores
    // sustain) and phase C at far less; a handheld that runs out is reported.
    ticketsPerHandheld: int('tickets-per-handheld', values['tickets-per-handheld'], Math.ceil(seconds * 11) + 10, 1),
    dbPool: int('db-pool', values['db-pool'], handhelds + 4, 1),
    connectBatch: int('connect-batch', values['connect-batch'], 50, 1),
    rateFraction: positive('rate-fraction', values['rate-fraction'], 0.5),
    fanoutRates: (values['fanout-rates'] ?? '10,20,30').split(',').map((r) => positive('fanout-rates', r.trim(), 0)),
    cpuProfile: values['cpu-profile'],
    profilePhase: (() => {
      const phase = (values['profile-phase'] ?? 'A').toUpperCase();
      if (!['A', 'B', 'C'].includes(phase)) throw new Error('--profile-phase must be A, B or C');
      return phase;
    })(),
    pgStats: values['pg-stats'] ?? false,
  };
}

const log = (message: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

/** Runs `fn` over `items` with at most `limit` in flight. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

class Rest {
  constructor(private readonly baseUrl: string) {}

  async call(method: string, route: string, body: unknown, token: string | undefined, expect: number): Promise<any> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${this.baseUrl}/api/v1${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (res.status !== expect) throw new Error(`${method} ${route}: expected ${expect}, got ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  }
}

/** Linux thread ids of the workers (from their 'hello'), to read their CPU time. */
const workerTids = new Map<Worker, number>();

/** A worker running this same file (tsx registered inside it: Node 20 does not pass --import hooks to workers). */
function startWorker(data: HandheldInit | WallboardInit): Worker {
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const self = import.meta.url;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(self)}); })`;
  const worker = new Worker(bootstrap, { eval: true, workerData: data });
  worker.on('message', (msg: WorkerMessage) => {
    if (msg.type === 'hello' && msg.tid) workerTids.set(worker, msg.tid);
  });
  // Reported here and turned into a rejection by nextMessage(); never an unhandled 'error' event.
  worker.on('error', (err) => log(`${data.role} worker failed: ${err.stack ?? err.message}`));
  return worker;
}

/** Sampled wallboards listening during phases A and B (all --sample ones listen in phase C). */
const EARLY_SAMPLE = 4;

/** Resolves with the worker's next message of `type`; rejects on worker error, exit or timeout. */
function nextMessage<T extends WorkerMessage['type']>(worker: Worker, type: T, timeoutMs: number): Promise<Extract<WorkerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (msg: WorkerMessage) => {
      if (msg.type === 'error') {
        cleanup();
        reject(new Error(`worker: ${msg.message}`));
      } else if (msg.type === type) {
        cleanup();
        resolve(msg as Extract<WorkerMessage, { type: T }>);
      }
    };
    const onError = (err: Error) => (cleanup(), reject(err));
    const onExit = (code: number) => (cleanup(), reject(new Error(`worker exited (${code}) while waiting for '${type}'`)));
    const timer = setTimeout(() => (cleanup(), reject(new Error(`worker: no '${type}' within ${timeoutMs} ms`))), timeoutMs);
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

/** A gc() for the main isolate: the flag's, or one exposed at run time (v8 flag + a fresh context). */
function findGc(): { gc: (() => void) | undefined; method: string } {
  const flagged = (globalThis as { gc?: () => void }).gc;
  if (typeof flagged === 'function') return { gc: flagged, method: 'gc() from --expose-gc' };
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    if (typeof gc === 'function') return { gc, method: 'gc() exposed at run time (v8.setFlagsFromString)' };
  } catch {
    // fall through
  }
  return { gc: undefined, method: 'no gc available: figures include garbage' };
}

async function settledHeap(gc: (() => void) | undefined): Promise<{ heapPlusExternal: number; heapUsed: number; external: number; rss: number }> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await sleep(100);
  }
  const m = process.memoryUsage();
  return { heapPlusExternal: m.heapUsed + m.external, heapUsed: m.heapUsed, external: m.external, rss: m.rss };
}

/**
 * CPU seconds used so far by a postmaster and its children (Linux /proc; undefined elsewhere): the
 * live backends' own time plus the postmaster's, including what its exited children used.
 */
function postgresCpuSeconds(postmasterPid: number | undefined): number | undefined {
  if (!postmasterPid || process.platform !== 'linux') return undefined;
  const ticksPerSecond = 100;
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pid = Number(entry);
      if (pid === postmasterPid) ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      else if (Number(fields[1]) === postmasterPid) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks / ticksPerSecond;
}

/** CPU seconds of one thread of this process (the main thread's tid is the pid). */
function threadCpuSeconds(tid: number): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Machine-wide CPU jiffies from /proc/stat: busy (incl. steal), steal, total. */
function machineCpu(): { busy: number; steal: number; irq: number; total: number } | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number) as number[];
    const busy = user! + nice! + system! + irq! + softirq! + steal!;
    return { busy, steal: steal!, irq: irq! + softirq!, total: busy + idle! + iowait! };
  } catch {
    return undefined;
  }
}

/**
 * Samples what the product's database sessions are doing (pg_stat_activity) every `everyMs`:
 * returns the average number of product backends per state / wait event over the window.
 */
interface ActivitySummary {
  samples: number;
  /** Average number of product backends per state. */
  states: [string, number][];
}

function describeBackend(r: { state: string | null; wait_event_type: string | null; wait_event: string | null }): string {
  if (r.state === 'autovacuum') return 'autovacuum worker';
  if (r.state === 'idle') return 'idle (in the pool)';
  if (r.state === 'idle in transaction') return 'idle in transaction (waiting for Node)';
  return `${r.state ?? '?'}: ${r.wait_event_type ? `${r.wait_event_type}/${r.wait_event}` : 'on CPU'}`;
}

function startActivitySampler(url: string, everyMs: number): { stop(): Promise<ActivitySummary> } {
  const client = new pg.Client({ connectionString: url, application_name: 'bench-sampler' });
  client.on('error', () => undefined); // the loop's next query fails and ends it
  const counts = new Map<string, number>();
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    await client.connect();
    while (!stopped) {
      const rows = (
        await client.query(
          `SELECT CASE WHEN backend_type = 'autovacuum worker' THEN 'autovacuum' ELSE state END AS state, wait_event_type, wait_event
           FROM pg_stat_activity
           WHERE (application_name = 'benchline' OR backend_type = 'autovacuum worker') AND pid <> pg_backend_pid()`,
        )
      ).rows as { state: string | null; wait_event_type: string | null; wait_event: string | null }[];
      samples++;
      for (const r of rows) {
        const key = describeBackend(r);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      await sleep(everyMs);
    }
  })().catch(() => undefined);
  return {
    stop: async () => {
      stopped = true;
      await loop;
      await client.end().catch(() => undefined);
      const average = (m: Map<string, number>) =>
        [...m.entries()].map(([k, v]) => [k, v / Math.max(1, samples)] as [string, number]).sort((a, b) => b[1] - a[1]);
      return { samples, states: average(counts) };
    },
  };
}

interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  top: { name: string; ms: number }[];
}

/** Profiles this thread with the inspector; stop() writes a .cpuprofile and summarises self time. */
async function startProfiler(): Promise<{ stop(file: string): Promise<ProfileSummary> }> {
  const { Session } = await import('node:inspector/promises');
  const { writeFile } = await import('node:fs/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return {
    stop: async (file) => {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      await writeFile(file, JSON.stringify(profile));
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      const selfMs = new Map<number, number>();
      const deltas = profile.timeDeltas ?? [];
      (profile.samples ?? []).forEach((id, i) => selfMs.set(id, (selfMs.get(id) ?? 0) + (deltas[i] ?? 0) / 1000));
      const byName = new Map<string, number>();
      let total = 0;
      let idle = 0;
      for (const [id, ms] of selfMs) {
        const frame = byId.get(id)!.callFrame;
        total += ms;
        if (frame.functionName === '(idle)') idle += ms;
        const where = frame.url ? `${frame.url.replace(/^file:\/\/.*?\/node_modules\//, '').replace(/^file:\/\/.*?\/(src|scripts)\//, '$1/')}:${frame.lineNumber + 1}` : '';
        const name = `${frame.functionName || '(anonymous)'} ${where}`.trim();
        byName.set(name, (byName.get(name) ?? 0) + ms);
      }
      const top = [...byName.entries()]
        .filter(([name]) => !name.startsWith('(idle)'))
        .sort((a, b) => b[1] - a[1])
        .slice(0, 15)
        .map(([name, ms]) => ({ name, ms }));
      return { totalMs: total, idleMs: idle, top };
    },
  };
}

/** The commit measured, and whether the product's sources differ from it. */
function codeVersion(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const head = git('rev-parse', '--short', 'HEAD');
    const dirty = git('status', '--porcelain', '--', 'src', 'machines').split('\n').filter(Boolean).length;
    return `git ${head}${dirty ? ` + ${dirty} uncommitted change(s) under src/ or machines/` : ' (clean)'}, ${new Date().toISOString()}`;
  } catch {
    return `unknown (no git), ${new Date().toISOString()}`;
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

interface BaselineResult {
  label: string;
  table: string;
  count: number;
  seconds: number;
  perSecond: number;
  latency: ReturnType<typeof summary>;
  notifications: number;
  skipped?: string;
  cpu?: CpuReading;
}

/**
 * The raw SQL of one ticket command, one transaction per iteration, N workers each on its own
 * pre-seeded ticket, each on its own connection of a pool of N.
 */
async function runBaseline(
  url: string,
  ticketIds: string[],
  actorId: string,
  seconds: number,
  outboxTable: string,
  label: string,
): Promise<BaselineResult> {
  const now = clockFrom(process.hrtime.bigint());
  const pool = new pg.Pool({ connectionString: url, max: ticketIds.length, application_name: 'bench-baseline' });
  const listener = new pg.Client({ connectionString: url, application_name: 'bench-baseline-listener' });
  listener.on('error', () => undefined);
  let notifications = 0;
  listener.on('notification', () => void notifications++);
  await listener.connect();
  await listener.query('LISTEN benchline_outbox');
  const clients = await Promise.all(ticketIds.map(() => pool.connect()));
  const latencies: number[] = [];
  let count = 0;
  const startedAt = now();
  const deadline = startedAt + seconds * 1000;
  try {
    await Promise.all(
      clients.map(async (client, i) => {
        const ticketId = ticketIds[i]!;
        while (now() < deadline) {
          const t0 = now();
          await client.query('BEGIN');
          try {
            const locked = await client.query(
              `SELECT t.*, (SELECT count(*)::int FROM ticket_part_specs s WHERE s.ticket_id = t.id AND s.is_active) AS active_spec_count
               FROM tickets t WHERE t.id = $1 FOR UPDATE OF t`,
              [ticketId],
            );
            const before = locked.rows[0] as { status: string; technician_id: string | null };
            const at = new Date();
            const updated = await client.query(
              `UPDATE tickets SET status = $2, technician_id = $3, updated_at = $4, version = version + 1 WHERE id = $1 RETURNING *`,
              [ticketId, before.status, before.technician_id, at],
            );
            const transition = await client.query(
              `INSERT INTO ticket_transitions (ticket_id, from_status, to_status, event, actor_id, reason, metadata, command_id, created_at)
               VALUES ($1, $2, $2, 'BENCH', $3, NULL, $4::jsonb, $5, $6) RETURNING *`,
              [ticketId, before.status, actorId, JSON.stringify({ bench: true }), randomUUID(), at],
            );
            await client.query(
              `INSERT INTO ${outboxTable} (type, aggregate_type, aggregate_id, technician_ids, data)
               VALUES ('ticket.updated', 'ticket', $1, $2::uuid[], $3::jsonb)`,
              [ticketId, `{${actorId}}`, JSON.stringify({ ticket: updated.rows[0], transition: transition.rows[0] })],
            );
            await client.query('COMMIT');
          } catch (err) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw err;
          }
          latencies.push(now() - t0);
          count++;
        }
      }),
    );
  } finally {
    for (const c of clients) c.release();
    await pool.end();
    await sleep(100);
    await listener.end().catch(() => undefined);
  }
  const elapsed = (now() - startedAt) / 1000;
  return { label, table: outboxTable, count, seconds: elapsed, perSecond: count / elapsed, latency: summary(latencies), notifications };
}

/** Checkpoints so far (PostgreSQL 17+: pg_stat_checkpointer; before: pg_stat_bgwriter). */
async function checkpointCount(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const modern = (await c.query(`SELECT to_regclass('pg_catalog.pg_stat_checkpointer') IS NOT NULL AS ok`)).rows[0].ok as boolean;
    const { rows } = await c.query(
      modern
        ? 'SELECT (num_timed + num_requested)::int AS n FROM pg_stat_checkpointer'
        : 'SELECT (checkpoints_timed + checkpoints_req)::int AS n FROM pg_stat_bgwriter',
    );
    return rows[0].n as number;
  } finally {
    await c.end();
  }
}

/** Resets pg_stat_statements for the database, or lists its top statements by total execution time. */
async function statementStats(url: string, mode: 'reset' | 'top'): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    if (mode === 'reset') {
      await c.query('SELECT pg_stat_statements_reset()');
      return [];
    }
    const { rows } = await c.query(
      `SELECT calls, round(total_exec_time)::int AS ms, round(total_exec_time / greatest(calls, 1) * 1000)::int AS us,
              round(max_exec_time)::int AS max_ms,
              regexp_replace(query, '\\s+', ' ', 'g') AS query
       FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
       ORDER BY total_exec_time DESC LIMIT 14`,
    );
    return (rows as { calls: string; ms: number; us: number; max_ms: number; query: string }[]).map(
      (r) =>
        `${String(r.ms).padStart(7)} ms ${String(r.calls).padStart(7)} calls ${String(r.us).padStart(6)} µs mean ${String(r.max_ms).padStart(5)} ms max  ${r.query.slice(0, 90)}`,
    );
  } finally {
    await c.end();
  }
}

/** Where CPU time went during a phase (cores = CPU seconds per second of the phase). */
interface CpuReading {
  seconds: number;
  serverElu: number;
  mainCores: number | undefined;
  generator: [string, number | undefined][];
  restOfNode: number | undefined;
  pgCores: number | undefined;
  machine: { busy: number; irq: number; steal: number; others: number } | undefined;
  loadAvg: number[];
  /** Garbage-collection pauses of the server isolate during the phase. */
  gc: { count: number; totalMs: number; maxMs: number };
  /** How late the server's event loop ran timers (perf_hooks.monitorEventLoopDelay), ms. */
  loopDelay: { p99: number; max: number };
}

/** Starts CPU accounting for a phase; stop() returns the reading. */
function startCpuMeter(postmasterPid: number | undefined, threads: [string, Worker][]): { stop(): CpuReading } {
  const loadAvg = os.loadavg();
  const machine0 = machineCpu();
  const main0 = threadCpuSeconds(process.pid);
  const threads0 = threads.map(([, w]) => threadCpuSeconds(workerTids.get(w) ?? -1));
  const cpu0 = process.cpuUsage();
  const pg0 = postgresCpuSeconds(postmasterPid);
  const elu0 = performance.eventLoopUtilization();
  const wall0 = performance.now();
  const gc = { count: 0, totalMs: 0, maxMs: 0 };
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count++;
      gc.totalMs += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  return {
    stop() {
      gcObserver.disconnect();
      delay.disable();
      const seconds = (performance.now() - wall0) / 1000;
      const serverElu = performance.eventLoopUtilization(elu0).utilization;
      const cpu = process.cpuUsage(cpu0);
      const pg1 = postgresCpuSeconds(postmasterPid);
      const main1 = threadCpuSeconds(process.pid);
      const machine1 = machineCpu();
      const generator = threads.map(([name, w], i): [string, number | undefined] => {
        const a = threads0[i];
        const b = threadCpuSeconds(workerTids.get(w) ?? -1);
        return [name, a !== undefined && b !== undefined ? (b - a) / seconds : undefined];
      });
      const nodeCores = (cpu.user + cpu.system) / 1e6 / seconds;
      const mainCores = main0 !== undefined && main1 !== undefined ? (main1 - main0) / seconds : undefined;
      const generatorCores = generator.reduce((sum, [, c]) => sum + (c ?? 0), 0);
      const pgCores = pg0 !== undefined && pg1 !== undefined ? (pg1 - pg0) / seconds : undefined;
      let machine: CpuReading['machine'];
      if (machine0 && machine1) {
        const per = (jiffies: number) => (jiffies / (machine1.total - machine0.total)) * os.cpus().length;
        const busy = per(machine1.busy - machine0.busy);
        const steal = per(machine1.steal - machine0.steal);
        const irq = per(machine1.irq - machine0.irq);
        machine = { busy, irq, steal, others: Math.max(0, busy - nodeCores - (pgCores ?? 0) - steal - irq) };
      }
      return {
        seconds,
        serverElu,
        mainCores,
        generator,
        restOfNode: mainCores !== undefined ? Math.max(0, nodeCores - mainCores - generatorCores) : undefined,
        pgCores,
        machine,
        loadAvg,
        gc,
        loopDelay: { p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 },
      };
    },
  };
}

/** What one phase measured. */
interface PhaseResult {
  name: string;
  rate: number | undefined;
  sockets: number;
  wallboards: number;
  sampled: number;
  handheld: HandheldResult;
  commands: number;
  commandsPerSecond: number;
  ack: ReturnType<typeof summary>;
  ackFromSchedule: ReturnType<typeof summary>;
  push: ReturnType<typeof summary>;
  pushAfterAck: ReturnType<typeof summary>;
  pushesPerSampled: number;
  unmatchedArrivals: number;
  published: number;
  receivedPerWallboard: number[];
  disconnected: number;
  cpu: CpuReading;
  activity: ActivitySummary;
  profile: ProfileSummary | undefined;
  /** pg_stat_statements during the phase (--pg-stats). */
  statements: string[];
  /** PostgreSQL checkpoints that ran during the phase (it starts right after one). */
  checkpoints: number;
}

const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');
const ms = (n: number): string => `${fmt(n, 1)} ms`;

function describeCpu(c: CpuReading): string[] {
  const lines = [
    `CPU                     event-loop utilisation of the server (main thread) ${fmt(c.serverElu * 100, 0)}%; cores used: server main thread ${c.mainCores !== undefined ? fmt(c.mainCores, 2) : 'n/a'},`,
    `                        load generator ${c.generator.map(([n, v]) => `${n} ${v !== undefined ? fmt(v, 2) : 'n/a'}`).join(', ')},`,
    `                        rest of the node process (GC, V8 helpers) ${c.restOfNode !== undefined ? fmt(c.restOfNode, 2) : 'n/a'}${c.pgCores !== undefined ? `, postgres ${fmt(c.pgCores, 2)}` : ''}`,
    `                        GC pauses of the server isolate: ${c.gc.count}, ${fmt(c.gc.totalMs, 0)} ms in all, longest ${fmt(c.gc.maxMs, 1)} ms;` +
      ` event-loop delay p99 ${fmt(c.loopDelay.p99, 1)} ms, max ${fmt(c.loopDelay.max, 1)} ms`,
  ];
  if (c.machine) {
    lines.push(
      `                        machine: ${fmt(c.machine.busy, 2)} of ${os.cpus().length} cores busy (kernel irq/softirq ${fmt(c.machine.irq, 2)}, steal ${fmt(c.machine.steal, 2)}, other processes ${fmt(c.machine.others, 2)}; load average before ${c.loadAvg.map((l) => fmt(l, 2)).join(' ')})`,
    );
    if (c.machine.others > 0.25 || c.machine.steal > 0.1) lines.push('                        WARNING: the machine was not quiet (other processes / steal): figures are noisy');
  }
  return lines;
}

function describePhase(r: PhaseResult): string[] {
  const out: string[] = [];
  const h = r.handheld;
  out.push(`commands/s              ${fmt(r.commandsPerSecond)}${r.rate ? ` (schedule: ${fmt(r.rate)}/s)` : ''}   (${r.commands} acked ok in ${fmt((h.endedAt - h.startedAt) / 1000, 2)} s; ${h.lifecycles} full lifecycles)`);
  out.push(`ack latency p50 / p99   ${ms(r.ack.p50)} / ${ms(r.ack.p99)}   (max ${ms(r.ack.max)}; send → ack callback, on the client)`);
  if (r.rate) {
    out.push(`  from the schedule     ${ms(r.ackFromSchedule.p50)} / ${ms(r.ackFromSchedule.p99)}   (scheduled send time → ack: a handheld held back by a late ack is not hidden)`);
  }
  for (const [event, values] of Object.entries(h.acks)) {
    const s = summary(values);
    out.push(`  ${event.padEnd(20)} n=${String(s.n).padStart(6)}  p50 ${ms(s.p50).padStart(9)}  p99 ${ms(s.p99).padStart(9)}`);
  }
  const errorList = Object.entries(h.errors);
  out.push(`errors                  ${errorList.length ? errorList.map(([k, v]) => `${k}×${v}`).join(', ') : 'none'}${h.retries ? ` (${h.retries} resends)` : ''}`);
  for (const a of h.aborted) out.push(`  ABORTED ${a}`);
  if (h.exhausted) out.push(`  WARNING ${h.exhausted} handheld(s) ran out of tickets before the end: rerun with a larger --tickets-per-handheld`);
  out.push(`push latency p50 / p99  ${ms(r.push.p50)} / ${ms(r.push.p99)}   (max ${ms(r.push.max)}; command send → arrival on a wallboard; ${r.push.n} samples:`);
  out.push(`                        every ticket.updated/session.updated push of a counted command, on ${r.sampled} sampled wallboards`);
  out.push(`                        spread over connect order; ${fmt(r.pushesPerSampled, 0)} per sampled wallboard for ${h.sends.length} expected)`);
  out.push(`  ack → arrival         p50 ${ms(r.pushAfterAck.p50)}, p99 ${ms(r.pushAfterAck.p99)} (the delivery part; negative = push before ack)`);
  if (r.unmatchedArrivals) out.push(`  note: ${r.unmatchedArrivals} sampled arrivals matched no command`);
  const perWallboard = r.receivedPerWallboard;
  out.push(`fan-out                 ${r.published} outbox events published (${fmt(r.published / r.cpu.seconds)}/s) to ${r.sockets} connected sockets, ${r.wallboards + 1} of them`);
  out.push(`                        in the floor room → ${fmt((r.published * (r.wallboards + 1)) / r.cpu.seconds / 1000, 1)}k floor frames/s; per wallboard received min ${perWallboard.length ? Math.min(...perWallboard) : 0}, max ${perWallboard.length ? Math.max(...perWallboard) : 0}${r.disconnected ? `; ${r.disconnected} wallboards DISCONNECTED` : ''}`);
  out.push(...describeCpu(r.cpu));
  const perCommand = (cores: number | undefined) => (cores === undefined ? 'n/a' : `${fmt((cores / r.commandsPerSecond) * 1000, 2)} ms`);
  out.push(`                        CPU per command: postgres ${perCommand(r.cpu.pgCores)}, server main thread ${perCommand(r.cpu.mainCores)}, rest of the server process ${perCommand(r.cpu.restOfNode)}`);
  out.push(`checkpoints             ${r.checkpoints} during the phase (VACUUM and a CHECKPOINT ran just before it)`);
  out.push(`DB sessions             average over ${r.activity.samples} samples of pg_stat_activity: ${r.activity.states.map(([k, v]) => `${k} ${fmt(v, 1)}`).join('; ')}`);
  if (r.statements.length) {
    out.push('statements              pg_stat_statements, top by total execution time (wall time in the backend, lock and commit waits included):');
    for (const line of r.statements) out.push(`  ${line}`);
  }
  if (r.profile) {
    out.push(`CPU profile             self time of the server thread, top functions (${fmt(r.profile.totalMs / 1000, 1)} s sampled, idle ${fmt(r.profile.idleMs / 1000, 1)} s):`);
    for (const f of r.profile.top) out.push(`  ${fmt(f.ms, 0).padStart(7)} ms ${fmt((f.ms / Math.max(1, r.profile.totalMs - r.profile.idleMs)) * 100, 1).padStart(5)}%  ${f.name}`);
  }
  return out;
}

async function main(): Promise<void> {
  const options = parseOptions();
  const base = process.hrtime.bigint();
  const now = clockFrom(base);
  const quiet = pino({ level: 'silent' });
  const cleanups: { name: string; run: () => Promise<unknown> }[] = [];
  // One pass, in reverse order of creation, shared by the normal end, a crash and a signal.
  let cleaning: Promise<void> | undefined;
  const runCleanups = (): Promise<void> =>
    (cleaning ??= (async () => {
      // A library failing loudly while its server goes away must not stop the rest (e.g. the temp dir).
      process.on('uncaughtException', (err) => log(`error during shutdown (ignored, cleanup goes on): ${err.stack ?? String(err)}`));
      while (cleanups.length) {
        const c = cleanups.pop()!;
        log(`stopping: ${c.name}`);
        await c.run().catch((err: unknown) => log(`cleanup ${c.name} failed: ${String(err)}`));
      }
    })());
  const forget = (name: string) => {
    const i = cleanups.findIndex((c) => c.name === name);
    if (i >= 0) cleanups.splice(i, 1);
  };
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`${signal}: stopping`);
    void runCleanups().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const { gc, method: gcMethod } = findGc();
  const notes: string[] = [];

  try {
    // ---------------- PostgreSQL
    let serverUrl: string;
    let databaseUrl: string;
    let postmasterPid: number | undefined;
    let pgWhere: string;
    const benchDb = `benchline_bench_${randomBytes(4).toString('hex')}`;
    if (process.env.BENCH_DATABASE_URL) {
      serverUrl = process.env.BENCH_DATABASE_URL;
      await adminQuery(serverUrl, `CREATE DATABASE ${benchDb}`);
      databaseUrl = withDatabase(serverUrl, benchDb);
      cleanups.push({ name: 'drop database', run: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${benchDb} WITH (FORCE)`) });
      pgWhere = `BENCH_DATABASE_URL server, fresh database ${benchDb} (dropped after)`;
    } else {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'benchline-bench-'));
      cleanups.push({ name: 'temp dir', run: () => rm(dataDir, { recursive: true, force: true }) });
      log(`starting embedded PostgreSQL in ${dataDir}`);
      const { startEmbeddedPostgres } = await import('../src/db/embedded-postgres.js');
      const embedded = await startEmbeddedPostgres({
        dataDir,
        database: benchDb,
        log: pino({ level: 'warn' }, pino.destination(2)),
        // Durability left at the defaults (fsync on): this measures what production pays per commit.
        settings: {
          max_connections: '200',
          ...(options.pgStats ? { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' } : {}),
        },
      });
      cleanups.push({ name: 'embedded postgres', run: () => embedded.stop() });
      databaseUrl = embedded.url;
      serverUrl = withDatabase(embedded.url, 'postgres');
      const pidText = readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0];
      postmasterPid = Number(pidText) || undefined;
      pgWhere = `embedded, temp dir ${dataDir} (removed after)`;
    }
    const pgInfo = await (async () => {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      try {
        const row = (
          await c.query(
            `SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync,
                    current_setting('synchronous_commit') AS sync_commit, current_setting('wal_sync_method') AS wal_sync,
                    current_setting('shared_buffers') AS shared_buffers, current_setting('max_connections') AS max_conn`,
          )
        ).rows[0] as Record<string, string>;
        return row;
      } finally {
        await c.end();
      }
    })();

    // ---------------- Product
    const { loadConfig } = await import('../src/config/config.js');
    const { startProduct } = await import('../src/product.js');
    const admin = { username: 'bench-admin', password: 'bench-admin-password-1' };
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      JWT_SECRET: 'bench-secret-that-is-long-enough-for-hs256-signing',
      PASSWORD_HASH_COST: '10',
      ADMIN_USERNAME: admin.username,
      ADMIN_PASSWORD: admin.password,
      DB_POOL_MAX: String(options.dbPool),
      RATE_LIMIT_MAX: '10000000',
      LOGIN_RATE_LIMIT_MAX: '10000000',
      SOCKET_RATE_LIMIT_PER_SECOND: '1000000',
      SOCKET_RATE_LIMIT_BURST: '1000000',
    });
    log('starting the product in-process (for seeding over REST)');
    const seeding = await startProduct(config, { log: quiet });
    cleanups.push({ name: 'product', run: () => seeding.close() });
    const rest = new Rest(seeding.url);

    // ---------------- Seed over REST
    const seedStarted = now();
    const login = async (username: string, password: string): Promise<{ token: string; id: string }> => {
      const body = await rest.call('POST', '/auth/login', { username, password }, undefined, 200);
      return { token: body.token, id: body.user.id };
    };
    const adminLogin = await login(admin.username, admin.password);
    const password = 'bench-password-123';
    const tag = randomBytes(3).toString('hex');
    const makeUser = async (role: string, name: string) => {
      const created = await rest.call('POST', '/users', { username: name, displayName: `${role} ${name}`, role, password }, adminLogin.token, 201);
      const session = await login(name, password);
      return { id: created.id as string, token: session.token };
    };
    const supervisor = await makeUser('SUPERVISOR', `bench-sup-${tag}`);
    log(`seeding ${options.handhelds} technicians and ${options.wallboards} wallboard users`);
    const technicians = await mapLimit(
      Array.from({ length: options.handhelds }, (_, i) => i),
      8,
      (i) => makeUser('TECHNICIAN', `bench-tech-${tag}-${i}`),
    );
    const wallboards = await mapLimit(
      Array.from({ length: options.wallboards }, (_, i) => i),
      8,
      (i) => makeUser('WALLBOARD', `bench-wall-${tag}-${i}`),
    );
    const parts = await mapLimit([0, 1, 2, 3], 4, (i) =>
      rest.call('POST', '/parts', { sku: `BENCH-${tag}-${i}`, name: `Part ${i}`, defaultSrtMinutes: 20 + i * 5 }, adminLogin.token, 201),
    );
    const ticketCount = options.handhelds * options.ticketsPerHandheld + options.handhelds;
    log(`seeding ${ticketCount} tickets (item + ticket + part spec each; ${options.ticketsPerHandheld} per handheld + ${options.handhelds} for the baseline)`);
    let seeded = 0;
    const ticketIds = await mapLimit(
      Array.from({ length: ticketCount }, (_, i) => i),
      16,
      async (i) => {
        const item = await rest.call('POST', '/inventory-items', { serial: `SN-${tag}-${i}`, model: 'Pixel 8', description: 'cracked screen' }, supervisor.token, 201);
        const ticket = await rest.call('POST', '/tickets', { inventoryItemId: item.id, title: `Replace screen #${i}` }, supervisor.token, 201);
        const part = parts[i % parts.length] as { id: string };
        await rest.call('POST', `/tickets/${ticket.id}/part-specs`, { partId: part.id }, supervisor.token, 201);
        if (++seeded % 500 === 0) log(`  ${seeded}/${ticketCount} tickets`);
        return ticket.id as string;
      },
    );
    const seedSeconds = (now() - seedStarted) / 1000;
    const baselineTickets = ticketIds.slice(0, options.handhelds);
    const handheldSpecs: HandheldSpec[] = technicians.map((t, i) => ({
      technicianId: t.id,
      token: t.token,
      tickets: ticketIds.slice(options.handhelds + i * options.ticketsPerHandheld, options.handhelds + (i + 1) * options.ticketsPerHandheld),
    }));
    log(`seeded in ${fmt(seedSeconds)} s`);
    await seeding.close();
    forget('product');

    // ---------------- Baseline first (no product running: nothing competes), so the paced phase can aim at a share of it
    const setup = new pg.Client({ connectionString: databaseUrl });
    await setup.connect();
    const triggers = (
      await setup.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = 'outbox_events'::regclass AND NOT tgisinternal ORDER BY tgname`)
    ).rows.map((r: { tgname: string }) => r.tgname);
    const hasNotify = (await setup.query(`SELECT to_regproc('benchline_outbox_notify') IS NOT NULL AS ok`)).rows[0].ok as boolean;
    for (const table of ['bench_outbox_nolock', 'bench_outbox_plain']) {
      await setup.query(`CREATE TABLE ${table} (LIKE outbox_events INCLUDING ALL)`);
      await setup.query(`CREATE SEQUENCE ${table}_seq AS bigint OWNED BY ${table}.seq`);
      await setup.query(`ALTER TABLE ${table} ALTER COLUMN seq SET DEFAULT nextval('${table}_seq')`);
    }
    if (hasNotify) {
      await setup.query(
        `CREATE TRIGGER bench_outbox_nolock_notify AFTER INSERT ON bench_outbox_nolock FOR EACH STATEMENT EXECUTE FUNCTION benchline_outbox_notify()`,
      );
    }
    await setup.end();
    const baselines: BaselineResult[] = [];
    const variants: [string, string][] = [
      ['outbox_events', 'as the product: outbox_events with its triggers'],
      ['bench_outbox_nolock', hasNotify ? 'copy of outbox_events, NOTIFY trigger only' : 'copy of outbox_events, no triggers'],
      ['bench_outbox_plain', 'copy of outbox_events, no triggers'],
    ];
    for (const [table, label] of hasNotify ? variants : variants.slice(0, 2)) {
      log(`baseline: ${label}, ${options.handhelds} connections, ${options.seconds} s`);
      const meter = startCpuMeter(postmasterPid, []);
      const result = await runBaseline(databaseUrl, baselineTickets, supervisor.id, options.seconds, table, label);
      baselines.push({ ...result, cpu: meter.stop() });
    }
    const baseline = baselines[0]!;

    // ---------------- The product again, now for the load
    log('starting the product in-process (for the load)');
    const product = await startProduct(config, { log: quiet });
    cleanups.push({ name: 'product', run: () => product.close() });
    if (!product.realtime) throw new Error('the product started without its realtime gateway');
    const realtime = product.realtime;
    const sockets = () => realtime.gateway.io.of('/').sockets.size;

    const handheldWorker = startWorker({
      role: 'handhelds',
      url: product.url,
      base: base.toString(),
      supervisorToken: supervisor.token,
      handhelds: handheldSpecs,
      ackTimeoutMs: 10_000,
    });
    cleanups.push({ name: 'handheld worker', run: () => handheldWorker.terminate() });
    await nextMessage(handheldWorker, 'ready', 60_000);
    const sampleWorker = startWorker({ role: 'wallboards', url: product.url, base: base.toString(), sampled: true });
    const bulkWorker = startWorker({ role: 'wallboards', url: product.url, base: base.toString(), sampled: false });
    cleanups.push({ name: 'wallboard workers', run: () => Promise.all([sampleWorker.terminate(), bulkWorker.terminate()]) });
    for (let waited = 0; !(workerTids.has(sampleWorker) && workerTids.has(bulkWorker)) && waited < 60_000; waited += 100) await sleep(100);
    const threads: [string, Worker][] = [
      ['handhelds', handheldWorker],
      ['sampled wallboards', sampleWorker],
      ['other wallboards', bulkWorker],
    ];

    /** Connects wallboards in batches to one worker; waits until each has its floor.snapshot. */
    const connectWallboards = async (worker: Worker, tokens: string[]): Promise<{ connected: number; failed: number; ms: number }> => {
      const result = { connected: 0, failed: 0, ms: 0 };
      const started = now();
      for (let offset = 0; offset < tokens.length; offset += options.connectBatch) {
        const next = nextMessage(worker, 'ready', 120_000);
        worker.postMessage({ cmd: 'connect', tokens: tokens.slice(offset, offset + options.connectBatch) });
        const ready = await next;
        result.connected += ready.connected;
        result.failed += ready.failed;
        if (ready.failed) notes.push(`${ready.failed} wallboard connections failed (first: ${ready.firstError})`);
      }
      result.ms = now() - started;
      for (const settleStarted = now(); ; ) {
        const counts = nextMessage(worker, 'counts', 30_000);
        worker.postMessage({ cmd: 'count' });
        const c = await counts;
        if (c.snapshots >= c.connected) break;
        if (now() - settleStarted > 60_000) {
          notes.push(`only ${c.snapshots} of ${c.connected} wallboards had their floor.snapshot after 60 s`);
          break;
        }
        await sleep(200);
      }
      await sleep(1500); // the held-push grace period passes
      return result;
    };

    const sampleCount = Math.min(options.sample, options.wallboards);
    // Phases A and B measure the command path: a few sampled wallboards listen (their JSON parsing
    // is load-generator CPU taken from the server on this machine); the rest join for phase C.
    const earlySample = Math.min(EARLY_SAMPLE, sampleCount);
    log(`connecting ${earlySample} sampled wallboards`);
    const sampled = await connectWallboards(
      sampleWorker,
      wallboards.slice(0, earlySample).map((w) => w.token),
    );
    let wallboardsConnected = sampled.connected;
    let sampledConnected = sampled.connected;

    /** Runs the handhelds for one phase and gathers what the clients, the server and the database saw. */
    const runPhase = async (name: string, rate: number | undefined, profileFile?: string): Promise<PhaseResult> => {
      log(`phase ${name}: ${options.handhelds} handhelds ${rate ? `paced at ${fmt(rate)} commands/s` : 'closed loop'} for ${options.seconds} s, ${sockets()} sockets`);
      // Each phase starts from a vacuumed database and a fresh checkpoint, so the garbage and the
      // WAL of the phase before do not set autovacuum or a checkpoint off in the middle of this one
      // (their I/O stalls commits for hundreds of ms on this machine).
      await adminQuery(databaseUrl, 'VACUUM (ANALYZE)');
      await adminQuery(databaseUrl, 'CHECKPOINT');
      const checkpoints0 = await checkpointCount(databaseUrl);
      const seq0 = realtime.tailer.lastSeq;
      if (options.pgStats) await statementStats(databaseUrl, 'reset');
      const sampler = startActivitySampler(databaseUrl, 50);
      const profiler = profileFile ? await startProfiler() : undefined;
      const meter = startCpuMeter(postmasterPid, threads);
      sampleWorker.postMessage({ cmd: 'mark' });
      bulkWorker.postMessage({ cmd: 'mark' });
      const done = nextMessage(handheldWorker, 'handheld-result', options.seconds * 1000 + 120_000);
      handheldWorker.postMessage({ cmd: 'run', seconds: options.seconds, rate });
      const handheld = await done;
      const cpu = meter.stop();
      const profile = profiler && profileFile ? await profiler.stop(profileFile) : undefined;
      const activity = await sampler.stop();
      const statements = options.pgStats ? await statementStats(databaseUrl, 'top') : [];
      const checkpoints = (await checkpointCount(databaseUrl)) - checkpoints0;
      await sleep(1000); // the pushes of the last commands arrive
      const seq1 = realtime.tailer.lastSeq;
      const reports = Promise.all([nextMessage(sampleWorker, 'wallboard-result', 60_000), nextMessage(bulkWorker, 'wallboard-result', 60_000)]);
      sampleWorker.postMessage({ cmd: 'report' });
      bulkWorker.postMessage({ cmd: 'report' });
      const [wall, bulk] = await reports;

      const allAcks = Object.values(handheld.acks).flat();
      const sendTimes = new Map(handheld.sends.map(([key, t0, t1]) => [key, { t0, t1 }]));
      const ignored = new Set(handheld.unrecorded);
      const pushLatencies: number[] = [];
      const afterAck: number[] = [];
      let unmatchedArrivals = wall.unmatched;
      for (const [key, times] of wall.arrivals) {
        const sent = sendTimes.get(key);
        if (sent === undefined) {
          if (!ignored.has(key)) unmatchedArrivals += times.length;
          continue;
        }
        for (const t of times) {
          pushLatencies.push(t - sent.t0);
          afterAck.push(t - sent.t1);
        }
      }
      return {
        name,
        rate,
        sockets: sockets(),
        wallboards: wallboardsConnected,
        sampled: sampledConnected,
        handheld,
        commands: allAcks.length,
        commandsPerSecond: allAcks.length / ((handheld.endedAt - handheld.startedAt) / 1000),
        ack: summary(allAcks),
        ackFromSchedule: summary(handheld.fromSchedule),
        push: summary(pushLatencies),
        pushAfterAck: summary(afterAck),
        pushesPerSampled: sampledConnected ? pushLatencies.length / sampledConnected : Number.NaN,
        unmatchedArrivals,
        published: seq1 - seq0,
        receivedPerWallboard: [...wall.received, ...bulk.received],
        disconnected: wall.disconnected + bulk.disconnected,
        cpu,
        activity,
        profile,
        statements,
        checkpoints,
      };
    };

    // ---------------- Phase A: how many commands/s the product sustains (closed loop)
    const profileIn = (phase: string) => (options.profilePhase === phase ? options.cpuProfile : undefined);
    const throughput = await runPhase('A (throughput)', undefined, profileIn('A'));
    // ---------------- Phase B: a paced load at the target share of the baseline: is the ack p99 within bounds?
    const pacedRate = baseline.perSecond * options.rateFraction;
    const paced = await runPhase('B (paced)', pacedRate, profileIn('B'));

    // ---------------- Wallboards up to the socket count, with the memory per idle authenticated socket
    const lateSample = await connectWallboards(
      sampleWorker,
      wallboards.slice(earlySample, sampleCount).map((w) => w.token),
    );
    sampledConnected += lateSample.connected;
    wallboardsConnected += lateSample.connected;
    const bulkTokens = wallboards.slice(sampleCount).map((w) => w.token);
    const socketsBefore = sockets();
    const mem0 = await settledHeap(gc);
    log(`connecting ${bulkTokens.length} more wallboards in batches of ${options.connectBatch}`);
    const bulkConnected = await connectWallboards(bulkWorker, bulkTokens);
    wallboardsConnected += bulkConnected.connected;
    const mem1 = await settledHeap(gc);
    await sleep(5000); // idle sockets should cost a constant amount: a second reading shows any drift (a leak)
    const mem2 = await settledHeap(gc);
    const idleSockets = sockets() - socketsBefore;
    const perSocketHeap = idleSockets > 0 ? (mem1.heapPlusExternal - mem0.heapPlusExternal) / idleSockets : Number.NaN;
    const perSocketRss = idleSockets > 0 ? (mem1.rss - mem0.rss) / idleSockets : Number.NaN;
    const drift = idleSockets > 0 ? (mem2.heapPlusExternal - mem1.heapPlusExternal) / idleSockets : Number.NaN;

    // ---------------- Phase C: push latency with every socket connected, at a busy shop-floor rate
    const fanouts: PhaseResult[] = [];
    for (const rate of options.fanoutRates) fanouts.push(await runPhase(`C (fan-out at ${fmt(rate)}/s)`, rate, profileIn('C')));
    const fanout = fanouts[fanouts.length - 1]!;

    const closed = nextMessage(handheldWorker, 'closed', 10_000).catch(() => undefined);
    handheldWorker.postMessage({ cmd: 'close' });
    await closed;
    await Promise.all([sampleWorker.terminate(), bulkWorker.terminate(), handheldWorker.terminate()]);

    // ---------------- Report
    const cpuModel = os.cpus()[0]?.model ?? 'unknown CPU';
    const lines: string[] = [];
    const out = (s = '') => lines.push(s);
    out('=== Benchline realtime benchmark (issue 3) ===');
    out(`Machine     ${os.cpus().length} cores (${cpuModel}), Node ${process.version}. The load generator (3 worker threads of`);
    out(`            socket.io-client) shares these cores with the server (main thread) and PostgreSQL: figures are pessimistic.`);
    out(`PostgreSQL  ${pgInfo.version}, ${pgWhere}`);
    out(`            fsync=${pgInfo.fsync}, synchronous_commit=${pgInfo.sync_commit}, wal_sync_method=${pgInfo.wal_sync}, shared_buffers=${pgInfo.shared_buffers}${pgInfo.fsync === 'on' ? ' (durable commits: realistic)' : ' (NOT durable)'}`);
    out(`Code        ${codeVersion()}`);
    out(`Product     in-process startProduct(), ROLE=all, DB_POOL_MAX=${options.dbPool}, LOG_LEVEL=silent, rate limits raised out of the way`);
    out(`Load        ${options.handhelds} handhelds, each looping full lifecycles: supervisor ticket:assign → ticket:start → session:pause →`);
    out(`            session:resume → ticket:submitQc → supervisor ticket:qcPass (6 commands, each a fresh commandId; one shared`);
    out(`            supervisor socket); ${options.seconds} s per phase; seeding took ${fmt(seedSeconds)} s over REST.`);
    out();
    out(`--- Baseline: raw SQL of one command via node-postgres, pool of ${options.handhelds}, each worker on its own pre-seeded ticket, ${options.seconds} s each ---`);
    out(`    BEGIN; SELECT t.*, (spec count) FROM tickets t WHERE id=$1 FOR UPDATE; UPDATE tickets … RETURNING *;`);
    out(`    INSERT INTO ticket_transitions … RETURNING *; INSERT INTO <outbox> (…, data ~1 KB jsonb); COMMIT   (no product running)`);
    out(`    outbox_events triggers: ${triggers.join(', ') || 'none'}`);
    for (const b of baselines) {
      out(`  ${fmt(b.perSecond).padStart(8)} tx/s  p50 ${ms(b.latency.p50).padStart(9)}  p99 ${ms(b.latency.p99).padStart(9)}  ${b.label}`);
      if (b.cpu) {
        const perTx = (cores: number | undefined) => (cores === undefined ? 'n/a' : `${fmt((cores / b.perSecond) * 1000, 2)} ms`);
        out(`           CPU per tx: postgres ${perTx(b.cpu.pgCores)}, node-postgres client ${perTx(b.cpu.mainCores)} (cores: postgres ${fmt(b.cpu.pgCores ?? Number.NaN, 2)}, client ${fmt(b.cpu.mainCores ?? Number.NaN, 2)}, machine ${fmt(b.cpu.machine?.busy ?? Number.NaN, 2)})`);
      }
    }
    out();
    out(`--- Phase A: throughput — closed loop (each handheld sends its next command on the previous ack), ${throughput.sockets} sockets ---`);
    for (const l of describePhase(throughput)) out(l);
    out(`ratio to the baseline    ${fmt((throughput.commandsPerSecond / baseline.perSecond) * 100, 0)}%   (${fmt(throughput.commandsPerSecond)} ÷ ${fmt(baseline.perSecond)})`);
    out();
    out(`--- Phase B: paced at ${fmt(options.rateFraction * 100, 0)}% of the baseline (${fmt(pacedRate)} commands/s over ${options.handhelds} handhelds), ${paced.sockets} sockets ---`);
    for (const l of describePhase(paced)) out(l);
    out();
    out(`--- Memory: ${idleSockets} idle authenticated wallboard sockets connected in ${fmt(bulkConnected.ms / 1000, 1)} s ---`);
    out(`per idle socket         ${fmt(perSocketHeap / 1024, 1)} KB   (server isolate heapUsed+external, before vs after, after gc; ${gcMethod}; clients live in another isolate)`);
    out(`                        of which heapUsed ${fmt((mem1.heapUsed - mem0.heapUsed) / Math.max(1, idleSockets) / 1024, 1)} KB, external ${fmt((mem1.external - mem0.external) / Math.max(1, idleSockets) / 1024, 1)} KB;`);
    out(`                        5 s later, still idle: ${drift >= 0 ? '+' : ''}${fmt(drift / 1024, 1)} KB/socket${drift > 2048 ? '  WARNING: the server heap keeps growing with idle sockets (leak?)' : ' (stable)'}`);
    out(`                        RSS delta ${fmt(perSocketRss / 1024, 1)} KB/socket (whole process: includes the client side in the worker)`);
    out();
    for (const c of fanouts) {
      out(`--- Phase ${c.name}: ${c.sockets} connected sockets (${c.wallboards} wallboards + ${options.handhelds} handhelds + 1 supervisor), paced at ${fmt(c.rate ?? 0)} commands/s ---`);
      for (const l of describePhase(c)) out(l);
      out();
    }
    out('--- Targets (issue 3, 2-core machine) ---');
    const atSpec = options.handhelds === 16 && fanout.sockets >= 1000;
    if (!atSpec) out(`  (targets are stated for 16 handhelds and 1,000 sockets; this run used ${options.handhelds} and ${fanout.sockets})`);
    const pacedShare = paced.commandsPerSecond / baseline.perSecond;
    out(`  ${verdict(pacedShare >= 0.5)}  commands/s ≥ 50% of baseline at 16 handhelds      phase B sustained ${fmt(pacedShare * 100, 0)}% (phase A, unpaced: ${fmt((throughput.commandsPerSecond / baseline.perSecond) * 100, 0)}%)`);
    out(`  ${verdict(paced.ackFromSchedule.p99 <= 25)}  … with ack p99 ≤ 25 ms                          phase B ${ms(paced.ackFromSchedule.p99)} (from the schedule; send → ack ${ms(paced.ack.p99)})`);
    for (const c of fanouts) {
      out(`  ${verdict(c.push.p99 <= 50 && c.sockets >= 1000)}  push p99 ≤ 50 ms with 1,000 connected sockets    at ${fmt(c.commandsPerSecond)} commands/s (${fmt(c.published / c.cpu.seconds)} pushes/s): ${ms(c.push.p99)} with ${c.sockets} sockets`);
    }
    out(`  ${verdict(perSocketHeap <= 32 * 1024)}  ≤ 32 KB per idle authenticated socket           measured ${fmt(perSocketHeap / 1024, 1)} KB`);
    for (const n of notes) out(`note: ${n}`);
    console.log(lines.join('\n'));
  } finally {
    await runCleanups();
  }
}

// ---------------------------------------------------------------------------------------------
// Entry
// ---------------------------------------------------------------------------------------------

if (isMainThread) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
} else {
  const data = workerData as HandheldInit | WallboardInit;
  // This thread's Linux tid (/proc/thread-self → "<pid>/task/<tid>"), so main can read its CPU time.
  let tid: number | undefined;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop()) || undefined;
  } catch {
    tid = undefined;
  }
  parentPort!.postMessage({ type: 'hello', tid } satisfies WorkerMessage);
  const work = data.role === 'handhelds' ? handheldWorker(data) : wallboardWorker(data);
  work.catch((err: unknown) => {
    parentPort!.postMessage({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies WorkerMessage);
  });
}
