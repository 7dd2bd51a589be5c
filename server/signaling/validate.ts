/**
 * Turns one inbound text frame into a typed client message, or says exactly
 * what is wrong with it. Validators are compiled once, one per message type,
 * and the frame's `type` picks which one runs.
 */
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { ClientMessageSchemas, type ClientMessage } from '../../protocol/signaling.js';

const validators = new Map<string, TypeCheck<TSchema>>(
  Object.entries(ClientMessageSchemas).map(([type, schema]) => [type, TypeCompiler.Compile(schema)]),
);

export type Parsed = { ok: true; message: ClientMessage } | { ok: false; reason: string };

export function parseClientMessage(text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'frame is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'frame must be a JSON object' };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') return { ok: false, reason: 'frame has no string "type"' };
  const validator = validators.get(type);
  if (validator === undefined) return { ok: false, reason: `unknown message type "${type.slice(0, 32)}"` };
  if (!validator.Check(value)) {
    const first = validator.Errors(value).First();
    const where = first?.path === '' || first === undefined ? 'message' : first.path;
    return { ok: false, reason: `invalid "${type}": ${where}: ${first?.message ?? 'does not match the schema'}` };
  }
  return { ok: true, message: value as ClientMessage };
}
