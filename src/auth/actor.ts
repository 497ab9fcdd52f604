import { z } from 'zod';

export const Role = z.enum(['ADMIN', 'SUPERVISOR', 'TECHNICIAN', 'WALLBOARD']);
export type Role = z.infer<typeof Role>;

/** The authenticated user a command runs for. */
export interface Actor {
  id: string;
  username: string;
  role: Role;
}

/** SUPERVISOR+ means SUPERVISOR or ADMIN. */
export const isSupervisor = (actor: Actor): boolean => actor.role === 'SUPERVISOR' || actor.role === 'ADMIN';
