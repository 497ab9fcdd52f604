import { expect } from 'chai';
import { ConfigError, loadConfig } from '../src/config/config.js';

const GOOD_SECRET = 'x'.repeat(32);

/** Runs loadConfig on an explicit env object and returns the ConfigError it throws (fails if none). */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return error as ConfigError;
  }
  expect.fail(`loadConfig(${JSON.stringify(env)}) should have thrown a ConfigError`);
}

describe('config (src/config/config.ts)', () => {
  describe('defaults from an empty environment', () => {
    it('applies every documented default', () => {
      const config = loadConfig({});
      expect(config).to.deep.include({
        env: 'development',
        port: 3000,
        host: '127.0.0.1',
        role: 'all',
        databaseUrl: undefined,
        dataDir: './data',
        dbPoolMax: 10,
        admin: undefined,
        passwordHashCost: 15,
        logLevel: 'info',
        bodyLimitBytes: 64 * 1024,
        trustProxy: false,
        shutdownTimeoutMs: 10_000,
        idempotencyTtlHours: 24,
      });
      expect(config.rateLimit).to.deep.equal({ windowMs: 60_000, max: 6000, loginMax: 60 });
      expect(config.realtime).to.deep.include({ maxBufferBytes: 16 * 1024, maxUnreadBytes: 4 * 1024 * 1024 });
      expect(config.metrics).to.deep.equal({
        flagIncrementMinutes: 6,
        greenMaxMinutes: 30,
        yellowMaxMinutes: 90,
        xpPerFlagMinute: 1,
        xpMultiplier: { GREEN: 1, YELLOW: 1.2, RED: 1.5 },
      });
    });

    it('uses a development JWT secret (flagged as such) with a 12 h TTL', () => {
      const { jwt } = loadConfig({});
      expect(jwt.usingDevelopmentSecret).to.equal(true);
      expect(jwt.secret.length).to.be.at.least(32);
      expect(jwt.ttlSeconds).to.equal(12 * 3600);
    });

    it('reads only the object passed in', () => {
      // Whatever the test process's own environment holds, an explicit {} gives the defaults.
      expect(loadConfig({}).port).to.equal(3000);
      expect(loadConfig({ PORT: '4321' }).port).to.equal(4321);
    });
  });

  describe('valid values are parsed and typed', () => {
    it('coerces numbers and booleans and keeps strings', () => {
      const config = loadConfig({
        NODE_ENV: 'production',
        PORT: '8080',
        HOST: '0.0.0.0',
        ROLE: 'worker',
        DATABASE_URL: 'postgres://user:pw@db:5432/benchline',
        DB_POOL_MAX: '25',
        ADMIN_USERNAME: 'root',
        ADMIN_PASSWORD: 'correct horse battery',
        JWT_SECRET: GOOD_SECRET,
        TRUST_PROXY: 'true',
        FLAG_INCREMENT_MINUTES: '15',
        FLAG_GREEN_MAX_MINUTES: '20',
        FLAG_YELLOW_MAX_MINUTES: '20',
        XP_PER_FLAG_MINUTE: '0.5',
        XP_MULTIPLIER_RED: '2',
      });
      expect(config).to.deep.include({
        env: 'production',
        port: 8080,
        host: '0.0.0.0',
        role: 'worker',
        databaseUrl: 'postgres://user:pw@db:5432/benchline',
        dbPoolMax: 25,
        admin: { username: 'root', password: 'correct horse battery' },
        trustProxy: true,
      });
      expect(config.jwt).to.deep.include({ secret: GOOD_SECRET, usingDevelopmentSecret: false });
      expect(config.metrics).to.deep.equal({
        flagIncrementMinutes: 15,
        greenMaxMinutes: 20,
        yellowMaxMinutes: 20,
        xpPerFlagMinute: 0.5,
        xpMultiplier: { GREEN: 1, YELLOW: 1.2, RED: 2 },
      });
    });

    it('accepts both postgres:// and postgresql:// URLs', () => {
      expect(loadConfig({ DATABASE_URL: 'postgresql://u@h:5432/d' }).databaseUrl).to.equal('postgresql://u@h:5432/d');
      expect(loadConfig({ DATABASE_URL: 'postgres://u@h/d' }).databaseUrl).to.equal('postgres://u@h/d');
    });

    it('accepts TRUST_PROXY=1 and TRUST_PROXY=0', () => {
      expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).to.equal(true);
      expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).to.equal(false);
    });

    it('accepts PORT at the 65535 limit', () => {
      expect(loadConfig({ PORT: '65535' }).port).to.equal(65535);
    });
  });

  describe('empty string means unset', () => {
    it('falls back to defaults for empty values', () => {
      const config = loadConfig({ PORT: '', ROLE: '', HOST: '', NODE_ENV: '', FLAG_INCREMENT_MINUTES: '', TRUST_PROXY: '' });
      expect(config).to.deep.include({ port: 3000, role: 'all', host: '127.0.0.1', env: 'development', trustProxy: false });
      expect(config.metrics.flagIncrementMinutes).to.equal(6);
    });

    it('an empty JWT_SECRET is "missing" in production', () => {
      expect(configError({ NODE_ENV: 'production', JWT_SECRET: '' }).message).to.include('JWT_SECRET');
    });

    it('an empty ADMIN_PASSWORD leaves ADMIN_USERNAME alone → error', () => {
      expect(configError({ ADMIN_USERNAME: 'root', ADMIN_PASSWORD: '' }).message).to.include('ADMIN_PASSWORD');
    });

    it('empty ADMIN_USERNAME and ADMIN_PASSWORD → no admin, no error', () => {
      expect(loadConfig({ ADMIN_USERNAME: '', ADMIN_PASSWORD: '' }).admin).to.equal(undefined);
    });

    it('an empty DATABASE_URL is unset rather than an invalid URL', () => {
      expect(loadConfig({ DATABASE_URL: '' }).databaseUrl).to.equal(undefined);
    });
  });

  describe('invalid values throw a ConfigError naming the variable', () => {
    const cases: Array<[string, Record<string, string>, string[]]> = [
      ['PORT=abc', { PORT: 'abc' }, ['PORT']],
      ['PORT=70000', { PORT: '70000' }, ['PORT']],
      ['PORT=-1', { PORT: '-1' }, ['PORT']],
      ['PORT=80.5', { PORT: '80.5' }, ['PORT']],
      ['ROLE=foo', { ROLE: 'foo' }, ['ROLE']],
      ['NODE_ENV=staging', { NODE_ENV: 'staging' }, ['NODE_ENV']],
      ['FLAG_YELLOW_MAX_MINUTES below green', { FLAG_GREEN_MAX_MINUTES: '30', FLAG_YELLOW_MAX_MINUTES: '29' }, ['FLAG_YELLOW_MAX_MINUTES', 'FLAG_GREEN_MAX_MINUTES']],
      ['FLAG_YELLOW_MAX_MINUTES below the default green', { FLAG_YELLOW_MAX_MINUTES: '10' }, ['FLAG_YELLOW_MAX_MINUTES']],
      ['FLAG_INCREMENT_MINUTES=0', { FLAG_INCREMENT_MINUTES: '0' }, ['FLAG_INCREMENT_MINUTES']],
      ['XP_PER_FLAG_MINUTE=0', { XP_PER_FLAG_MINUTE: '0' }, ['XP_PER_FLAG_MINUTE']],
      ['XP_MULTIPLIER_RED=-1', { XP_MULTIPLIER_RED: '-1' }, ['XP_MULTIPLIER_RED']],
      ['DATABASE_URL=mysql://x', { DATABASE_URL: 'mysql://x' }, ['DATABASE_URL']],
      ['DATABASE_URL=not a url', { DATABASE_URL: 'not a url' }, ['DATABASE_URL']],
      ['NODE_ENV=production without JWT_SECRET', { NODE_ENV: 'production' }, ['JWT_SECRET']],
      ['short JWT_SECRET', { JWT_SECRET: 'x'.repeat(31) }, ['JWT_SECRET']],
      ['ADMIN_USERNAME without ADMIN_PASSWORD', { ADMIN_USERNAME: 'root' }, ['ADMIN_USERNAME', 'ADMIN_PASSWORD']],
      ['ADMIN_PASSWORD without ADMIN_USERNAME', { ADMIN_PASSWORD: 'long enough pw' }, ['ADMIN_USERNAME', 'ADMIN_PASSWORD']],
      ['ADMIN_PASSWORD too short', { ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'short' }, ['ADMIN_PASSWORD']],
      ['TRUST_PROXY=yes', { TRUST_PROXY: 'yes' }, ['TRUST_PROXY']],
      ['LOG_LEVEL=verbose', { LOG_LEVEL: 'verbose' }, ['LOG_LEVEL']],
      ['PASSWORD_HASH_COST=21', { PASSWORD_HASH_COST: '21' }, ['PASSWORD_HASH_COST']],
      ['SOCKET_MAX_UNREAD_BYTES=1023', { SOCKET_MAX_UNREAD_BYTES: '1023' }, ['SOCKET_MAX_UNREAD_BYTES']],
      ['SOCKET_MAX_UNREAD_BYTES=4MB', { SOCKET_MAX_UNREAD_BYTES: '4MB' }, ['SOCKET_MAX_UNREAD_BYTES']],
    ];
    for (const [label, env, names] of cases) {
      it(label, () => {
        const error = configError(env);
        expect(error.name).to.equal('ConfigError');
        expect(error.message).to.match(/^Invalid configuration:/);
        // The issue is reported under one of the named variables, as "  NAME: message".
        expect(error.message).to.match(new RegExp(`^  (${names.join('|')}): `, 'm'));
        for (const name of names) expect(error.message).to.include(name);
      });
    }

    it('accepts a 32-character JWT_SECRET (the limit)', () => {
      expect(loadConfig({ JWT_SECRET: GOOD_SECRET }).jwt.secret).to.equal(GOOD_SECRET);
    });

    it('accepts FLAG_YELLOW_MAX_MINUTES equal to the green limit', () => {
      expect(loadConfig({ FLAG_GREEN_MAX_MINUTES: '45', FLAG_YELLOW_MAX_MINUTES: '45' }).metrics.yellowMaxMinutes).to.equal(45);
    });

    it('names every bad variable when several are wrong', () => {
      const { message } = configError({ PORT: 'abc', ROLE: 'foo', DATABASE_URL: 'mysql://x' });
      for (const name of ['PORT', 'ROLE', 'DATABASE_URL']) expect(message).to.match(new RegExp(`^  ${name}: `, 'm'));
    });

    it('reports cross-variable rules together with type errors', () => {
      const { message } = configError({ PORT: 'abc', NODE_ENV: 'production' });
      expect(message).to.match(/^  PORT: /m);
      expect(message).to.match(/^  JWT_SECRET: /m);
    });

    it('treats whitespace-only values as unset and refuses non-decimal numbers', () => {
      expect(loadConfig({ PORT: '   ', HOST: '  ' })).to.include({ port: 3000, host: '127.0.0.1' });
      expect(configError({ PORT: '0x1F90' }).message).to.match(/^  PORT: /m);
    });

    it('refuses a postgres URL without a host', () => {
      expect(configError({ DATABASE_URL: 'postgres:x' }).message).to.match(/^  DATABASE_URL: /m);
    });

    it('is an Error subclass', () => {
      const error = configError({ PORT: 'abc' });
      expect(error).to.be.instanceOf(Error);
    });
  });
});
