import type {
  inventoryItemParts,
  inventoryItems,
  stockoutIncidents,
  ticketPartSpecs,
  tickets,
  ticketTransitions,
  users,
  workSessions,
  workSessionTransitions,
} from '../db/schema.js';

export type UserRow = typeof users.$inferSelect;
export type InventoryItemRow = typeof inventoryItems.$inferSelect;
export type PartRow = typeof inventoryItemParts.$inferSelect;
export type TicketRow = typeof tickets.$inferSelect;
export type TicketTransitionRow = typeof ticketTransitions.$inferSelect;
export type PartSpecRow = typeof ticketPartSpecs.$inferSelect;
export type WorkSessionRow = typeof workSessions.$inferSelect;
export type WorkSessionTransitionRow = typeof workSessionTransitions.$inferSelect;
export type StockoutRow = typeof stockoutIncidents.$inferSelect;

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** A user as clients see it: never the password hash. */
export function presentUser(u: UserRow) {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    role: u.role,
    active: u.active,
    createdAt: iso(u.createdAt),
  };
}

export function presentInventoryItem(i: InventoryItemRow) {
  return { id: i.id, serial: i.serial, model: i.model, description: i.description, createdAt: iso(i.createdAt) };
}

export function presentPart(p: PartRow) {
  return {
    id: p.id,
    sku: p.sku,
    name: p.name,
    defaultSrtMinutes: p.defaultSrtMinutes,
    active: p.active,
    createdAt: iso(p.createdAt),
  };
}

export function presentTicket(t: TicketRow) {
  return {
    id: t.id,
    inventoryItemId: t.inventoryItemId,
    technicianId: t.technicianId,
    status: t.status,
    title: t.title,
    description: t.description,
    priority: t.priority,
    srtTotalMinutes: t.srtTotalMinutes,
    flagMinutes: t.flagMinutes,
    flagColor: t.flagColor,
    xpAmount: t.xpAmount,
    metricsSource: t.metricsSource,
    reworkCount: t.reworkCount,
    version: t.version,
    createdAt: iso(t.createdAt),
    assignedAt: iso(t.assignedAt),
    startedAt: iso(t.startedAt),
    qcSubmittedAt: iso(t.qcSubmittedAt),
    doneAt: iso(t.doneAt),
    cancelledAt: iso(t.cancelledAt),
    updatedAt: iso(t.updatedAt),
  };
}
export type TicketJson = ReturnType<typeof presentTicket>;

export function presentTicketTransition(t: TicketTransitionRow) {
  return {
    id: String(t.id),
    ticketId: t.ticketId,
    fromStatus: t.fromStatus,
    toStatus: t.toStatus,
    event: t.event,
    actorId: t.actorId,
    technicianId: t.technicianId,
    reason: t.reason,
    metadata: t.metadata,
    commandId: t.commandId,
    createdAt: iso(t.createdAt),
  };
}

export function presentPartSpec(s: PartSpecRow) {
  return {
    id: s.id,
    ticketId: s.ticketId,
    partId: s.partId,
    srtMinutes: s.srtMinutes,
    note: s.note,
    isActive: s.isActive,
    createdBy: s.createdBy,
    createdAt: iso(s.createdAt),
    deactivatedAt: iso(s.deactivatedAt),
  };
}

/** Live active seconds: stored seconds plus the running interval, if any. */
export function liveActiveSeconds(s: WorkSessionRow, now: Date): number {
  const running = s.status === 'RUNNING' && s.runningSince ? Math.max(0, now.getTime() - s.runningSince.getTime()) / 1000 : 0;
  return s.activeSeconds + running;
}

/** A session with its live active seconds (whole seconds, rounded down). */
export function presentWorkSession(s: WorkSessionRow, now: Date) {
  return {
    id: s.id,
    ticketId: s.ticketId,
    technicianId: s.technicianId,
    status: s.status,
    startedAt: iso(s.startedAt),
    endedAt: iso(s.endedAt),
    activeSeconds: Math.floor(liveActiveSeconds(s, now)),
    runningSince: iso(s.runningSince),
    pauseReason: s.pauseReason,
    updatedAt: iso(s.updatedAt),
  };
}
export type WorkSessionJson = ReturnType<typeof presentWorkSession>;

export function presentWorkSessionTransition(t: WorkSessionTransitionRow) {
  return {
    id: String(t.id),
    sessionId: t.sessionId,
    fromStatus: t.fromStatus,
    toStatus: t.toStatus,
    event: t.event,
    reason: t.reason,
    actorId: t.actorId,
    at: iso(t.at),
    commandId: t.commandId,
  };
}

/** An incident with its live open minutes (fractional). */
export function presentStockout(s: StockoutRow, now: Date) {
  const end = s.resolvedAt ?? now;
  return {
    id: s.id,
    partId: s.partId,
    ticketId: s.ticketId,
    status: s.status,
    startedAt: iso(s.startedAt),
    resolvedAt: iso(s.resolvedAt),
    reportedBy: s.reportedBy,
    resolvedBy: s.resolvedBy,
    note: s.note,
    resolutionNote: s.resolutionNote,
    openMinutes: Math.max(0, end.getTime() - s.startedAt.getTime()) / 60_000,
  };
}

export function presentSlaRule(r: import('../repositories/sla.repository.js').SlaRuleRow) {
  return {
    key: r.key,
    subject: r.subject,
    enabled: r.enabled,
    thresholdMinutes: r.thresholdMinutes,
    warnAtPercent: r.warnAtPercent,
    cooldownMinutes: r.cooldownMinutes,
    escalateEveryMinutes: r.escalateEveryMinutes,
    maxLevel: r.maxLevel,
    srtFactor: r.srtFactor,
    channels: r.channels,
    updatedAt: iso(r.updatedAt),
  };
}

export function presentSlaEvent(e: import('../repositories/sla.repository.js').SlaEventRow) {
  return {
    id: e.id,
    ruleKey: e.ruleKey,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    severity: e.severity,
    level: e.level,
    measuredMinutes: e.measuredMinutes,
    thresholdMinutes: e.thresholdMinutes,
    payload: e.payload,
    evaluatedAt: iso(e.evaluatedAt),
    createdAt: iso(e.createdAt),
    evaluatedAtOrCreated: iso(e.evaluatedAt ?? e.createdAt),
    repeatOf: e.repeatOf,
    isRepeat: e.repeatOf !== null,
  };
}
export type SlaEventJson = ReturnType<typeof presentSlaEvent>;

export function presentDeliveryAttempt(a: import('../repositories/sla.repository.js').SlaAttemptRow) {
  return {
    id: a.id,
    eventId: a.eventId,
    channel: a.channel,
    target: a.target,
    targetId: a.targetId,
    attemptNo: a.attemptNo,
    outcome: a.outcome,
    httpStatus: a.httpStatus,
    responseExcerpt: a.responseExcerpt,
    error: a.error,
    durationMs: a.durationMs,
    createdAt: iso(a.createdAt),
  };
}
