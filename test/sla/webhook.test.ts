import { expect } from 'chai';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nextAttemptAt, postWebhook, signWebhook, verifyWebhookSignature } from '../../src/sla/webhook.js';

const SECRET = 'whsec_test';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface Seen {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Receiver {
  url: string;
  seen: Seen[];
  /** Responses the receiver has finished writing / that were closed before finishing. */
  finished: number;
  abortedResponses: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen, receiver: Receiver) => void;

const servers: Server[] = [];

/** A real HTTP receiver on 127.0.0.1 (random port), bounded: small request bodies, short server-side timeouts. */
async function receiver(handler: Handler): Promise<Receiver> {
  const state: Receiver = { url: '', seen: [], finished: 0, abortedResponses: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1_000_000) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      const seen: Seen = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      state.seen.push(seen);
      res.on('close', () => {
        if (res.writableFinished) state.finished += 1;
        else state.abortedResponses += 1;
      });
      handler(req, res, seen, state);
    });
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 1_000;
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/benchline`;
  return state;
}

async function closeAll(): Promise<void> {
  const all = servers.splice(0);
  await Promise.all(
    all.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
}

/** A port that was just listened on and closed again: nothing accepts connections there. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const eventBody = (id: string): string =>
  JSON.stringify({ id, type: 'sla.event', createdAt: '2024-01-15T08:00:00.000Z', data: { rule: 'ticket.under_review', level: 1, note: 'Grüße €' } });

const send = (url: string, extra: Partial<Parameters<typeof postWebhook>[0]> = {}) =>
  postWebhook({ url, eventId: 'evt_1', body: eventBody('evt_1'), secret: SECRET, now: new Date(), ...extra });

describe('webhook (src/sla/webhook.ts)', function () {
  this.timeout(10_000);
  afterEach(closeAll);
  after(closeAll);

  describe('signWebhook', () => {
    it('matches an independently computed vector (openssl dgst -sha256 -hmac)', () => {
      const body = '{"id":"evt_1","type":"sla.event"}';
      expect(signWebhook(SECRET, body, 1_700_000_000)).to.equal(
        't=1700000000,v1=85f6e5658aaa1444acab1559f018e70e7e20fe151d9579924f6232ab5b4078fa',
      );
    });

    it('refuses a non-integer timestamp', () => {
      expect(() => signWebhook(SECRET, '{}', 1.5)).to.throw(RangeError);
      expect(() => signWebhook(SECRET, '{}', Number.NaN)).to.throw(RangeError);
    });
  });

  describe('verifyWebhookSignature', () => {
    const body = eventBody('evt_v');
    const t = 1_700_000_000;
    const now = new Date(t * 1000);
    const header = signWebhook(SECRET, body, t);

    it('accepts its own signature', () => {
      expect(verifyWebhookSignature(SECRET, header, body, now)).to.equal(true);
    });

    it('rejects a tampered body, a wrong secret and a tampered timestamp', () => {
      expect(verifyWebhookSignature(SECRET, header, body + ' ', now)).to.equal(false);
      expect(verifyWebhookSignature(SECRET, header, body.replace('evt_v', 'evt_w'), now)).to.equal(false);
      expect(verifyWebhookSignature('whsec_other', header, body, now)).to.equal(false);
      expect(verifyWebhookSignature(SECRET, header.replace(`t=${t}`, `t=${t + 1}`), body, now)).to.equal(false);
    });

    it('tolerance: 300 s either side accepted, 301 s rejected; custom tolerance honoured', () => {
      expect(verifyWebhookSignature(SECRET, header, body, new Date((t + 300) * 1000))).to.equal(true);
      expect(verifyWebhookSignature(SECRET, header, body, new Date((t - 300) * 1000))).to.equal(true);
      expect(verifyWebhookSignature(SECRET, header, body, new Date((t + 301) * 1000))).to.equal(false);
      expect(verifyWebhookSignature(SECRET, header, body, new Date((t - 301) * 1000))).to.equal(false);
      expect(verifyWebhookSignature(SECRET, header, body, new Date((t + 10) * 1000), 5)).to.equal(false);
      expect(verifyWebhookSignature(SECRET, header, body, new Date((t + 10) * 1000), 10)).to.equal(true);
    });

    it('accepts any matching v1 among several (secret rotation) and ignores unknown keys', () => {
      const good = header.split(',v1=')[1] as string;
      const other = signWebhook('whsec_old', body, t).split(',v1=')[1] as string;
      expect(verifyWebhookSignature(SECRET, `t=${t},v1=${other},v1=${good}`, body, now)).to.equal(true);
      expect(verifyWebhookSignature(SECRET, `t=${t},v0=abc,v1=${good}`, body, now)).to.equal(true);
      expect(verifyWebhookSignature(SECRET, `t=${t},v1=${other}`, body, now)).to.equal(false);
    });

    it('rejects malformed headers without throwing', () => {
      const hex = header.split(',v1=')[1] as string;
      const malformed: unknown[] = [
        '',
        'garbage',
        ',',
        '=',
        `t=${t}`,
        `v1=${hex}`,
        `t=,v1=${hex}`,
        `t=abc,v1=${hex}`,
        `t=-${t},v1=${hex}`,
        `t=${t}.5,v1=${hex}`,
        `t=${t},t=${t},v1=${hex}`,
        `t=${t},v1=`,
        `t=${t},v1=${hex.slice(0, 63)}`,
        `t=${t},v1=${hex}00`,
        `t=${t},v1=${'z'.repeat(64)}`,
        `t=${t};v1=${hex}`,
        `t=${'9'.repeat(400)},v1=${hex}`,
        'x'.repeat(100_000),
        undefined,
        null,
        42,
      ];
      for (const h of malformed) {
        expect(() => verifyWebhookSignature(SECRET, h as string, body, now), String(h)).not.to.throw();
        expect(verifyWebhookSignature(SECRET, h as string, body, now), String(h)).to.equal(false);
      }
      expect(verifyWebhookSignature(SECRET, header, body, new Date(Number.NaN))).to.equal(false);
      expect(verifyWebhookSignature(SECRET, header, undefined as unknown as string, now)).to.equal(false);
    });
  });

  describe('postWebhook', () => {
    it('200: the receiver sees the exact body, X-Event-Id and a valid X-Signature → SUCCESS', async () => {
      let verifiedByReceiver: boolean | undefined;
      const r = await receiver((_req, res, seen) => {
        verifiedByReceiver = verifyWebhookSignature(SECRET, String(seen.headers['x-signature']), seen.body, new Date());
        res.writeHead(verifiedByReceiver ? 200 : 401, { 'content-type': 'text/plain' }).end('ok');
      });
      const now = new Date();
      const body = eventBody('evt_42');
      const result = await postWebhook({ url: r.url, eventId: 'evt_42', body, secret: SECRET, now });

      expect(result).to.include({ outcome: 'SUCCESS', httpStatus: 200, responseExcerpt: 'ok', error: null, gone: false });
      expect(result.durationMs).to.be.a('number').and.at.least(0).and.below(5_000);
      expect(verifiedByReceiver).to.equal(true);
      expect(r.seen).to.have.length(1);
      const seen = r.seen[0] as Seen;
      expect(seen.method).to.equal('POST');
      expect(seen.url).to.equal('/hooks/benchline');
      expect(seen.body).to.equal(body);
      expect(seen.headers['content-type']).to.equal('application/json');
      expect(seen.headers['x-event-id']).to.equal('evt_42');
      expect(seen.headers['user-agent']).to.equal('Benchline-Webhooks/1');
      const signature = String(seen.headers['x-signature']);
      expect(signature).to.equal(signWebhook(SECRET, body, Math.floor(now.getTime() / 1000)));
      expect(signature).to.match(/^t=\d+,v1=[0-9a-f]{64}$/);
      // The same header fails verification for a tampered body, a wrong secret or a stale t.
      expect(verifyWebhookSignature(SECRET, signature, body.replace('evt_42', 'evt_43'), now)).to.equal(false);
      expect(verifyWebhookSignature('whsec_wrong', signature, body, now)).to.equal(false);
      expect(verifyWebhookSignature(SECRET, signature, body, new Date(now.getTime() + 301_000))).to.equal(false);
    });

    it('signs with the given `now`, so a receiver rejects a stale delivery', async () => {
      let verified: boolean | undefined;
      const r = await receiver((_req, res, seen) => {
        verified = verifyWebhookSignature(SECRET, String(seen.headers['x-signature']), seen.body, new Date());
        res.writeHead(verified ? 200 : 401).end(verified ? 'ok' : 'stale');
      });
      const result = await send(r.url, { now: new Date(Date.now() - 10 * MINUTE) });
      expect(verified).to.equal(false);
      expect(result).to.include({ outcome: 'FAILED', httpStatus: 401, responseExcerpt: 'stale', gone: false });
    });

    it('500 → FAILED with httpStatus 500, the response excerpt and an error', async () => {
      const r = await receiver((_req, res) => res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}'));
      const result = await send(r.url);
      expect(result).to.include({ outcome: 'FAILED', httpStatus: 500, responseExcerpt: '{"error":"boom"}', gone: false });
      expect(result.error).to.equal('unexpected status 500');
    });

    it('500 then 200: two calls, the same X-Event-Id and a valid signature both times', async () => {
      const r = await receiver((_req, res, _seen, state) => {
        if (state.seen.length === 1) res.writeHead(500).end('try later');
        else res.writeHead(204).end();
      });
      const first = await send(r.url, { eventId: 'evt_retry' });
      const second = await send(r.url, { eventId: 'evt_retry' });
      expect(first).to.include({ outcome: 'FAILED', httpStatus: 500, responseExcerpt: 'try later' });
      expect(second).to.include({ outcome: 'SUCCESS', httpStatus: 204, responseExcerpt: '', error: null });
      expect(r.seen.map((s) => s.headers['x-event-id'])).to.deep.equal(['evt_retry', 'evt_retry']);
      for (const seen of r.seen) {
        expect(verifyWebhookSignature(SECRET, String(seen.headers['x-signature']), seen.body, new Date())).to.equal(true);
      }
    });

    it('a receiver that never answers → FAILED "timeout after 300ms" within about timeoutMs', async () => {
      const r = await receiver(() => {
        /* never answers; closed by the after hook */
      });
      const started = Date.now();
      const result = await send(r.url, { timeoutMs: 300 });
      const elapsed = Date.now() - started;
      expect(r.seen).to.have.length(1);
      expect(result).to.include({ outcome: 'FAILED', httpStatus: null, responseExcerpt: null, error: 'timeout after 300ms', gone: false });
      expect(elapsed).to.be.at.least(280).and.below(1_500);
      expect(result.durationMs).to.be.at.least(280).and.below(1_500);
    });

    it('headers then a body that never ends: reading stops at the timeout, 2xx stays SUCCESS with a partial excerpt', async () => {
      const r = await receiver((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('partial');
      });
      const started = Date.now();
      const result = await send(r.url, { timeoutMs: 300 });
      expect(Date.now() - started).to.be.below(1_500);
      expect(result).to.include({ outcome: 'SUCCESS', httpStatus: 200, responseExcerpt: 'partial…', error: null });
    });

    it('same for a 500 whose body never ends → FAILED with status and partial excerpt, within the timeout', async () => {
      const r = await receiver((_req, res) => {
        res.writeHead(500);
        res.write('half an err');
      });
      const started = Date.now();
      const result = await send(r.url, { timeoutMs: 300 });
      expect(Date.now() - started).to.be.below(1_500);
      expect(result).to.include({ outcome: 'FAILED', httpStatus: 500, responseExcerpt: 'half an err…' });
    });

    it('410 → FAILED with gone true', async () => {
      const r = await receiver((_req, res) => res.writeHead(410).end('target removed'));
      const result = await send(r.url);
      expect(result).to.include({ outcome: 'FAILED', httpStatus: 410, gone: true, responseExcerpt: 'target removed' });
    });

    it('a 5 MB body → excerpt capped at excerptBytes (default 1024) with "…"', async () => {
      const big = 'a'.repeat(5 * 1024 * 1024);
      const r = await receiver((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(big));
      const result = await send(r.url);
      expect(result.outcome).to.equal('SUCCESS');
      expect(result.responseExcerpt).to.equal('a'.repeat(1024) + '…');
      const custom = await send(r.url, { excerptBytes: 10 });
      expect(custom.responseExcerpt).to.equal('aaaaaaaaaa…');
    });

    it('an endless body is not buffered: returns long before the timeout and the receiver sees the connection dropped', async () => {
      const chunk = Buffer.alloc(64 * 1024, 'b');
      const r = await receiver((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const pump = (): void => {
          while (!res.destroyed && res.write(chunk)) {
            /* keep writing until backpressure */
          }
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
      });
      const started = Date.now();
      const result = await send(r.url, { timeoutMs: 5_000 });
      expect(Date.now() - started).to.be.below(2_000);
      expect(result).to.include({ outcome: 'SUCCESS', httpStatus: 200, responseExcerpt: 'b'.repeat(1024) + '…' });
      // The client cancelled the stream: the response is closed without having finished.
      const deadline = Date.now() + 2_000;
      while (r.abortedResponses === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(r.abortedResponses).to.equal(1);
      expect(r.finished).to.equal(0);
    });

    it('UTF-8-safe truncation: never cuts a multi-byte character; a body of exactly excerptBytes is not marked', async () => {
      const r = await receiver((req, res) => {
        const body = req.headers['x-event-id'] === 'euro' ? '€'.repeat(10) : 'abcdefghij';
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
      });
      const euro = await send(r.url, { eventId: 'euro', excerptBytes: 10 }); // 30 bytes, 3 each: 3 whole chars fit in 10
      expect(euro.responseExcerpt).to.equal('€€€…');
      const exact = await send(r.url, { eventId: 'ascii', excerptBytes: 10 });
      expect(exact.responseExcerpt).to.equal('abcdefghij');
    });

    it('connection refused (a closed port) → FAILED with an error message', async () => {
      const port = await closedPort();
      const result = await send(`http://127.0.0.1:${port}/hook`);
      expect(result).to.include({ outcome: 'FAILED', httpStatus: null, responseExcerpt: null, gone: false });
      expect(result.error).to.be.a('string').and.match(/ECONNREFUSED/);
    });

    it('3xx is not followed → FAILED with the 3xx status', async () => {
      const r = await receiver((req, res) => {
        if (req.url === '/elsewhere') res.writeHead(200).end('followed');
        else res.writeHead(307, { location: '/elsewhere' }).end('moved');
      });
      const result = await send(r.url);
      expect(result).to.include({ outcome: 'FAILED', httpStatus: 307, responseExcerpt: 'moved', gone: false });
      expect(result.error).to.match(/redirect/);
      expect(r.seen.map((s) => s.url)).to.deep.equal(['/hooks/benchline']);
    });

    it('never throws on bad input: invalid URL, non-HTTP scheme, invalid now / timeout', async () => {
      const cases = [
        await send('not a url'),
        await send('data:application/json,{}'),
        await send('file:///etc/passwd'),
        await send('http://127.0.0.1:1/', { now: new Date(Number.NaN) }),
        await send('http://127.0.0.1:1/', { timeoutMs: 0 }),
      ];
      for (const result of cases) {
        expect(result.outcome).to.equal('FAILED');
        expect(result.httpStatus).to.equal(null);
        expect(result.error).to.match(/^invalid request: /);
      }
    });
  });

  describe('nextAttemptAt', () => {
    const T0 = new Date(Date.UTC(2024, 0, 15, 8, 0, 0));
    const plus = (ms: number): Date => new Date(T0.getTime() + ms);
    const WEEK = 7 * 24 * HOUR;

    it('delays 1 m, 5 m, 30 m, 2 h, 6 h, 12 h, then 12 h (from the last attempt)', () => {
      const expected = [1 * MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 6 * HOUR, 12 * HOUR, 12 * HOUR, 12 * HOUR];
      expected.forEach((delay, i) => {
        const last = plus(HOUR);
        expect(nextAttemptAt(i + 1, T0, last, WEEK)?.getTime(), `after ${i + 1} failures`).to.equal(last.getTime() + delay);
      });
      expect(nextAttemptAt(50, T0, T0, WEEK)?.getTime()).to.equal(T0.getTime() + 12 * HOUR);
    });

    it('back-to-back attempts from T0 with the default 24 h: 7 attempts, a last one at 24 h, then null (stop, stay FAILED)', () => {
      const attempts = [T0];
      for (;;) {
        const next = nextAttemptAt(attempts.length, T0, attempts[attempts.length - 1] as Date);
        if (next === null) break;
        attempts.push(next);
        expect(attempts.length).to.be.below(20);
      }
      expect(attempts.map((d) => (d.getTime() - T0.getTime()) / MINUTE)).to.deep.equal([0, 1, 6, 36, 156, 516, 1236, 1440]);
    });

    it('retries until the end of the window: past it, one last attempt exactly at firstAttemptAt + maxAge, then null', () => {
      expect(nextAttemptAt(6, T0, plus(12 * HOUR))?.getTime()).to.equal(plus(24 * HOUR).getTime());
      expect(nextAttemptAt(6, T0, plus(12 * HOUR + 1))?.getTime()).to.equal(plus(24 * HOUR).getTime());
      expect(nextAttemptAt(1, T0, plus(24 * HOUR))).to.equal(null);
    });

    it('honours a custom maxAgeMs', () => {
      expect(nextAttemptAt(1, T0, T0, MINUTE)?.getTime()).to.equal(plus(MINUTE).getTime());
      expect(nextAttemptAt(2, T0, plus(MINUTE), MINUTE)).to.equal(null);
      expect(nextAttemptAt(2, T0, plus(30 * 1000), MINUTE)?.getTime()).to.equal(plus(MINUTE).getTime());
      expect(nextAttemptAt(7, T0, plus(30 * HOUR), 48 * HOUR)?.getTime()).to.equal(plus(42 * HOUR).getTime());
    });

    it('refuses nonsense input', () => {
      expect(() => nextAttemptAt(0, T0, T0)).to.throw(RangeError);
      expect(() => nextAttemptAt(1.5, T0, T0)).to.throw(RangeError);
      expect(() => nextAttemptAt(1, new Date(Number.NaN), T0)).to.throw(RangeError);
      expect(() => nextAttemptAt(1, T0, T0, -1)).to.throw(RangeError);
    });
  });
});
