export * from './address.js';
export * from './attributes.js';
export * from './channel-data.js';
export * from './constants.js';
export * from './integrity.js';
export * from './message.js';
export type { BuildOptions } from './message-builder.js';
export * from './peer-indication.js';
export * from './stream-framer.js';
