/**
 * Log lines that clients can cause, one per packet at worst: at most
 * `perWindow` lines of each message per window, the rest counted, and the
 * next line that gets through says how many were left out. Metrics count
 * every occurrence; this only keeps a flood of packets from turning into a
 * flood of log (20 000 packets once made 11.9 MiB of stack traces).
 */
import type { Logger } from 'pino';

interface Window {
  start: number;
  written: number;
  suppressed: number;
}

type Level = 'debug' | 'info' | 'warn' | 'error';

export class ThrottledLog {
  /** By message: the messages are the code's own constants, so this stays small. */
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly log: Logger,
    private readonly perWindow = 10,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  debug(fields: object, msg: string): void {
    this.write('debug', fields, msg);
  }

  warn(fields: object, msg: string): void {
    this.write('warn', fields, msg);
  }

  error(fields: object, msg: string): void {
    this.write('error', fields, msg);
  }

  private write(level: Level, fields: object, msg: string): void {
    if (!this.log.isLevelEnabled(level)) return;
    const now = this.now();
    let window = this.windows.get(msg);
    if (window === undefined || now - window.start >= this.windowMs) {
      window = { start: now, written: 0, suppressed: window?.suppressed ?? 0 };
      this.windows.set(msg, window);
    }
    if (window.written >= this.perWindow) {
      window.suppressed += 1;
      return;
    }
    window.written += 1;
    const suppressed = window.suppressed;
    window.suppressed = 0;
    this.log[level](suppressed > 0 ? { ...fields, suppressed } : fields, msg);
  }
}
