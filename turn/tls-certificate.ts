/**
 * The relay's TLS certificate and key: read from their files, checked before
 * use, read again whenever the files change (a renewed certificate is picked
 * up without a restart), and watched for expiry. A pair that cannot be used
 * (missing, unreadable, not PEM, key not matching) never stops the relay:
 * UDP and TCP carry on, TLS keeps the last good pair (or fails handshakes
 * until there is one), and the log says what is wrong.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createSecureContext, type Server as TlsServer } from 'node:tls';
import type { Logger } from 'pino';

/** How long before expiry the relay starts warning, once a day. */
export const EXPIRY_WARNING_MS = 14 * 86_400_000;
const DAY_MS = 86_400_000;

export interface CertificatePaths {
  cert: string;
  key: string;
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
    return { ok: false, problem: `TURN_TLS_CERT (${paths.cert}) is not a PEM certificate` };
  }
  try {
    if (!x509.checkPrivateKey(createPrivateKey(key)))
      return { ok: false, problem: `TURN_TLS_KEY (${paths.key}) does not match the certificate` };
    createSecureContext({ cert, key });
  } catch (error) {
    return {
      ok: false,
      problem: `TURN_TLS_KEY (${paths.key}) is not a usable private key: ${(error as Error).message}`,
    };
  }
  return { ok: true, cert, key, notAfter: new Date(x509.validTo), subject: x509.subject.replaceAll('\n', ', ') };
}

export class CertificateWatcher {
  private timer: NodeJS.Timeout | undefined;
  private stamp = '';
  private notAfter: Date | undefined;
  private lastExpiryWarning = -Infinity;
  private checking: Promise<void> | undefined;

  constructor(
    private readonly paths: CertificatePaths,
    private readonly server: TlsServer,
    private readonly log: Logger,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Loads the pair now (the server starts with it, or with none), then checks the files every interval. */
  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  /** When the certificate in use expires (Unix seconds), if one is in use. */
  get expiry(): number | undefined {
    return this.notAfter === undefined ? undefined : Math.floor(this.notAfter.getTime() / 1000);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.checking;
  }

  /** One check at a time: a slow disk must not stack them up. */
  private check(): Promise<void> {
    this.checking ??= this.reloadIfChanged().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async reloadIfChanged(): Promise<void> {
    const stamp = await this.fileStamp();
    if (stamp !== this.stamp) {
      this.stamp = stamp;
      const pair = await loadPair(this.paths);
      if (pair.ok) {
        this.server.setSecureContext({ cert: pair.cert, key: pair.key });
        this.notAfter = pair.notAfter;
        this.lastExpiryWarning = -Infinity;
        this.log.info({ subject: pair.subject, notAfter: pair.notAfter.toISOString() }, 'TLS certificate loaded');
      } else {
        this.log.error(
          { problem: pair.problem, cert: this.paths.cert, key: this.paths.key },
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
    const fields = { notAfter: this.notAfter.toISOString(), cert: this.paths.cert };
    if (left <= 0)
      this.log.error(fields, 'TLS certificate has expired: TURN over TLS fails for browsers until it is renewed');
    else this.log.warn({ ...fields, daysLeft: Math.floor(left / DAY_MS) }, 'TLS certificate expires soon');
  }

  /** Changes when either file is replaced or rewritten (renewals usually rename a new file into place). */
  private async fileStamp(): Promise<string> {
    const stamps = await Promise.all(
      [this.paths.cert, this.paths.key].map((path) =>
        stat(path).then(
          (s) => `${s.ino}:${s.size}:${s.mtimeMs}`,
          (error: NodeJS.ErrnoException) => `missing:${error.code ?? ''}`,
        ),
      ),
    );
    return stamps.join('|');
  }
}
