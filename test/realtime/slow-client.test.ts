import { expect } from 'chai';
import type { Socket as TcpSocket } from 'node:net';
import type { Push } from '../../src/realtime/events.js';
import { useProduct } from '../support/harness.js';
import { buildWorld, goLive, sleep, SocketPool, sqlQuery, type World } from '../support/realtime.js';
import type { RecordingSocket } from '../support/socket-client.js';

/**
 * A wallboard that stops reading (a frozen tab, a handheld asleep with its TCP connection up) must
 * not make the server buffer pushes for it without bound: past SOCKET_MAX_UNREAD_BYTES queued in
 * the server it is disconnected (it resyncs on reconnect), and every other socket keeps getting
 * every push.
 */
describe('realtime: a client that stops reading its pushes', function () {
  this.timeout(60_000);
  const t = useProduct({ env: { SOCKET_MAX_UNREAD_BYTES: '65536' } });
  const sockets = new SocketPool();
  let w: World;
  const url = () => t.current.product.url;

  before(async () => {
    w = await buildWorld(t.current);
  });
  afterEach(() => sockets.closeAll());

  /** The TCP connection under a socket.io-client WebSocket (Node's `ws`). */
  const tcpOf = (s: RecordingSocket): TcpSocket => {
    const engine = (s.socket.io as unknown as { engine: { transport: { name: string; ws: { _socket: TcpSocket } } } }).engine;
    expect(engine.transport.name).to.equal('websocket');
    return engine.transport.ws._socket;
  };

  const floorIds = async (): Promise<string[]> =>
    (await t.current.product.realtime!.gateway.io.in('floor').fetchSockets()).map((s) => s.id);

  it('is disconnected once its unread pushes pass the limit; a reading wallboard gets every push, in order', async () => {
    const frozen = await sockets.connect(url(), w.wallboard.token);
    const reading = await sockets.connect(url(), w.supervisor.token);
    for (const s of [frozen, reading]) await goLive(t.current.product, s);
    const frozenId = frozen.socket.id!;
    expect(await floorIds()).to.include(frozenId);
    tcpOf(frozen).pause(); // the client's kernel buffer fills, then the server's

    // 64 KiB pushes, a batch at a time, until the server gives up on the frozen socket. The kernel
    // buffers a few MB on loopback before the server's own queue grows; 48 MB is far beyond that.
    const blob = 'x'.repeat(64 * 1024);
    const aggregate = '00000000-0000-4000-8000-0000000000aa';
    let sent = 0;
    while (sent < 768 && (await floorIds()).includes(frozenId)) {
      await sqlQuery(
        t.current.product,
        `INSERT INTO outbox_events (type, aggregate_type, aggregate_id, data)
         SELECT 'sla.event', 'sla_event', $1, jsonb_build_object('n', $2::int + i, 'blob', $3::text)
         FROM generate_series(1, 32) AS i`,
        [aggregate, sent, blob],
      );
      sent += 32;
      const last = sent;
      await reading.waitFor((p) => p.type === 'sla.event' && (p.data as { n: number }).n === last, 10_000);
      await sleep(20);
    }
    expect(await floorIds(), `still in the floor room after ${sent} pushes of 64 KiB`).to.not.include(frozenId);
    expect(sent, 'dropped only once its buffers were full, not at the first pushes').to.be.greaterThan(32);

    // The reading socket got all of them, once each, in seq order.
    const received = reading.pushes.filter((p: Push) => p.type === 'sla.event').map((p) => (p.data as { n: number }).n);
    expect(received).to.deep.equal(Array.from({ length: sent }, (_, i) => i + 1));
    expect(reading.socket.connected).to.equal(true);
    expect((await fetch(`${url()}/healthz`)).status).to.equal(200);

    // Reading again, the frozen client learns it was disconnected (and would reconnect and sync).
    const gone = new Promise<string>((resolve) => frozen.socket.once('disconnect', resolve));
    tcpOf(frozen).resume();
    expect(await Promise.race([gone, sleep(10_000).then(() => 'still connected after 10 s')])).to.not.equal('still connected after 10 s');
  });
});
