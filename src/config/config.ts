import { z } from 'zod';

const DEVELOPMENT_JWT_SECRET = 'benchline-development-secret-do-not-use-in-production';

const int = (fallback: number, min = 0) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min))
    .default(fallback);
const positive = (fallback: number) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a positive number')
    .transform(Number)
    .pipe(z.number().positive())
    .default(fallback);
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

/** Every environment variable the product reads, with its default. */
const EnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: int(3000).pipe(z.number().max(65535)),
    HOST: z.string().min(1).default('127.0.0.1'),
    ROLE: z.enum(['all', 'api', 'worker']).default('all'),
    DATABASE_URL: z
      .url({ protocol: /^postgres(ql)?$/, hostname: /.+/, message: 'must be a postgres:// URL with a host' })
      .optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    DB_POOL_MAX: int(10, 1),
    ADMIN_USERNAME: z.string().min(1).max(64).optional(),
    ADMIN_PASSWORD: z.string().min(8).max(256).optional(),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    JWT_TTL_SECONDS: int(12 * 3600, 60),
    PASSWORD_HASH_COST: int(15, 10).pipe(z.number().max(20)),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    BODY_LIMIT_BYTES: int(64 * 1024, 1024),
    RATE_LIMIT_WINDOW_MS: int(60_000, 1000),
    RATE_LIMIT_MAX: int(6000, 1),
    LOGIN_RATE_LIMIT_MAX: int(60, 1),
    TRUST_PROXY: bool(false),
    SHUTDOWN_TIMEOUT_MS: int(10_000, 100),
    IDEMPOTENCY_TTL_HOURS: int(24, 1),
    SOCKET_ALLOWED_ORIGINS: z.string().optional(),
    SOCKET_MAX_BUFFER_BYTES: int(16 * 1024, 1024),
    SOCKET_MAX_UNREAD_BYTES: int(4 * 1024 * 1024, 1024),
    SOCKET_RATE_LIMIT_PER_SECOND: int(20, 1),
    SOCKET_RATE_LIMIT_BURST: int(60, 1),
    REPLAY_MAX_EVENTS: int(1000, 1),
    REPLAY_MAX_AGE_HOURS: int(24, 1),
    OUTBOX_POLL_MS: int(1000, 10),
    SLA_EVALUATE_EVERY_SECONDS: int(60, 5),
    FLAG_INCREMENT_MINUTES: int(6, 1),
    FLAG_GREEN_MAX_MINUTES: int(30, 0),
    FLAG_YELLOW_MAX_MINUTES: int(90, 0),
    XP_PER_FLAG_MINUTE: positive(1),
    XP_MULTIPLIER_GREEN: positive(1),
    XP_MULTIPLIER_YELLOW: positive(1.2),
    XP_MULTIPLIER_RED: positive(1.5),
  });

/** Rules across variables, checked on the raw values so they are reported alongside the others. */
function crossVariableIssues(env: Record<string, string>): string[] {
  const issues: string[] = [];
  const green = Number(env.FLAG_GREEN_MAX_MINUTES ?? 30);
  const yellow = Number(env.FLAG_YELLOW_MAX_MINUTES ?? 90);
  if (Number.isFinite(green) && Number.isFinite(yellow) && yellow < green) {
    issues.push('FLAG_YELLOW_MAX_MINUTES: must be greater than or equal to FLAG_GREEN_MAX_MINUTES');
  }
  if (env.NODE_ENV === 'production' && !env.JWT_SECRET) issues.push('JWT_SECRET: is required when NODE_ENV=production');
  if (env.ADMIN_USERNAME && !env.ADMIN_PASSWORD) issues.push('ADMIN_PASSWORD: is required when ADMIN_USERNAME is set');
  if (env.ADMIN_PASSWORD && !env.ADMIN_USERNAME) issues.push('ADMIN_USERNAME: is required when ADMIN_PASSWORD is set');
  return issues;
}

export interface MetricsSettings {
  flagIncrementMinutes: number;
  greenMaxMinutes: number;
  yellowMaxMinutes: number;
  xpPerFlagMinute: number;
  xpMultiplier: { GREEN: number; YELLOW: number; RED: number };
}

export interface Config {
  env: 'development' | 'test' | 'production';
  port: number;
  host: string;
  role: 'all' | 'api' | 'worker';
  databaseUrl: string | undefined;
  dataDir: string;
  dbPoolMax: number;
  admin: { username: string; password: string } | undefined;
  jwt: { secret: string; ttlSeconds: number; usingDevelopmentSecret: boolean };
  passwordHashCost: number;
  logLevel: string;
  bodyLimitBytes: number;
  rateLimit: { windowMs: number; max: number; loginMax: number };
  trustProxy: boolean;
  shutdownTimeoutMs: number;
  idempotencyTtlHours: number;
  realtime: {
    /** Browser origins allowed to open a socket; empty = none (non-browser clients are unaffected). */
    allowedOrigins: string[];
    maxBufferBytes: number;
    /** Pushes a socket may leave unread in the server's buffer before it is disconnected. */
    maxUnreadBytes: number;
    rateLimitPerSecond: number;
    rateLimitBurst: number;
    replayMaxEvents: number;
    replayMaxAgeHours: number;
    outboxPollMs: number;
  };
  sla: { evaluateEverySeconds: number };
  metrics: MetricsSettings;
}

/** Raised when the environment is invalid; the message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment once; throws a ConfigError naming each invalid variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Blank values mean "unset" so that `FOO=` in a compose file falls back to the default.
  const cleaned = Object.fromEntries(
    Object.entries(env)
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1].trim() !== '')
      .map(([k, v]) => [k, v.trim()]),
  );
  const parsed = EnvSchema.safeParse(cleaned);
  const lines = [
    ...(parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`)),
    ...crossVariableIssues(cleaned),
  ];
  if (!parsed.success || lines.length > 0) {
    throw new ConfigError(`Invalid configuration:\n${lines.map((l) => `  ${l}`).join('\n')}`);
  }
  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    role: e.ROLE,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    dbPoolMax: e.DB_POOL_MAX,
    admin: e.ADMIN_USERNAME && e.ADMIN_PASSWORD ? { username: e.ADMIN_USERNAME, password: e.ADMIN_PASSWORD } : undefined,
    jwt: {
      secret: e.JWT_SECRET ?? DEVELOPMENT_JWT_SECRET,
      ttlSeconds: e.JWT_TTL_SECONDS,
      usingDevelopmentSecret: !e.JWT_SECRET,
    },
    passwordHashCost: e.PASSWORD_HASH_COST,
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    rateLimit: { windowMs: e.RATE_LIMIT_WINDOW_MS, max: e.RATE_LIMIT_MAX, loginMax: e.LOGIN_RATE_LIMIT_MAX },
    trustProxy: e.TRUST_PROXY,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    idempotencyTtlHours: e.IDEMPOTENCY_TTL_HOURS,
    realtime: {
      allowedOrigins: (e.SOCKET_ALLOWED_ORIGINS ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
      maxBufferBytes: e.SOCKET_MAX_BUFFER_BYTES,
      maxUnreadBytes: e.SOCKET_MAX_UNREAD_BYTES,
      rateLimitPerSecond: e.SOCKET_RATE_LIMIT_PER_SECOND,
      rateLimitBurst: e.SOCKET_RATE_LIMIT_BURST,
      replayMaxEvents: e.REPLAY_MAX_EVENTS,
      replayMaxAgeHours: e.REPLAY_MAX_AGE_HOURS,
      outboxPollMs: e.OUTBOX_POLL_MS,
    },
    sla: { evaluateEverySeconds: e.SLA_EVALUATE_EVERY_SECONDS },
    metrics: {
      flagIncrementMinutes: e.FLAG_INCREMENT_MINUTES,
      greenMaxMinutes: e.FLAG_GREEN_MAX_MINUTES,
      yellowMaxMinutes: e.FLAG_YELLOW_MAX_MINUTES,
      xpPerFlagMinute: e.XP_PER_FLAG_MINUTE,
      xpMultiplier: { GREEN: e.XP_MULTIPLIER_GREEN, YELLOW: e.XP_MULTIPLIER_YELLOW, RED: e.XP_MULTIPLIER_RED },
    },
  };
}
