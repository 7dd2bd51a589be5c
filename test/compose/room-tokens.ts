/**
 * Room tokens for a stack in ROOM_ACCESS=token mode, made the two ways
 * docs/deploy.md tells an operator to: with the bundled profile an HS256
 * secret in .env and links minted by the app container's own tool
 * (`docker compose exec app node dist/tools/token.js … --link`); with the
 * coturn profile a site's ES256 public key in infra/keys/ (mounted into the
 * app) and tokens the "site" signs with its private key.
 */
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeKeyPair, publicPem, seconds, signToken } from '../helpers/tokens.js';
import { ROOT, type ComposeStack } from './compose.js';

export interface StackTokens {
  /** What goes into the stack's .env. */
  env: Record<string, string>;
  /** A room link `<origin>/r/<room>?token=…` for `name`, valid for ten minutes. */
  link(stack: ComposeStack, origin: string, room: string, name: string): Promise<string>;
  /** A well-formed token the stack must refuse, and the reason it must give. */
  refused(): Promise<{ token: string; reason: string }>;
  /** Removes what was written into the checkout. */
  cleanup(): Promise<void>;
}

const TTL_SECONDS = 600;

export function tokenOf(link: string): string {
  const token = new URL(link).searchParams.get('token');
  if (token === null) throw new Error(`no token in ${link}`);
  return token;
}

export async function stackTokens(profile: 'bundled' | 'coturn'): Promise<StackTokens> {
  return profile === 'bundled' ? secretTokens() : publicKeyTokens();
}

function secretTokens(): StackTokens {
  return {
    env: { ROOM_TOKEN_SECRET: randomBytes(48).toString('base64') },
    async link(stack, origin, room, name) {
      const args = ['--room', room, '--name', name, '--ttl', `${TTL_SECONDS}s`, '--link', origin];
      const output = await stack.runOk(['exec', '-T', 'app', 'node', 'dist/tools/token.js', ...args]);
      const link = output.trim().split('\n').at(-1) ?? '';
      if (!link.startsWith(`${origin}/r/${room}?token=`)) throw new Error(`token.js printed no room link: ${output}`);
      return link;
    },
    async refused() {
      const token = await signToken(
        { room: 'any', exp: seconds() + TTL_SECONDS },
        { secret: randomBytes(48).toString('base64') },
      );
      return { token, reason: 'bad-signature' };
    },
    cleanup: async () => undefined,
  };
}

async function publicKeyTokens(): Promise<StackTokens> {
  const site = await makeKeyPair('ES256', 'site-1');
  // The compose file mounts infra/keys at the same relative path in the app container; git ignores the file.
  const file = `infra/keys/compose-test-${randomBytes(4).toString('hex')}.pem`;
  await writeFile(join(ROOT, file), `# kid: site-1\n${await publicPem(site)}`, { mode: 0o644 });
  return {
    env: { ROOM_TOKEN_PUBLIC_KEYS: file },
    async link(_stack, origin, room, name) {
      const token = await signToken({ room, name, iat: seconds(), exp: seconds() + TTL_SECONDS }, site);
      return `${origin}/r/${room}?token=${token}`;
    },
    async refused() {
      const stranger = await makeKeyPair('ES256', 'site-2');
      return { token: await signToken({ room: 'any', exp: seconds() + TTL_SECONDS }, stranger), reason: 'unknown-key' };
    },
    cleanup: () => rm(join(ROOT, file), { force: true }),
  };
}
