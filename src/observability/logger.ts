import pino, { type Logger } from 'pino';

/** JSON logs on stdout; secrets in headers and bodies are redacted. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'benchline' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'password', '*.password', 'secret', '*.secret'],
      censor: '[redacted]',
    },
  });
}
