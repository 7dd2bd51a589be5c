/**
 * The chat limits (1.3), in one place: the server enforces them, the web
 * client checks a text before sending it. Their own module, as version.ts,
 * so the browser bundle can import them without the schemas. Text is
 * measured in UTF-8 bytes; the rate is a token bucket per socket: CHAT_BURST
 * messages at once, refilled at CHAT_PER_SECOND.
 */
export const CHAT_MAX_BYTES = 2048;
export const CHAT_BURST = 10;
export const CHAT_PER_SECOND = 2;
