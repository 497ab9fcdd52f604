import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../db/client.js';
import { hashPassword } from './password.js';

/** Creates the first admin from ADMIN_USERNAME/ADMIN_PASSWORD when the users table is empty. */
export async function ensureFirstAdmin(
  db: Db,
  admin: { username: string; password: string } | undefined,
  passwordHashCost: number,
  log: Logger,
): Promise<void> {
  if (!admin) return;
  const passwordHash = await hashPassword(admin.password, passwordHashCost);
  // Conditional insert in one statement: two processes starting together create one admin.
  const result = await db.execute(sql`
    INSERT INTO users (username, display_name, role, password_hash)
    SELECT ${admin.username}, ${admin.username}, 'ADMIN', ${passwordHash} WHERE NOT EXISTS (SELECT 1 FROM users)
    ON CONFLICT DO NOTHING RETURNING id`);
  if (result.rows.length) log.info({ username: admin.username }, 'created the first admin');
}
