import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { migrationsFolder, runMigrations } from '../../src/db/migrate.js';
import { createTestDatabase } from '../support/harness.js';
import { failure } from '../support/sla.js';

/**
 * Migration 0006 adds ticket_transitions.technician_id and fills it for existing log entries from
 * the log itself (ASSIGN entries record the technician they replaced). A database migrated up to
 * 0005 with a re-assigned ticket gets exactly the technician each entry happened under.
 */
describe('migration 0006: technician of existing ticket log entries', function () {
  this.timeout(60_000);
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;
  let partial: string;

  before(async () => {
    database = await createTestDatabase();
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    pool.on('error', () => undefined);
    // The migrations as they stood before 0006: same files, journal cut after 0005.
    partial = await mkdtemp(path.join(tmpdir(), 'benchline-migrations-'));
    await cp(migrationsFolder, partial, { recursive: true });
    const journalFile = path.join(partial, 'meta', '_journal.json');
    const journal = JSON.parse(await readFile(journalFile, 'utf8')) as { entries: { tag: string }[] };
    journal.entries = journal.entries.filter((e) => e.tag < '0006');
    await writeFile(journalFile, JSON.stringify(journal));
  });

  after(async () => {
    await pool?.end();
    await database?.drop();
    if (partial) await rm(partial, { recursive: true, force: true });
  });

  it('fills technician_id per entry: NULL before the first ASSIGN, then the technician each ASSIGN set', async () => {
    await migrate(drizzle(pool), { migrationsFolder: partial });
    const one = async (text: string, values: unknown[] = []) => (await pool.query(text, values)).rows[0];
    const user = async (name: string, role: string) =>
      (await one(`INSERT INTO users (username, display_name, role, password_hash) VALUES ($1, $1, $2, 'x') RETURNING id`, [name, role])).id as string;
    const alpha = await user('alpha', 'TECHNICIAN');
    const bravo = await user('bravo', 'TECHNICIAN');
    const boss = await user('boss', 'SUPERVISOR');
    const ticket = async (serial: string, status: string, technicianId: string | null) => {
      const item = (await one(`INSERT INTO inventory_items (serial, model) VALUES ($1, 'Phone') RETURNING id`, [serial])).id;
      return (await one(`INSERT INTO tickets (inventory_item_id, technician_id, status, title) VALUES ($1, $2, $3, 'T') RETURNING id`, [
        item,
        technicianId,
        status,
      ])).id as string;
    };
    const log = async (ticketId: string, entries: [string, string, string, Record<string, unknown>?][]) => {
      for (const [from, to, event, metadata] of entries) {
        await pool.query(
          `INSERT INTO ticket_transitions (ticket_id, from_status, to_status, event, actor_id, metadata) VALUES ($1, $2, $3, $4, $5, $6)`,
          [ticketId, from, to, event, boss, JSON.stringify(metadata ?? {})],
        );
      }
    };
    // Alpha works it, fails QC, it is re-assigned to Bravo who gets it passed.
    const reassigned = await ticket('SN-1', 'DONE', bravo);
    await log(reassigned, [
      ['UNDER_REVIEW', 'UNDER_REVIEW', 'CREATE'],
      ['UNDER_REVIEW', 'ASSIGNED', 'ASSIGN', { previousTechnicianId: null }],
      ['ASSIGNED', 'IN_PROGRESS', 'START'],
      ['IN_PROGRESS', 'WAITING_QC', 'SUBMIT_QC'],
      ['WAITING_QC', 'REWORK', 'QC_FAIL'],
      ['REWORK', 'REWORK', 'ASSIGN', { previousTechnicianId: alpha }],
      ['REWORK', 'IN_PROGRESS', 'START'],
      ['IN_PROGRESS', 'WAITING_QC', 'SUBMIT_QC'],
      ['WAITING_QC', 'DONE', 'QC_PASS'],
    ]);
    const cancelled = await ticket('SN-2', 'CANCELLED', null);
    await log(cancelled, [
      ['UNDER_REVIEW', 'UNDER_REVIEW', 'CREATE'],
      ['UNDER_REVIEW', 'CANCELLED', 'CANCEL'],
    ]);
    const waiting = await ticket('SN-3', 'ASSIGNED', alpha);
    await log(waiting, [
      ['UNDER_REVIEW', 'UNDER_REVIEW', 'CREATE'],
      ['UNDER_REVIEW', 'ASSIGNED', 'ASSIGN', { previousTechnicianId: null }],
    ]);

    await runMigrations(pool);

    const technicians = async (ticketId: string) =>
      (await pool.query(`SELECT event, technician_id FROM ticket_transitions WHERE ticket_id = $1 ORDER BY id`, [ticketId])).rows.map(
        (r) => [r.event, r.technician_id],
      );
    expect(await technicians(reassigned)).to.deep.equal([
      ['CREATE', null],
      ['ASSIGN', alpha],
      ['START', alpha],
      ['SUBMIT_QC', alpha],
      ['QC_FAIL', alpha],
      ['ASSIGN', bravo],
      ['START', bravo],
      ['SUBMIT_QC', bravo],
      ['QC_PASS', bravo],
    ]);
    expect(await technicians(cancelled)).to.deep.equal([
      ['CREATE', null],
      ['CANCEL', null],
    ]);
    expect(await technicians(waiting)).to.deep.equal([
      ['CREATE', null],
      ['ASSIGN', alpha],
    ]);

    // The log is append-only again once the migration is done.
    const refused = await failure(pool.query(`UPDATE ticket_transitions SET technician_id = $1 WHERE ticket_id = $2`, [boss, reassigned]));
    expect(refused.message).to.match(/append-only/);
  });
});
