export {
  ClientClosedError,
  NoAnswerError,
  StunErrorResponse,
  expectSuccess,
  methodName,
  responseCode,
} from './errors.js';
export {
  StunSession,
  buildRequest,
  type AddAttributes,
  type Credentials,
  type LongTermAuth,
  type SessionOptions,
} from './session.js';
export {
  TransportError,
  openTransport,
  udpSocketTransport,
  type FrameTransport,
  type ServerTarget,
  type TlsOptions,
} from './transport.js';
export {
  TurnClient,
  type AllocateOptions,
  type Allocation,
  type ClientOptions,
  type DataListener,
  requestedFamily,
} from './turn-client.js';
