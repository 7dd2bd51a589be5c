/** Kept for the test helpers that open the relay's transports from here; new code imports turn/client. */
export { TransportError, openTransport, type FrameTransport, type TlsOptions } from '../../turn/client/index.js';
