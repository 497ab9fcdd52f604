import { z } from 'zod';
import { presentSlaEvent } from '../presenters/presenters.js';
import { evaluateSla as evaluate } from '../sla/evaluate-sla.js';
import { ADMINS, defineCommand } from './command.js';

/** POST /sla/evaluate: runs the evaluation now and returns the events it created. */
export const evaluateSlaNow = defineCommand({
  name: 'sla.evaluate',
  summary: 'Evaluate SLA rules now',
  input: z.strictObject({}),
  roles: ADMINS,
  successStatus: 200,
  run: (ctx) => evaluate(ctx.tx, ctx.clock.now()),
  toResponse: (result) => ({ created: result.events.map(presentSlaEvent) }),
  afterCommit: (deps, result) => deps.jobs.enqueueDeliveries(result.deliveryIds),
});
