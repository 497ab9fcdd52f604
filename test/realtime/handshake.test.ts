import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { io } from 'socket.io-client';
import { buildUser } from '../support/factories.js';
import { useProduct } from '../support/harness.js';
import {
  buildWorld,
  expectHandshakeRefused,
  mintToken,
  nextDisconnect,
  SocketPool,
  type World,
} from '../support/realtime.js';

/** api.md "Realtime": `io(url, { auth: { token } })`; a bad token → `connect_error` message UNAUTHENTICATED. */
describe('realtime handshake: authentication and rooms', () => {
  const t = useProduct();
  const sockets = new SocketPool();
  let w: World;

  before(async () => {
    w = await buildWorld(t.current);
  });
  afterEach(() => sockets.closeAll());

  const url = () => t.current.product.url;
  const refusedWith = async (options: Parameters<typeof expectHandshakeRefused>[1]) => {
    const err = await expectHandshakeRefused(url(), options);
    expect(err.message).to.equal('UNAUTHENTICATED');
  };

  it('accepts a valid token in auth.token (control)', async () => {
    const s = await sockets.connect(url(), w.supervisor.token);
    expect(s.socket.connected).to.equal(true);
  });

  it('refuses no token', () => refusedWith({ auth: {} }));
  it('refuses an empty token', () => refusedWith({ auth: { token: '' } }));
  it('refuses a non-string token', () => refusedWith({ auth: { token: 12345 } }));
  it('refuses a garbage token', () => refusedWith({ auth: { token: 'not.a.jwt' } }));
  it('refuses a "Bearer <jwt>" value (auth.token is the bare JWT)', () => refusedWith({ auth: { token: `Bearer ${w.supervisor.token}` } }));

  it('refuses a token signed with another secret', async () => {
    const token = await mintToken(
      { sub: w.supervisor.id, role: 'SUPERVISOR', username: w.supervisor.username },
      { secret: 'another-secret-that-is-long-enough-for-hs256' },
    );
    await refusedWith({ auth: { token } });
  });

  it('refuses a token from another issuer', async () => {
    const token = await mintToken({ sub: w.supervisor.id, role: 'SUPERVISOR', username: w.supervisor.username }, { issuer: 'someone-else' });
    await refusedWith({ auth: { token } });
  });

  it('refuses an expired token', async () => {
    const token = await mintToken(
      { sub: w.supervisor.id, role: 'SUPERVISOR', username: w.supervisor.username },
      { expiresAt: Math.floor(Date.now() / 1000) - 60 },
    );
    await refusedWith({ auth: { token } });
  });

  it('refuses a well-signed token of a user that does not exist', async () => {
    const token = await mintToken({ sub: randomUUID(), role: 'ADMIN', username: 'ghost' });
    await refusedWith({ auth: { token } });
  });

  it("refuses a deactivated user's token (it connected while the user was active)", async () => {
    const tech = await buildUser(t.current, w.admin, 'TECHNICIAN');
    const before = await sockets.connect(url(), tech.token);
    expect(before.socket.connected).to.equal(true);
    before.close();
    const res = await w.admin.api.patch(`/users/${tech.id}`, { active: false });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    await refusedWith({ auth: { token: tech.token } });
  });

  it('refuses a token given only in the query string', async () => {
    await refusedWith({ query: { token: w.supervisor.token } });
    await refusedWith({ query: { token: w.supervisor.token, auth: w.supervisor.token } });
  });

  it('disconnects a socket whose token expires while it is connected', async function () {
    this.timeout(15_000);
    const expiresAt = Math.floor(Date.now() / 1000) + 3;
    const token = await mintToken({ sub: w.supervisor.id, role: 'SUPERVISOR', username: w.supervisor.username }, { expiresAt });
    const s = await sockets.connect(url(), token);
    const connectedAt = Date.now();
    const reason = await nextDisconnect(s, 8000);
    const disconnectedAt = Date.now();
    expect(reason).to.equal('io server disconnect');
    // Not before the expiry (1 s slack for the whole-second exp claim), and promptly after it.
    expect(disconnectedAt).to.be.at.least(expiresAt * 1000 - 1000);
    expect(disconnectedAt - connectedAt).to.be.at.least(500);
    expect(disconnectedAt).to.be.at.most(expiresAt * 1000 + 2500);
    // The same token cannot come back.
    await refusedWith({ auth: { token } });
  });

  describe('rooms are joined by the server from the token', () => {
    const roomsOf = async (socketId: string | undefined) => {
      const io = t.current.product.realtime!.gateway.io;
      const found = (await io.fetchSockets()).find((s) => s.id === socketId);
      expect(found, 'the server knows the socket').to.not.equal(undefined);
      return [...found!.rooms].filter((r) => r !== socketId).sort();
    };

    it('technician → technician:<id> only; supervisor, admin, wallboard → floor only', async () => {
      const tech = await w.technician();
      const hand = await sockets.connect(url(), tech.token);
      expect(await roomsOf(hand.socket.id)).to.deep.equal([`technician:${tech.id}`]);
      for (const user of [w.supervisor, w.admin, w.wallboard]) {
        const s = await sockets.connect(url(), user.token);
        expect(await roomsOf(s.socket.id), user.role).to.deep.equal(['floor']);
      }
    });

    it('a client cannot choose its rooms through the handshake (auth/query extras are ignored)', async () => {
      const tech = await w.technician();
      const hand = await sockets.connect(url(), tech.token);
      hand.close();
      const sneaky = await new Promise<string[]>((resolve, reject) => {
        const s = io(url(), {
          auth: { token: tech.token, rooms: ['floor'], room: 'floor' },
          query: { room: 'floor' },
          transports: ['websocket'],
          reconnection: false,
          forceNew: true,
        });
        s.once('connect_error', (err) => {
          s.close();
          reject(err);
        });
        s.once('connect', () => {
          roomsOf(s.id).then(
            (rooms) => {
              s.close();
              resolve(rooms);
            },
            (err: unknown) => {
              s.close();
              reject(err);
            },
          );
        });
      });
      expect(sneaky).to.deep.equal([`technician:${tech.id}`]);
    });
  });

  describe('allowed origins (issue: "allowed origins from config"; config: "Browser origins allowed to open a socket")', () => {
    const o = useProduct({ env: { SOCKET_ALLOWED_ORIGINS: 'https://board.example' } });
    let token: string;
    before(async () => {
      token = (await buildWorld(o.current)).wallboard.token;
    });

    /** Connects with an Origin header as a browser would send it; resolves with the server's view or the refusal. */
    function connectFrom(origin: string | undefined, transport: 'websocket' | 'polling') {
      return new Promise<{ connected: boolean; serverSawOrigin?: string; error?: string }>((resolve) => {
        const s = io(o.current.product.url, {
          auth: { token },
          transports: [transport],
          reconnection: false,
          forceNew: true,
          extraHeaders: origin ? { Origin: origin } : {},
        });
        s.once('connect', () => {
          o.current.product.realtime!.gateway.io.fetchSockets().then((all) => {
            const mine = all.find((x) => x.id === s.id);
            s.close();
            resolve({ connected: true, serverSawOrigin: mine?.handshake.headers.origin });
          });
        });
        s.once('connect_error', (err) => {
          s.close();
          resolve({ connected: false, error: err.message });
        });
      });
    }

    it('a browser on an allowed origin and a non-browser client (no Origin) connect', async () => {
      expect(await connectFrom('https://board.example', 'websocket')).to.deep.equal({ connected: true, serverSawOrigin: 'https://board.example' });
      expect(await connectFrom('https://board.example', 'polling')).to.deep.equal({ connected: true, serverSawOrigin: 'https://board.example' });
      expect((await connectFrom(undefined, 'websocket')).connected).to.equal(true);
    });

    it('long-polling from another origin gets no CORS grant', async () => {
      const evil = await fetch(`${o.current.product.url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: 'https://evil.example' } });
      expect(evil.headers.get('access-control-allow-origin')).to.equal(null);
      const good = await fetch(`${o.current.product.url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: 'https://board.example' } });
      expect(good.headers.get('access-control-allow-origin')).to.equal('https://board.example');
    });

    it('a browser page on another origin cannot open a WebSocket (browsers do not apply CORS to WebSockets, the server must check Origin)', async () => {
      const result = await connectFrom('https://evil.example', 'websocket');
      expect(result.connected, `connected from a disallowed origin; the server saw Origin ${result.serverSawOrigin}`).to.equal(false);
    });
  });
});
