import type { LoggerService } from '@nestjs/common';

/** Collects every log line of an app, so tests can assert what it announces and what it never writes. */
export class CaptureLogger implements LoggerService {
  readonly lines: { level: string; context?: string; message: string }[] = [];

  log(message: unknown, context?: string): void {
    this.push('log', message, context);
  }
  warn(message: unknown, context?: string): void {
    this.push('warn', message, context);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.push('error', [message, ...rest].map(String).join(' '), undefined);
  }
  debug(message: unknown, context?: string): void {
    this.push('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.push('verbose', message, context);
  }

  get text(): string {
    return this.lines.map((line) => `${line.level} [${line.context ?? ''}] ${line.message}`).join('\n');
  }

  private push(level: string, message: unknown, context?: string): void {
    this.lines.push({ level, context, message: typeof message === 'string' ? message : JSON.stringify(message) });
  }
}
