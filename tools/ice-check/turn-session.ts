/**
 * ice-check's former session, as the relay's test helpers still construct
 * it: a TurnClient given its credentials and timeout positionally. New code
 * uses turn/client directly.
 */
import { TurnClient, type Credentials, type FrameTransport } from '../../turn/client/index.js';

export class TurnSession extends TurnClient {
  constructor(transport: FrameTransport, credentials: Credentials | undefined, timeoutMs: number) {
    super(transport, { ...(credentials === undefined ? {} : { credentials }), timeoutMs });
  }
}
