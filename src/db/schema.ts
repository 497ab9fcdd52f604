import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

// Timestamps are timestamptz with microsecond precision; the API presents them as ISO-8601 UTC.
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const id = () => uuid('id').primaryKey().defaultRandom();
const createdAt = () => ts('created_at').notNull().defaultNow();

export const users = pgTable(
  'users',
  {
    id: id(),
    username: text('username').notNull(),
    displayName: text('display_name').notNull(),
    role: text('role').notNull(),
    passwordHash: text('password_hash').notNull(),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('users_username_key').on(sql`lower(${t.username})`),
    check('users_role_check', sql`${t.role} IN ('ADMIN', 'SUPERVISOR', 'TECHNICIAN', 'WALLBOARD')`),
  ],
);

export const inventoryItems = pgTable(
  'inventory_items',
  {
    id: id(),
    serial: text('serial').notNull(),
    model: text('model').notNull(),
    description: text('description'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('inventory_items_serial_key').on(t.serial)],
);

export const inventoryItemParts = pgTable(
  'inventory_item_parts',
  {
    id: id(),
    sku: text('sku').notNull(),
    name: text('name').notNull(),
    defaultSrtMinutes: integer('default_srt_minutes').notNull(),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('inventory_item_parts_sku_key').on(t.sku),
    check('inventory_item_parts_srt_check', sql`${t.defaultSrtMinutes} >= 0`),
  ],
);

export const tickets = pgTable(
  'tickets',
  {
    id: id(),
    inventoryItemId: uuid('inventory_item_id')
      .notNull()
      .references(() => inventoryItems.id),
    technicianId: uuid('technician_id').references(() => users.id),
    status: text('status').notNull().default('UNDER_REVIEW'),
    title: text('title').notNull(),
    description: text('description'),
    priority: text('priority').notNull().default('NORMAL'),
    srtTotalMinutes: integer('srt_total_minutes').notNull().default(0),
    flagMinutes: integer('flag_minutes').notNull().default(0),
    flagColor: text('flag_color').notNull().default('GREEN'),
    xpAmount: integer('xp_amount').notNull().default(0),
    metricsSource: text('metrics_source').notNull().default('AUTO'),
    reworkCount: integer('rework_count').notNull().default(0),
    version: integer('version').notNull().default(1),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: createdAt(),
    assignedAt: ts('assigned_at'),
    startedAt: ts('started_at'),
    qcSubmittedAt: ts('qc_submitted_at'),
    doneAt: ts('done_at'),
    cancelledAt: ts('cancelled_at'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    /** When the ticket entered its current status (or was re-assigned): the start of SLA status clocks. */
    statusEnteredAt: ts('status_entered_at').notNull().defaultNow(),
    /** Minutes the ticket's life overlapped OPEN/RESOLVED stockouts of its parts (kept by stockout:overlap). */
    stockoutOverlapMinutes: numeric('stockout_overlap_minutes', { precision: 14, scale: 3, mode: 'number' })
      .notNull()
      .default(0),
  },
  (t) => [
    // Invariant ONE_ACTIVE_TICKET_PER_ITEM.
    uniqueIndex('tickets_one_active_per_item')
      .on(t.inventoryItemId)
      .where(sql`status NOT IN ('DONE', 'CANCELLED')`),
    // Invariant ONE_IN_PROGRESS_TICKET_PER_TECHNICIAN.
    uniqueIndex('tickets_one_in_progress_per_technician')
      .on(t.technicianId)
      .where(sql`status = 'IN_PROGRESS'`),
    index('tickets_created_at_id_idx').on(t.createdAt.desc(), t.id.desc()),
    index('tickets_status_idx').on(t.status, t.createdAt.desc()),
    index('tickets_technician_idx').on(t.technicianId, t.createdAt.desc()),
    check(
      'tickets_status_check',
      sql`${t.status} IN ('UNDER_REVIEW', 'ASSIGNED', 'IN_PROGRESS', 'WAITING_QC', 'REWORK', 'DONE', 'CANCELLED')`,
    ),
    check('tickets_priority_check', sql`${t.priority} IN ('LOW', 'NORMAL', 'HIGH', 'URGENT')`),
    check('tickets_flag_color_check', sql`${t.flagColor} IN ('GREEN', 'YELLOW', 'RED')`),
    check('tickets_metrics_source_check', sql`${t.metricsSource} IN ('AUTO', 'MANUAL')`),
    check(
      'tickets_metrics_non_negative_check',
      sql`${t.srtTotalMinutes} >= 0 AND ${t.flagMinutes} >= 0 AND ${t.xpAmount} >= 0 AND ${t.reworkCount} >= 0`,
    ),
    check('tickets_assignee_check', sql`${t.status} IN ('UNDER_REVIEW', 'CANCELLED') OR ${t.technicianId} IS NOT NULL`),
  ],
);

export const ticketPartSpecs = pgTable(
  'ticket_part_specs',
  {
    id: id(),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id),
    partId: uuid('inventory_item_part_id')
      .notNull()
      .references(() => inventoryItemParts.id),
    srtMinutes: integer('srt_minutes').notNull(),
    note: text('note'),
    isActive: boolean('is_active').notNull().default(true),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: createdAt(),
    deactivatedAt: ts('deactivated_at'),
  },
  (t) => [
    // Invariant ONE_ACTIVE_SPEC_PER_PART (per ticket).
    uniqueIndex('ticket_part_specs_one_active_per_part')
      .on(t.ticketId, t.partId)
      .where(sql`is_active`),
    index('ticket_part_specs_ticket_idx').on(t.ticketId),
    index('ticket_part_specs_active_part_idx')
      .on(t.partId)
      .where(sql`is_active`),
    check('ticket_part_specs_srt_check', sql`${t.srtMinutes} >= 0`),
    check('ticket_part_specs_active_check', sql`${t.isActive} = (${t.deactivatedAt} IS NULL)`),
  ],
);

/** Append-only (trigger): one row per accepted ticket event. */
export const ticketTransitions = pgTable(
  'ticket_transitions',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id),
    fromStatus: text('from_status').notNull(),
    toStatus: text('to_status').notNull(),
    event: text('event').notNull(),
    actorId: uuid('actor_id').references(() => users.id),
    /**
     * The ticket's technician once the event applied (the new assignee for ASSIGN): payroll
     * attributes SUBMIT_QC, QC_PASS and QC_FAIL to them, whoever the actor was.
     */
    technicianId: uuid('technician_id').references(() => users.id),
    reason: text('reason'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    commandId: text('command_id'),
    createdAt: createdAt(),
  },
  (t) => [
    index('ticket_transitions_ticket_idx').on(t.ticketId, t.id),
    // Payroll reads the QC events of a period.
    index('ticket_transitions_qc_created_idx')
      .on(t.createdAt)
      .where(sql`event IN ('SUBMIT_QC', 'QC_PASS', 'QC_FAIL')`),
  ],
);

export const workSessions = pgTable(
  'work_sessions',
  {
    id: id(),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id),
    technicianId: uuid('technician_id')
      .notNull()
      .references(() => users.id),
    status: text('status').notNull(),
    startedAt: ts('started_at').notNull(),
    endedAt: ts('ended_at'),
    // Exact seconds (microsecond precision) so the stored value equals the log recomputation.
    activeSeconds: numeric('active_seconds', { precision: 18, scale: 6, mode: 'number' }).notNull().default(0),
    runningSince: ts('running_since'),
    pauseReason: text('pause_reason'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    /** Seconds of this session that fell inside stockouts of its ticket's parts (kept by stockout:overlap). */
    stockoutOverlapSeconds: numeric('stockout_overlap_seconds', { precision: 18, scale: 3, mode: 'number' })
      .notNull()
      .default(0),
  },
  (t) => [
    // Invariant ONE_OPEN_SESSION_PER_TICKET.
    uniqueIndex('work_sessions_one_open_per_ticket')
      .on(t.ticketId)
      .where(sql`status IN ('RUNNING', 'PAUSED')`),
    // Invariant ONE_OPEN_SESSION_PER_TECHNICIAN.
    uniqueIndex('work_sessions_one_open_per_technician')
      .on(t.technicianId)
      .where(sql`status IN ('RUNNING', 'PAUSED')`),
    index('work_sessions_ticket_idx').on(t.ticketId, t.startedAt),
    index('work_sessions_technician_idx').on(t.technicianId, t.startedAt),
    check('work_sessions_status_check', sql`${t.status} IN ('RUNNING', 'PAUSED', 'STOPPED')`),
    check(
      'work_sessions_running_since_check',
      sql`(${t.status} = 'RUNNING') = (${t.runningSince} IS NOT NULL)`,
    ),
    check('work_sessions_ended_check', sql`(${t.status} = 'STOPPED') = (${t.endedAt} IS NOT NULL)`),
    check(
      'work_sessions_pause_reason_check',
      sql`(${t.status} = 'PAUSED') = (${t.pauseReason} IS NOT NULL) AND (${t.pauseReason} IS NULL OR ${t.pauseReason} IN ('BREAK', 'STOCKOUT', 'END_OF_SHIFT', 'OTHER'))`,
    ),
    check('work_sessions_active_seconds_check', sql`${t.activeSeconds} >= 0`),
  ],
);

/** Append-only (trigger): one row per accepted work-session event. */
export const workSessionTransitions = pgTable(
  'work_session_transitions',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => workSessions.id),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    event: text('event').notNull(),
    reason: text('reason'),
    actorId: uuid('actor_id').references(() => users.id),
    at: ts('at').notNull(),
    commandId: text('command_id'),
  },
  (t) => [index('work_session_transitions_session_idx').on(t.sessionId, t.at, t.id)],
);

export const stockoutIncidents = pgTable(
  'stockout_incidents',
  {
    id: id(),
    partId: uuid('inventory_item_part_id')
      .notNull()
      .references(() => inventoryItemParts.id),
    ticketId: uuid('ticket_id').references(() => tickets.id),
    status: text('status').notNull().default('OPEN'),
    startedAt: ts('started_at').notNull(),
    resolvedAt: ts('resolved_at'),
    reportedBy: uuid('reported_by').references(() => users.id),
    resolvedBy: uuid('resolved_by').references(() => users.id),
    note: text('note'),
    resolutionNote: text('resolution_note'),
  },
  (t) => [
    // Invariant ONE_OPEN_STOCKOUT_PER_PART.
    uniqueIndex('stockout_incidents_one_open_per_part')
      .on(t.partId)
      .where(sql`status = 'OPEN'`),
    index('stockout_incidents_part_idx').on(t.partId, t.startedAt),
    index('stockout_incidents_started_idx').on(t.startedAt.desc()),
    check('stockout_incidents_status_check', sql`${t.status} IN ('OPEN', 'RESOLVED')`),
    check('stockout_incidents_resolved_check', sql`(${t.status} = 'RESOLVED') = (${t.resolvedAt} IS NOT NULL)`),
  ],
);

export const slaRules = pgTable(
  'sla_rules',
  {
    key: text('key').primaryKey(),
    subject: text('subject').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    thresholdMinutes: integer('threshold_minutes').notNull(),
    warnAtPercent: integer('warn_at_percent').notNull().default(80),
    cooldownMinutes: integer('cooldown_minutes').notNull().default(60),
    escalateEveryMinutes: integer('escalate_every_minutes').notNull().default(60),
    maxLevel: integer('max_level').notNull().default(3),
    /** TICKET_OVER_SRT: the threshold is srt_total_minutes × this factor + threshold_minutes. */
    srtFactor: numeric('srt_factor', { precision: 6, scale: 3, mode: 'number' }),
    channels: jsonb('channels').$type<Record<string, string[]>>().notNull().default({}),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    check('sla_rules_subject_check', sql`${t.subject} IN ('TICKET', 'WORK_SESSION', 'STOCKOUT')`),
    check('sla_rules_threshold_check', sql`${t.thresholdMinutes} >= 0`),
    check('sla_rules_warn_check', sql`${t.warnAtPercent} BETWEEN 1 AND 100`),
    check('sla_rules_cooldown_check', sql`${t.cooldownMinutes} >= 0`),
    check('sla_rules_escalate_check', sql`${t.escalateEveryMinutes} >= 1`),
    check('sla_rules_max_level_check', sql`${t.maxLevel} BETWEEN 1 AND 10`),
  ],
);

/** Append-only (trigger). */
export const slaAutomationEvents = pgTable(
  'sla_automation_events',
  {
    id: id(),
    ruleKey: text('rule_key')
      .notNull()
      .references(() => slaRules.key),
    subjectType: text('subject_type').notNull(),
    subjectId: uuid('subject_id').notNull(),
    severity: text('severity').notNull(),
    level: integer('level').notNull().default(1),
    measuredMinutes: numeric('measured_minutes', { precision: 14, scale: 3, mode: 'number' }).notNull(),
    // Fractional: TICKET_OVER_SRT thresholds are srt × factor (e.g. 25 × 1.5 = 37.5).
    thresholdMinutes: numeric('threshold_minutes', { precision: 14, scale: 3, mode: 'number' }).notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    evaluatedAt: ts('evaluated_at'),
    createdAt: createdAt(),
    repeatOf: uuid('repeat_of'),
  },
  (t) => [
    index('sla_automation_events_subject_idx').on(t.ruleKey, t.subjectId, t.severity, t.level, t.createdAt),
    index('sla_automation_events_created_idx').on(t.createdAt.desc()),
    check('sla_automation_events_severity_check', sql`${t.severity} IN ('WARNING', 'BREACH')`),
    check('sla_automation_events_subject_check', sql`${t.subjectType} IN ('TICKET', 'WORK_SESSION', 'STOCKOUT')`),
  ],
);

/** The shop calendar (one row, id 1); no row means clocks count 24/7. */
export const shopCalendar = pgTable(
  'shop_calendar',
  {
    id: integer('id').primaryKey().default(1),
    timezone: text('timezone').notNull(),
    weeklyHours: jsonb('weekly_hours').$type<Record<string, { start: string; end: string }[]>>().notNull(),
    holidays: jsonb('holidays').$type<string[]>().notNull().default([]),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    updatedBy: uuid('updated_by').references(() => users.id),
  },
  (t) => [check('shop_calendar_single_row_check', sql`${t.id} = 1`)],
);

/**
 * Repeat suppression: one row per (rule, subject, severity, level) holding the end of its cooldown.
 * An event is only created by the statement that moves `until` forward, so two evaluators racing
 * (or a job re-run after a crash) cannot both create it.
 */
export const slaCooldowns = pgTable(
  'sla_cooldowns',
  {
    ruleKey: text('rule_key').notNull(),
    subjectId: uuid('subject_id').notNull(),
    severity: text('severity').notNull(),
    level: integer('level').notNull(),
    firstEventId: uuid('first_event_id').notNull(),
    lastEventId: uuid('last_event_id').notNull(),
    lastCreatedAt: ts('last_created_at').notNull(),
    until: ts('until').notNull(),
  },
  (t) => [primaryKey({ name: 'sla_cooldowns_pkey', columns: [t.ruleKey, t.subjectId, t.severity, t.level] })],
);

export const deliveryTargets = pgTable(
  'delivery_targets',
  {
    id: id(),
    url: text('url').notNull(),
    secret: text('secret').notNull(),
    minLevel: integer('min_level').notNull().default(1),
    enabled: boolean('enabled').notNull().default(true),
    disabledReason: text('disabled_reason'),
    createdAt: createdAt(),
    deletedAt: ts('deleted_at'),
  },
  (t) => [check('delivery_targets_min_level_check', sql`${t.minLevel} >= 1`)],
);

/** Delivery state of one SLA event to one target (attempts themselves are append-only rows). */
export const slaDeliveries = pgTable(
  'sla_deliveries',
  {
    id: id(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => slaAutomationEvents.id),
    targetId: uuid('target_id')
      .notNull()
      .references(() => deliveryTargets.id),
    status: text('status').notNull().default('PENDING'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull(),
    lockedUntil: ts('locked_until'),
    lastError: text('last_error'),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('sla_deliveries_event_target_key').on(t.eventId, t.targetId),
    index('sla_deliveries_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`status = 'PENDING'`),
    check('sla_deliveries_status_check', sql`${t.status} IN ('PENDING', 'SUCCEEDED', 'FAILED', 'CANCELLED')`),
  ],
);

/** Append-only (trigger). */
export const slaDeliveryAttempts = pgTable(
  'sla_delivery_attempts',
  {
    id: id(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => slaAutomationEvents.id),
    channel: text('channel').notNull(),
    target: text('target').notNull(),
    targetId: uuid('target_id').references(() => deliveryTargets.id),
    attemptNo: integer('attempt_no').notNull(),
    outcome: text('outcome').notNull(),
    httpStatus: integer('http_status'),
    responseExcerpt: text('response_excerpt'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    index('sla_delivery_attempts_event_idx').on(t.eventId, t.attemptNo),
    check('sla_delivery_attempts_outcome_check', sql`${t.outcome} IN ('SUCCESS', 'FAILED')`),
    check('sla_delivery_attempts_channel_check', sql`${t.channel} IN ('SOCKET', 'WEBHOOK')`),
  ],
);

export const idempotencyRecords = pgTable(
  'idempotency_records',
  {
    actorId: uuid('actor_id').notNull(),
    key: text('key').notNull(),
    fingerprint: text('fingerprint').notNull(),
    state: text('state').notNull(),
    responseStatus: integer('response_status'),
    responseBody: jsonb('response_body'),
    createdAt: createdAt(),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [
    primaryKey({ name: 'idempotency_records_pkey', columns: [t.actorId, t.key] }),
    index('idempotency_records_expires_idx').on(t.expiresAt),
    check('idempotency_records_state_check', sql`${t.state} IN ('PENDING', 'DONE')`),
  ],
);

/**
 * Outbox of domain events. `seq` is assigned while the transaction commits, by a deferred trigger
 * (migrations 0005, 0008): a transaction's rows become visible within a WAL flush of taking their
 * seqs, so a reader sees a later seq first only briefly; the tailer waits at such gaps.
 */
export const outboxEvents = pgTable(
  'outbox_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** Public order: assigned at COMMIT by a deferred trigger (migrations 0005, 0008). */
    seq: bigint('seq', { mode: 'number' }),
    type: text('type').notNull(),
    aggregateType: text('aggregate_type').notNull(),
    aggregateId: uuid('aggregate_id').notNull(),
    // Technicians entitled to see this event besides the floor (assignee, previous assignee, owner).
    technicianIds: uuid('technician_ids').array().notNull().default(sql`'{}'::uuid[]`),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('outbox_events_created_idx').on(t.createdAt), uniqueIndex('outbox_events_seq_key').on(t.seq)],
);
