import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { runCommand } from '../../commands/run-command.js';
import type { AppDeps } from '../../commands/command.js';
import { AppError } from '../../errors/app-error.js';
import { runQuery } from '../../queries/query.js';
import { actorOf } from '../middleware/authenticate.js';
import type { ParamMap, Representation, RouteDef } from './route-table.js';

const IdempotencyKey = z.string().regex(/^[\x21-\x7e]{1,255}$/, '1–255 visible ASCII characters');

function mappedParams(req: Request, params: ParamMap | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [param, field] of Object.entries(params ?? {})) {
    const value = req.params[param];
    if (typeof value === 'string') out[field] = value;
  }
  return out;
}

/** `If-Match: 3` or `"3"` or `W/"3"` → expectedVersion 3. */
function expectedVersionFrom(req: Request): number | undefined {
  const header = req.get('if-match');
  if (header === undefined) return undefined;
  const match = /^(?:W\/)?"?(\d{1,9})"?$/.exec(header.trim());
  if (!match?.[1]) {
    throw new AppError('VALIDATION_FAILED', 'If-Match must be a ticket version', {
      issues: [{ path: 'If-Match', code: 'invalid_format', message: 'expected a version number' }],
    });
  }
  return Number(match[1]);
}

function commandInput(req: Request, route: Extract<RouteDef, { kind: 'command' }>): Record<string, unknown> {
  const body: unknown = req.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('VALIDATION_FAILED', 'Request body must be a JSON object', { issues: [] });
  }
  const input: Record<string, unknown> = { ...body, ...mappedParams(req, route.params) };
  const version = expectedVersionFrom(req);
  if (version !== undefined) {
    const schema = route.command.input;
    if (!(schema instanceof z.ZodObject) || !('expectedVersion' in schema.shape)) {
      throw new AppError('VALIDATION_FAILED', 'If-Match is only supported on ticket commands', {
        issues: [{ path: 'If-Match', code: 'unsupported', message: 'this resource has no version' }],
      });
    }
    input.expectedVersion = version;
  }
  return input;
}

function idempotencyKeyOf(req: Request): string | undefined {
  const raw = req.get('idempotency-key');
  if (raw === undefined) return undefined;
  const parsed = IdempotencyKey.safeParse(raw);
  if (!parsed.success) {
    throw new AppError('VALIDATION_FAILED', 'Invalid Idempotency-Key header', {
      issues: [{ path: 'Idempotency-Key', code: 'invalid_format', message: parsed.error.issues[0]?.message }],
    });
  }
  return parsed.data;
}

/** JSON unless the Accept header prefers one of the route's other representations (e.g. CSV). */
function sendRepresentation(req: Request, res: Response, result: unknown, representations: Representation[] | undefined): void {
  if (!representations?.length) {
    res.json(result);
    return;
  }
  res.vary('Accept');
  const preferred = req.accepts(['application/json', ...representations.map((r) => r.mediaType)]);
  const chosen = representations.find((r) => r.mediaType === preferred);
  if (!chosen) {
    res.json(result);
    return;
  }
  if (chosen.filename) res.attachment(chosen.filename(result));
  res.type(`${chosen.mediaType}; charset=utf-8`).send(chosen.render(result));
}

/** Thin transport: validate via the shared schema inside runCommand/query, call it, send the result. */
export function mountRoutes(deps: AppDeps, routes: RouteDef[]): Router {
  const router = Router();
  for (const route of routes) {
    if (route.kind === 'command') {
      router[route.method](route.path, async (req: Request, res: Response) => {
        const outcome = await runCommand(deps, route.command, actorOf(req), commandInput(req, route), {
          idempotencyKey: idempotencyKeyOf(req),
        });
        if (outcome.replayed) res.set('Idempotent-Replayed', 'true');
        res.status(outcome.status).json(outcome.body);
      });
    } else {
      router.get(route.path, async (req: Request, res: Response) => {
        const input = { ...(req.query as Record<string, unknown>), ...mappedParams(req, route.params) };
        const result = await runQuery(deps, route.query, actorOf(req), input);
        sendRepresentation(req, res, result, route.representations);
      });
    }
  }
  return router;
}
