/**
 * The relay's TLS certificate and key: found by their source (two files, or
 * Caddy's storage: see caddy-storage.ts), checked before use, found and read
 * again whenever the source changes (a renewed certificate is picked up
 * without a restart), and watched for expiry. A pair that cannot be used
 * (missing, unreadable, not PEM, key not matching) never stops the relay:
 * UDP and TCP carry on, TLS keeps the last good pair (or fails handshakes
 * until there is one), and the log says what is wrong. `context` is what
 * each new TLS connection is served with.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Logger } from 'pino';

/** How long before expiry the relay starts warning, once a day. */
export const EXPIRY_WARNING_MS = 14 * 86_400_000;
const DAY_MS = 86_400_000;

export interface CertificatePaths {
  cert: string;
  key: string;
}

/** Where the pair comes from. */
export interface CertificateSource {
  /** Changes whenever what `locate` finds may have changed; cheap (file metadata only). */
  stamp(): Promise<string>;
  /** The pair to load now, or why there is none yet. */
  locate(): Promise<CertificatePaths | { missing: string }>;
  /** For log lines: where the relay looks. */
  readonly where: Record<string, string>;
}

/** TURN_TLS_CERT and TURN_TLS_KEY: changed when either file is replaced or rewritten (renewals rename a new one in). */
export function certificateFiles(paths: CertificatePaths): CertificateSource {
  return {
    where: { cert: paths.cert, key: paths.key },
    stamp: async () => (await Promise.all([paths.cert, paths.key].map(fileStamp))).join('|'),
    locate: () => Promise.resolve(paths),
  };
}

/** Size, inode and modification time, or why there is no file. */
export function fileStamp(path: string): Promise<string> {
  return stat(path).then(
    (s) => `${s.ino}:${s.size}:${s.mtimeMs}`,
    (error: NodeJS.ErrnoException) => `missing:${error.code ?? ''}`,
  );
}

export type LoadedPair =
  { ok: true; cert: Buffer; key: Buffer; notAfter: Date; subject: string } | { ok: false; problem: string };

/** Reads and checks a pair; never throws. */
export async function loadPair(paths: CertificatePaths): Promise<LoadedPair> {
  let cert: Buffer;
  let key: Buffer;
  try {
    [cert, key] = await Promise.all([readFile(paths.cert), readFile(paths.key)]);
  } catch (error) {
    return { ok: false, problem: `cannot read the certificate or key: ${(error as Error).message}` };
  }
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    return { ok: false, problem: `the certificate (${paths.cert}) is not PEM` };
  }
  try {
    if (!x509.checkPrivateKey(createPrivateKey(key)))
      return { ok: false, problem: `the key (${paths.key}) does not match the certificate` };
    createSecureContext({ cert, key });
  } catch (error) {
    return {
      ok: false,
      problem: `the key (${paths.key}) is not a usable private key: ${(error as Error).message}`,
    };
  }
  return { ok: true, cert, key, notAfter: new Date(x509.validTo), subject: describe(x509) };
}

/**
 * How often the source is checked while no usable pair is in use (a new
 * deployment waiting for Caddy's first certificate, say), when the interval
 * is longer: TLS should start within seconds of the pair appearing.
 */
export const WAITING_INTERVAL_MS = 2_000;

export class CertificateWatcher {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private stamp = '';
  private notAfter: Date | undefined;
  private lastExpiryWarning = -Infinity;
  private checking: Promise<void> | undefined;
  private current: SecureContext | undefined;
  private problem = '';

  constructor(
    private readonly source: CertificateSource,
    private readonly log: Logger,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Loads the pair now (TLS starts with it, or with none), then checks the
   * source every interval: every WAITING_INTERVAL_MS at most while there is
   * no usable pair yet.
   */
  async start(): Promise<void> {
    await this.check();
    this.schedule();
  }

  /** The context new TLS connections are served with; undefined until a usable pair is found. */
  get context(): SecureContext | undefined {
    return this.current;
  }

  /** When the certificate in use expires (Unix seconds), if one is in use. */
  get expiry(): number | undefined {
    return this.notAfter === undefined ? undefined : Math.floor(this.notAfter.getTime() / 1000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.checking;
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay = this.current === undefined ? Math.min(this.intervalMs, WAITING_INTERVAL_MS) : this.intervalMs;
    this.timer = setTimeout(() => void this.check().then(() => this.schedule()), delay);
    this.timer.unref();
  }

  /** One check at a time: a slow disk must not stack them up. */
  private check(): Promise<void> {
    this.checking ??= this.reloadIfChanged().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async reloadIfChanged(): Promise<void> {
    const stamp = await this.source.stamp();
    if (stamp !== this.stamp) {
      this.stamp = stamp;
      const found = await this.source.locate();
      const pair = 'missing' in found ? ({ ok: false, problem: found.missing } as const) : await loadPair(found);
      if (pair.ok) {
        this.current = createSecureContext({ cert: pair.cert, key: pair.key });
        this.notAfter = pair.notAfter;
        this.lastExpiryWarning = -Infinity;
        this.problem = '';
        this.log.info(
          { ...this.source.where, subject: pair.subject, notAfter: pair.notAfter.toISOString() },
          'TLS certificate loaded',
        );
      } else if (pair.problem !== this.problem) {
        // A source that changes without curing the problem (Caddy writing other names) says it once.
        this.problem = pair.problem;
        this.log.error(
          { ...this.source.where, problem: pair.problem },
          this.notAfter === undefined
            ? 'TLS unavailable until a usable certificate and key are in place'
            : 'TLS certificate not reloaded; keeping the previous one',
        );
      }
    }
    this.warnOfExpiry();
  }

  private warnOfExpiry(): void {
    if (this.notAfter === undefined) return;
    const now = this.now();
    const left = this.notAfter.getTime() - now;
    if (left > EXPIRY_WARNING_MS || now - this.lastExpiryWarning < DAY_MS) return;
    this.lastExpiryWarning = now;
    const fields = { ...this.source.where, notAfter: this.notAfter.toISOString() };
    if (left <= 0)
      this.log.error(fields, 'TLS certificate has expired: TURN over TLS fails for browsers until it is renewed');
    else this.log.warn({ ...fields, daysLeft: Math.floor(left / DAY_MS) }, 'TLS certificate expires soon');
  }
}

/**
 * Who a certificate is for, for the log: its subject, or its names when the
 * subject is empty, as in certificates from Caddy's local CA and Let's
 * Encrypt's profiles without a common name (node then has no subject at all).
 */
function describe(x509: X509Certificate): string {
  const subject = (x509.subject as string | undefined)?.replaceAll('\n', ', ');
  return subject !== undefined && subject !== '' ? subject : (x509.subjectAltName ?? '(no subject, no names)');
}
