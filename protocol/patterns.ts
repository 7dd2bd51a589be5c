/**
 * The string formats of the protocol, as JSON-schema patterns. Their own
 * module so the browser bundle can check names without the schemas.
 */

/** Room names: what may appear in a URL path segment without escaping. */
export const ROOM_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
/** Display names: 1–64 UTF-16 units, no control characters. */
export const NAME_PATTERN = '^[^\\u0000-\\u001f\\u007f]{1,64}$';
/** Peer ids are issued by the server; clients only echo them back. */
export const PEER_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
/** Resume tokens are issued by the server in `welcome`; opaque to clients. */
export const RESUME_PATTERN = '^[A-Za-z0-9_.-]{1,160}$';
