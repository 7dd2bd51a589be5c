/**
 * HTTP errors, defined once with stable codes. Handlers and hooks throw them;
 * the error handler in app.ts turns them into `{ code, message }` bodies.
 */
import createError from '@fastify/error';

export const OriginNotAllowedError = createError<[string]>(
  'VC_ERR_ORIGIN_NOT_ALLOWED',
  'origin %s is not allowed; add it to ALLOWED_ORIGINS',
  403,
);
export const HostNotAllowedError = createError<[string]>(
  'VC_ERR_HOST_NOT_ALLOWED',
  'host %s is not a name this server answers to; set PUBLIC_URL to the URL users open (e.g. https://calls.example.com)',
  403,
);
export const ServerFullError = createError(
  'VC_ERR_SERVER_FULL',
  'the server is at its connection limit; try again later',
  503,
);
export const TooManyConnectionsError = createError(
  'VC_ERR_TOO_MANY_CONNECTIONS',
  'too many connections from this address; close some and try again',
  429,
);
export const TooManyUpgradesError = createError(
  'VC_ERR_TOO_MANY_UPGRADES',
  'too many connection attempts from this address; wait a minute and try again',
  429,
);
export const OverBudgetError = createError(
  'VC_ERR_OVER_BUDGET',
  'this address has sent more than its share of data; wait a moment and try again',
  429,
);
export const ShuttingDownError = createError(
  'VC_ERR_SHUTTING_DOWN',
  'the server is shutting down; try again shortly',
  503,
);
export const UpgradeRequiredError = createError('VC_ERR_UPGRADE_REQUIRED', 'this endpoint speaks WebSocket only', 426);
