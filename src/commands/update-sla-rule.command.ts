import { z } from 'zod';
import { notFound, validationFailed } from '../errors/app-error.js';
import { presentSlaRule } from '../presenters/presenters.js';
import { updateSlaRule as updateRuleRow } from '../repositories/sla.repository.js';
import { ADMINS, defineCommand } from './command.js';

export const UpdateSlaRuleInput = z.strictObject({
    key: z.string().min(1).max(100),
    enabled: z.boolean().optional(),
    thresholdMinutes: z.number().int().min(0).max(525_600).optional(),
    warnAtPercent: z.number().int().min(1).max(100).optional(),
    cooldownMinutes: z.number().int().min(0).max(525_600).optional(),
    escalateEveryMinutes: z.number().int().min(1).max(525_600).optional(),
    maxLevel: z.number().int().min(1).max(10).optional(),
  srtFactor: z.number().min(0.1).max(100).optional(),
});

/** Edits a rule; the next evaluation uses the new values (clocks are recomputed, not stored). */
export const updateSlaRule = defineCommand({
  name: 'sla.rule.update',
  summary: 'Update an SLA rule',
  input: UpdateSlaRuleInput,
  roles: ADMINS,
  successStatus: 200,
  async run(ctx, { key, ...patch }) {
    if (Object.values(patch).every((v) => v === undefined)) {
      throw validationFailed('At least one field to change is required');
    }
    const rule = await updateRuleRow(ctx.tx, key, patch, ctx.clock.now());
    if (!rule) throw notFound('SLA rule', key);
    return presentSlaRule(rule);
  },
});
