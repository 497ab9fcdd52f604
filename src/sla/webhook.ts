import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed webhook delivery (api.md "Webhook deliveries", domain.md SLAAutomationDeliveryAttempt).
 * Pure transport: no database, no clock of its own (`now` is passed in), built on Node built-ins only.
 */

const DEFAULT_TOLERANCE_SECONDS = 300;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_EXCERPT_BYTES = 1024;
const DEFAULT_MAX_AGE_MS = 24 * 60 * 60_000;
const MAX_ERROR_CHARS = 500;
const USER_AGENT = 'Benchline-Webhooks/1';
const ELLIPSIS = '…';

/** Delay before attempt n+1 after n failed attempts (index n-1); the last entry repeats. */
const BACKOFF_MS: readonly number[] = [1, 5, 30, 120, 360, 720].map((minutes) => minutes * 60_000);

function hmacHex(secret: string, unixSeconds: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`, 'utf8').digest('hex');
}

/** `t=<unix seconds>,v1=<hex>` where hex = HMAC-SHA256(secret, `${t}.${rawBody}`) */
export function signWebhook(secret: string, rawBody: string, unixSeconds: number): string {
  if (!Number.isSafeInteger(unixSeconds) || unixSeconds < 0) {
    throw new RangeError(`unixSeconds must be a non-negative integer, got ${unixSeconds}`);
  }
  return `t=${unixSeconds},v1=${hmacHex(secret, unixSeconds, rawBody)}`;
}

/**
 * For receivers and tests: parses the header, checks the HMAC in constant time and that t is within
 * toleranceSeconds (default 300) of now. Never throws: anything malformed is simply `false`.
 * Accepts several `v1=` entries (secret rotation: any match wins) and ignores unknown keys; exactly one `t`.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string,
  rawBody: string,
  now: Date,
  toleranceSeconds: number = DEFAULT_TOLERANCE_SECONDS,
): boolean {
  try {
    if (typeof secret !== 'string' || typeof header !== 'string' || typeof rawBody !== 'string') return false;
    if (!(now instanceof Date) || Number.isNaN(now.getTime())) return false;
    if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) return false;
    if (header.length > 4096) return false;

    let t: number | undefined;
    let tCount = 0;
    const candidates: Buffer[] = [];
    for (const part of header.split(',')) {
      const eq = part.indexOf('=');
      if (eq <= 0) return false;
      const key = part.slice(0, eq).trim();
      const value = part.slice(eq + 1).trim();
      if (key === 't') {
        tCount += 1;
        if (!/^\d{1,15}$/.test(value)) return false;
        t = Number(value);
      } else if (key === 'v1') {
        if (!/^[0-9a-fA-F]{64}$/.test(value)) return false;
        candidates.push(Buffer.from(value, 'hex'));
      }
    }
    if (tCount !== 1 || t === undefined || candidates.length === 0) return false;
    if (Math.abs(now.getTime() / 1000 - t) > toleranceSeconds) return false;

    const expected = Buffer.from(hmacHex(secret, t, rawBody), 'hex');
    let ok = false;
    // Compare against every candidate (no early exit) so timing does not reveal which one matched.
    for (const candidate of candidates) {
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) ok = true;
    }
    return ok;
  } catch {
    return false;
  }
}

export interface WebhookResult {
  outcome: 'SUCCESS' | 'FAILED';
  httpStatus: number | null;
  responseExcerpt: string | null;
  error: string | null;
  durationMs: number;
  gone: boolean;
}

function truncateError(message: string): string {
  return message.length > MAX_ERROR_CHARS ? message.slice(0, MAX_ERROR_CHARS) + ELLIPSIS : message;
}

/** `fetch failed: connect ECONNREFUSED 127.0.0.1:4321` rather than the bare `fetch failed`. */
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return truncateError(String(err));
  const cause: unknown = (err as { cause?: unknown }).cause;
  let detail = '';
  if (cause instanceof Error) {
    detail = cause.message || String((cause as { code?: unknown }).code ?? cause.name);
  } else if (cause !== undefined && cause !== null) {
    detail = String(cause);
  }
  return truncateError(detail && detail !== err.message ? `${err.message}: ${detail}` : err.message || err.name);
}

/** A promise that rejects when `signal` aborts; never an unhandled rejection on its own. */
function abortion(signal: AbortSignal): Promise<never> {
  const promise = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  promise.catch(() => undefined);
  return promise;
}

/**
 * Reads at most `maxBytes` (+ one chunk to learn whether more follows) of the body, then cancels the stream
 * so a huge body is never buffered. Stops when `aborted` rejects (timeout), keeping what was read.
 */
async function readExcerpt(response: Response, maxBytes: number, aborted: Promise<never>): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  let truncated = false;
  let incomplete = false;
  try {
    while (received <= maxBytes) {
      const { done, value } = await Promise.race([reader.read(), aborted]);
      if (done) break;
      chunks.push(value);
      received += value.byteLength;
    }
    truncated = received > maxBytes;
  } catch {
    // Timeout or a broken connection mid-body: keep the bytes we have, mark them as incomplete.
    incomplete = true;
  } finally {
    reader.cancel().catch(() => undefined);
  }
  const bytes = Buffer.concat(chunks, received).subarray(0, Math.min(received, maxBytes));
  // `stream: true` withholds a trailing incomplete UTF-8 sequence instead of emitting U+FFFD.
  const text = new TextDecoder('utf-8').decode(bytes, { stream: true });
  return truncated || incomplete ? text + ELLIPSIS : text;
}

/**
 * POSTs the JSON body with content-type, X-Event-Id, X-Signature (+ User-Agent 'Benchline-Webhooks/1');
 * success = 2xx within timeoutMs (default 10000). Never throws: network errors, timeouts
 * (error 'timeout after Nms'), non-2xx become FAILED. The response body is read to at most excerptBytes
 * (default 1024, UTF-8-safe, truncated with '…'), and reading stops at the cap (don't buffer a huge body)
 * and at the timeout. gone = status 410. Redirects are not followed (redirect: 'manual'; a 3xx is FAILED).
 */
export async function postWebhook(request: {
  url: string;
  eventId: string;
  body: string;
  secret: string;
  now: Date;
  timeoutMs?: number;
  excerptBytes?: number;
}): Promise<WebhookResult> {
  const started = performance.now();
  const finish = (partial: Omit<WebhookResult, 'durationMs'>): WebhookResult => ({
    ...partial,
    durationMs: Math.max(0, Math.round(performance.now() - started)),
  });
  const failed = (error: string, httpStatus: number | null = null, responseExcerpt: string | null = null) =>
    finish({ outcome: 'FAILED', httpStatus, responseExcerpt, error, gone: httpStatus === 410 });

  let timeoutMs = DEFAULT_TIMEOUT_MS;
  let signal: AbortSignal | undefined;
  try {
    const { url, eventId, body, secret, now } = request;
    timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const excerptBytes = request.excerptBytes ?? DEFAULT_EXCERPT_BYTES;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) return failed(`invalid request: timeoutMs ${timeoutMs}`);
    if (!Number.isSafeInteger(excerptBytes) || excerptBytes < 0) {
      return failed(`invalid request: excerptBytes ${excerptBytes}`);
    }
    if (!(now instanceof Date) || Number.isNaN(now.getTime())) return failed('invalid request: now is not a valid date');
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return failed('invalid request: url is not a valid URL');
    }
    // fetch would happily "deliver" to data: or blob: URLs; only real HTTP targets count.
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      return failed(`invalid request: unsupported URL scheme ${parsed.protocol}`);
    }

    const signature = signWebhook(secret, body, Math.floor(now.getTime() / 1000));
    signal = AbortSignal.timeout(timeoutMs);
    const aborted = abortion(signal);
    const response = await Promise.race([
      fetch(parsed, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-event-id': eventId,
          'x-signature': signature,
          'user-agent': USER_AGENT,
        },
        body,
        redirect: 'manual',
        signal,
      }),
      aborted,
    ]);
    const status = response.status;
    const excerpt = await readExcerpt(response, excerptBytes, aborted);
    if (status >= 200 && status <= 299) {
      return finish({ outcome: 'SUCCESS', httpStatus: status, responseExcerpt: excerpt, error: null, gone: false });
    }
    const error =
      status >= 300 && status <= 399
        ? `unexpected status ${status} (redirects are not followed)`
        : `unexpected status ${status}`;
    return failed(error, status, excerpt);
  } catch (err) {
    if (signal?.aborted) return failed(`timeout after ${timeoutMs}ms`);
    return failed(describeError(err));
  }
}

/**
 * Exponential backoff schedule: delay before attempt n+1 after n failed attempts: 1 m, 5 m, 30 m, 2 h, 6 h,
 * 12 h, then 12 h. When the next step would fall past maxAgeMs (default 24 h) after firstAttemptAt, one last
 * attempt is made exactly at firstAttemptAt + maxAgeMs; after that it returns null — stop and stay FAILED.
 * Throws RangeError on nonsense input (failedAttempts < 1 or not an integer, invalid dates, negative maxAgeMs).
 */
export function nextAttemptAt(
  failedAttempts: number,
  firstAttemptAt: Date,
  lastAttemptAt: Date,
  maxAgeMs: number = DEFAULT_MAX_AGE_MS,
): Date | null {
  if (!Number.isSafeInteger(failedAttempts) || failedAttempts < 1) {
    throw new RangeError(`failedAttempts must be an integer ≥ 1, got ${failedAttempts}`);
  }
  const first = firstAttemptAt.getTime();
  const last = lastAttemptAt.getTime();
  if (Number.isNaN(first) || Number.isNaN(last)) throw new RangeError('firstAttemptAt and lastAttemptAt must be valid dates');
  if (!Number.isFinite(maxAgeMs) || maxAgeMs < 0) throw new RangeError(`maxAgeMs must be ≥ 0, got ${maxAgeMs}`);
  const delay = BACKOFF_MS[Math.min(failedAttempts, BACKOFF_MS.length) - 1] as number;
  const next = last + delay;
  if (next - first <= maxAgeMs) return new Date(next);
  // Retry for the whole window: one last attempt at its very end, then stop.
  return last - first < maxAgeMs ? new Date(first + maxAgeMs) : null;
}
