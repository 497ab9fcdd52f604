/** The time source of commands and jobs; tests inject a controllable one. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to. */
export class ManualClock implements Clock {
  constructor(private current: Date = new Date()) {}

  now(): Date {
    return new Date(this.current.getTime());
  }

  set(at: Date): void {
    this.current = new Date(at.getTime());
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** `a` or `b`, whichever is later: keeps a row's event times monotonic under lock waits. */
export const laterOf = (a: Date, b: Date | null | undefined): Date => (b && b.getTime() > a.getTime() ? b : a);
