import { expect } from 'chai';
import type { Ack } from '../../src/realtime/events.js';
import { buildPart, type TestUser } from '../support/factories.js';
import { useProduct } from '../support/harness.js';
import {
  buildWorld,
  commandId,
  expectAckError,
  expectAckOk,
  nextDisconnect,
  observeState,
  sleep,
  SocketPool,
  type World,
} from '../support/realtime.js';
import type { RecordingSocket } from '../support/socket-client.js';

/** Polls `read` until `done` holds (or fails after `timeoutMs`). */
async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 3000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await sleep(50);
  }
}

/** The issue: "Small maxHttpBufferSize; a per-socket rate limit answers RATE_LIMITED." */
describe('realtime limits: per-socket rate limit, payload size, commands without ack', () => {
  const t = useProduct({
    env: { SOCKET_RATE_LIMIT_BURST: '3', SOCKET_RATE_LIMIT_PER_SECOND: '1', SOCKET_MAX_BUFFER_BYTES: '1024' },
  });
  const sockets = new SocketPool();
  let w: World;
  let tech: TestUser;
  const url = () => t.current.product.url;

  before(async () => {
    w = await buildWorld(t.current);
    tech = await w.technician();
  });
  afterEach(() => sockets.closeAll());

  const stockoutsOf = async (partId: string) => (await observeState(w.admin, { partId })).stockouts as string[];
  const openStockout = (s: RecordingSocket, partId: string, id = commandId()) => s.command('stockout:open', { commandId: id, partId });

  describe('rate limit (burst 3, 1 per second)', () => {
    it('the 4th quick command acks RATE_LIMITED and is not executed; after a refill the same command goes through', async () => {
      const parts = [await buildPart(w.admin), await buildPart(w.admin), await buildPart(w.admin), await buildPart(w.admin)];
      const s = await sockets.connect(url(), tech.token);
      const ids = parts.map(() => commandId());
      const extra = await buildPart(w.admin);
      const acks = await Promise.all(parts.map((p, i) => openStockout(s, p.id, ids[i])));
      // Still limited right away (sent before the checks below, which may take a while on a busy
      // machine and let a token refill)…
      const extraAck = await openStockout(s, extra.id);
      for (const ack of acks.slice(0, 3)) expectAckOk(ack);
      const limited = expectAckError(acks[3]!, 'RATE_LIMITED');
      expect(limited.message).to.be.a('string');
      expectAckError(extraAck, 'RATE_LIMITED');
      for (const p of parts.slice(0, 3)) expect(await stockoutsOf(p.id)).to.have.length(1);
      expect(await stockoutsOf(parts[3]!.id), 'the limited command was not executed').to.deep.equal([]);
      expect(await stockoutsOf(extra.id)).to.deep.equal([]);
      // …one token back after a second: the refused command, resent with its commandId, now runs once.
      await sleep(1100);
      const retried = expectAckOk(await openStockout(s, parts[3]!.id, ids[3]));
      expect(retried).to.include({ partId: parts[3]!.id, status: 'OPEN' });
      expect(await stockoutsOf(parts[3]!.id)).to.have.length(1);
    });

    it('the limit is per socket: another socket of the same user is not limited', async () => {
      const s1 = await sockets.connect(url(), tech.token);
      const s2 = await sockets.connect(url(), tech.token);
      const parts = [];
      for (let i = 0; i < 5; i++) parts.push(await buildPart(w.admin));
      const acks = await Promise.all(parts.slice(0, 4).map((p) => openStockout(s1, p.id)));
      expectAckError(acks[3]!, 'RATE_LIMITED');
      expectAckOk(await openStockout(s2, parts[4]!.id));
    });

    it('refused commands count too (a flood of invalid commands is limited)', async () => {
      const s = await sockets.connect(url(), tech.token);
      const acks = await Promise.all([1, 2, 3, 4, 5].map(() => s.command('ticket:start', { commandId: commandId(), ticketId: 'nope' })));
      expect(acks.map((a) => (a.ok ? 'OK' : a.error.code))).to.deep.equal([
        'VALIDATION_FAILED',
        'VALIDATION_FAILED',
        'VALIDATION_FAILED',
        'RATE_LIMITED',
        'RATE_LIMITED',
      ]);
    });
  });

  describe('payload size (SOCKET_MAX_BUFFER_BYTES=1024)', () => {
    it('an oversized command is refused or disconnects the socket, is not executed, and the server keeps serving others', async () => {
      const part = await buildPart(w.admin);
      const big = await sockets.connect(url(), tech.token);
      const bystander = await sockets.connect(url(), w.supervisor.token);
      // A valid command (note ≤ 2000 characters) whose packet exceeds 1024 bytes.
      const outcome = await Promise.race([
        big.command('stockout:open', { commandId: commandId(), partId: part.id, note: 'n'.repeat(1500) }).then((ack: Ack) => ({ ack })),
        nextDisconnect(big, 5000).then((reason) => ({ reason })),
      ]);
      if ('ack' in outcome) expect(outcome.ack.ok, JSON.stringify(outcome.ack)).to.equal(false);
      else expect(outcome.reason).to.be.a('string');
      await sleep(200);
      expect(await stockoutsOf(part.id), 'the oversized command was not executed').to.deep.equal([]);

      // Others are served: a socket that was connected, a new socket, REST.
      expect(bystander.socket.connected).to.equal(true);
      expectAckOk(await bystander.command('stockout:open', { commandId: commandId(), partId: part.id, note: 'short' }));
      const fresh = await sockets.connect(url(), tech.token);
      expect(expectAckOk(await fresh.command('sync', { sinceSeq: 0 })).replayed).to.be.a('number');
      expect((await fetch(`${url()}/healthz`)).status).to.equal(200);
    });

    it('a payload just under the limit is executed', async () => {
      const part = await buildPart(w.admin);
      const s = await sockets.connect(url(), tech.token);
      expectAckOk(await s.command('stockout:open', { commandId: commandId(), partId: part.id, note: 'n'.repeat(700) }));
    });
  });

  describe('commands without an ack callback', () => {
    it('run, do not crash the server, and the socket keeps working', async () => {
      const part = await buildPart(w.admin);
      const s = await sockets.connect(url(), tech.token);
      const emit = s.socket.emit.bind(s.socket) as (event: string, ...args: unknown[]) => void;
      emit('stockout:open', { commandId: commandId(), partId: part.id });
      const created = await eventually(() => stockoutsOf(part.id), (v) => v.length === 1);
      expect(created, 'the command ran').to.have.length(1);
      await sleep(1100); // refill one token
      // Refused ones without an ack, and a non-function "ack".
      emit('ticket:start', { commandId: commandId(), ticketId: 'nope' });
      emit('ticket:start');
      await sleep(1100);
      emit('session:stop', { commandId: commandId(), sessionId: 'nope' }, 'not a callback');
      await sleep(1100);
      expect(s.socket.connected).to.equal(true);
      const other = await buildPart(w.admin);
      expectAckOk(await openStockout(s, other.id));
      expect((await fetch(`${url()}/healthz`)).status).to.equal(200);
    });

    it('an unknown event is ignored without crashing', async () => {
      const s = await sockets.connect(url(), tech.token);
      const emit = s.socket.emit.bind(s.socket) as (event: string, ...args: unknown[]) => void;
      emit('ticket:explode', { commandId: commandId() });
      emit('floor.snapshot', { seq: 999 });
      await sleep(200);
      expect(s.socket.connected).to.equal(true);
      expectAckOk(await s.command('sync', { sinceSeq: 0 }));
    });
  });
});
