/** The signaling protocol version. Its own module so the browser bundle can import it without the schemas. */
export const PROTOCOL_VERSION = 1;
