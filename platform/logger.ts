// Structured JSON logs in production, readable lines in a terminal.
import { pino, type Logger } from 'pino';

export function createLogger(level: string, name = 'tenure'): Logger {
  const pretty = process.stdout.isTTY && !process.env.CI;
  return pino({
    name,
    level,
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss' } } } : {}),
  });
}

export type { Logger };
