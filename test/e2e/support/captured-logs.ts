import type { LoggerService } from '@nestjs/common';

export interface LogEntry {
  level: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
  message: string;
  context?: string;
}

/** Keeps what the app logs, so that tests assert it and `npm test` stays quiet. */
export class CapturedLogs implements LoggerService {
  entries: LogEntry[] = [];
  log(message: unknown, context?: string) {
    this.push('log', message, context);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.push('error', message, rest.at(-1) as string);
  }
  warn(message: unknown, context?: string) {
    this.push('warn', message, context);
  }
  debug(message: unknown, context?: string) {
    this.push('debug', message, context);
  }
  verbose(message: unknown, context?: string) {
    this.push('verbose', message, context);
  }
  fatal(message: unknown, context?: string) {
    this.push('fatal', message, context);
  }

  /** Warnings and errors since the last call, which are then forgotten. */
  takeProblems(): LogEntry[] {
    const problems = this.entries.filter((e) => e.level === 'warn' || e.level === 'error' || e.level === 'fatal');
    this.entries = [];
    return problems;
  }

  private push(level: LogEntry['level'], message: unknown, context?: string) {
    this.entries.push({ level, message: String(message), context });
  }
}
