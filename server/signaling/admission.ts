/**
 * Whether a `GET /ws` may be upgraded, decided before the upgrade so a
 * refusal is an ordinary HTTP error with a stable code: not while shutting
 * down, only for an allowed site, below the server's connection limit, and
 * within the client address's share. Cheapest and most general checks first.
 */
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { judgeSite, siteRefusal } from '../origin.js';
import {
  OverBudgetError,
  ServerFullError,
  ShuttingDownError,
  TooManyConnectionsError,
  TooManyUpgradesError,
} from '../errors.js';
import { logRefusal, type Refusals } from '../refusals.js';
import type { AddressBook, UpgradeRefusal } from './addresses.js';
import type { SignalingMetrics } from './metrics.js';

/**
 * One error each, made once: a flooding address is refused thousands of times
 * a second, and an error's stack trace costs more than the rest of the refusal.
 */
const ADDRESS_REFUSALS: Record<UpgradeRefusal, Error> = {
  address: new TooManyConnectionsError(),
  'over-budget': new OverBudgetError(),
  upgrades: new TooManyUpgradesError(),
};

export interface AdmissionParts {
  config: Config;
  /** How many sockets are open now. */
  connections: () => number;
  addresses: AddressBook;
  metrics: SignalingMetrics;
  refusals: Refusals;
}

export class Admission {
  private closing = false;

  constructor(private readonly parts: AdmissionParts) {}

  /** From now on every upgrade is refused: the server is telling its peers it is going. */
  close(): void {
    this.closing = true;
  }

  /** Throws the refusal for `request`, or returns having taken one upgrade from its address's budget. */
  check(request: FastifyRequest): void {
    const { config, metrics, refusals } = this.parts;
    if (this.closing) {
      metrics.refused('shutting-down');
      throw new ShuttingDownError();
    }
    const { origin, host } = request.headers;
    const verdict = judgeSite(config, origin, host);
    if (verdict !== 'ok') {
      metrics.refused(verdict);
      logRefusal(refusals, request.log, request.ip, `${verdict} not allowed`);
      throw siteRefusal(verdict, origin, host);
    }
    if (this.parts.connections() >= config.maxConnections) {
      metrics.refused('capacity');
      throw new ServerFullError();
    }
    const refusal = this.parts.addresses.admit(request.ip);
    if (refusal !== undefined) {
      metrics.refused(refusal);
      logRefusal(refusals, request.log, request.ip, refusal);
      throw ADDRESS_REFUSALS[refusal];
    }
  }
}
