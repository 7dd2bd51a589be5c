/** How a request can fail, each its own class so callers can tell "refused" from "unreachable". */
import { Attr, MessageClass, Method } from '../codec/constants.js';
import { getAttribute, type StunMessage } from '../codec/message.js';
import { readErrorCode } from '../codec/attributes.js';

/** A response that was not a success: the STUN error code and reason the server sent. */
export class StunErrorResponse extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    readonly reason: string,
    readonly response: StunMessage,
  ) {
    super(`${method}: ${code} ${reason}`.trim());
  }
}

/** No response at all, after every retransmission. */
export class NoAnswerError extends Error {}

/** The client was closed, or its connection ended, while the request waited. */
export class ClientClosedError extends Error {}

/** The RFC's name of a method, e.g. "CreatePermission". */
export function methodName(method: number): string {
  return Object.entries(Method).find(([, value]) => value === method)?.[0] ?? `method 0x${method.toString(16)}`;
}

/** The error code of a response, 200 for a success, 0 for an error response without a readable code. */
export function responseCode(message: StunMessage): number {
  if (message.cls === MessageClass.SuccessResponse) return 200;
  const value = getAttribute(message, Attr.ErrorCode);
  if (value === undefined) return 0;
  try {
    return readErrorCode(value).code;
  } catch {
    return 0;
  }
}

/** Throws StunErrorResponse unless `response` is a success. */
export function expectSuccess(method: number, response: StunMessage): StunMessage {
  if (response.cls === MessageClass.SuccessResponse) return response;
  const value = getAttribute(response, Attr.ErrorCode);
  let reason: string;
  try {
    reason = value === undefined ? '' : readErrorCode(value).reason;
  } catch {
    reason = 'unreadable ERROR-CODE';
  }
  throw new StunErrorResponse(methodName(method), responseCode(response), reason, response);
}
