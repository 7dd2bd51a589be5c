/**
 * ROOM_TOKEN_PUBLIC_KEYS: the file of public keys that room tokens signed
 * with ES256 or EdDSA are checked against, read once at start. The file is
 * either a JWKS (`{"keys": [...]}`, each key's `kid` naming it) or PEM
 * blocks, each named by a `# kid: <name>` line before it. A key is chosen by
 * the token's `kid`; a file of one key may leave it unnamed, and then tokens
 * without a `kid` use it. Problems name the file and the key, never its bytes.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The asymmetric algorithms a room token may use; HS256 is the secret's alone. */
export type PublicAlgorithm = 'ES256' | 'EdDSA';

export interface PublicKey {
  kid: string | undefined;
  alg: PublicAlgorithm;
  key: KeyObject;
}

export interface PublicKeys {
  file: string;
  keys: PublicKey[];
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
const KID_LINE = /^#\s*kid:\s*(\S+)\s*$/;

/** The keys in `file`, or the problems with it, each a phrase completing "ROOM_TOKEN_PUBLIC_KEYS …". */
export function readPublicKeys(file: string): { value: PublicKeys } | { problems: string[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { problems: [`names a file that cannot be read: ${file} (${(error as NodeJS.ErrnoException).code})`] };
  }
  const parsed = text.trimStart().startsWith('{') ? fromJwks(text) : fromPem(text);
  const problems = 'problems' in parsed ? parsed.problems : checkNames(parsed.keys);
  if (problems.length > 0) return { problems: problems.map((problem) => `file ${file}: ${problem}`) };
  return { value: { file, keys: (parsed as { keys: PublicKey[] }).keys } };
}

function fromJwks(text: string): { keys: PublicKey[] } | { problems: string[] } {
  let set: unknown;
  try {
    set = JSON.parse(text);
  } catch {
    return { problems: ['is not valid JSON (a JWKS is {"keys": [...]})'] };
  }
  const jwks = (set as { keys?: unknown }).keys;
  if (!Array.isArray(jwks)) return { problems: ['is JSON but not a JWKS: it needs a "keys" array'] };
  const keys: PublicKey[] = [];
  const problems: string[] = [];
  jwks.forEach((jwk: JsonWebKey & { kid?: unknown; alg?: unknown }, index) => {
    const label = typeof jwk.kid === 'string' ? `key "${jwk.kid}"` : `key #${index + 1}`;
    if (typeof jwk !== 'object' || jwk === null) return problems.push(`${label} is not a JWK object`);
    if (jwk.d !== undefined) return problems.push(`${label} is a private key; list only public keys`);
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk, format: 'jwk' });
    } catch {
      return problems.push(`${label} is not a valid public JWK`);
    }
    const alg = algorithmOf(key);
    if (alg === undefined) return problems.push(`${label} is neither a P-256 (ES256) nor an Ed25519 (EdDSA) key`);
    if (jwk.alg !== undefined && jwk.alg !== alg && !(alg === 'EdDSA' && jwk.alg === 'Ed25519')) {
      return problems.push(`${label} says "alg": ${JSON.stringify(jwk.alg)}, but it is an ${alg} key`);
    }
    keys.push({ kid: typeof jwk.kid === 'string' ? jwk.kid : undefined, alg, key });
  });
  return problems.length > 0 ? { problems } : { keys };
}

function fromPem(text: string): { keys: PublicKey[] } | { problems: string[] } {
  const keys: PublicKey[] = [];
  const problems: string[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const before = text.slice(0, match.index).trimEnd().split('\n').at(-1) ?? '';
    const kid = KID_LINE.exec(before.trim())?.[1];
    const label = kid === undefined ? `PEM block #${keys.length + problems.length + 1}` : `key "${kid}"`;
    if (match[1]?.includes('PRIVATE') === true) {
      problems.push(`${label} is a private key; list only public keys`);
      continue;
    }
    let key: KeyObject;
    try {
      key = createPublicKey(match[0]);
    } catch {
      problems.push(`${label} is not a valid PEM public key`);
      continue;
    }
    const alg = algorithmOf(key);
    if (alg === undefined) problems.push(`${label} is neither a P-256 (ES256) nor an Ed25519 (EdDSA) key`);
    else keys.push({ kid, alg, key });
  }
  if (keys.length + problems.length === 0) {
    return { problems: ['holds no key: expected PEM public keys ("-----BEGIN PUBLIC KEY-----") or a JWKS'] };
  }
  return problems.length > 0 ? { problems } : { keys };
}

function checkNames(keys: PublicKey[]): string[] {
  const problems: string[] = [];
  if (keys.length === 0) problems.push('holds no key');
  if (keys.length > 1 && keys.some((key) => key.kid === undefined)) {
    problems.push('holds several keys, so each needs a kid (a "kid" member, or a "# kid: <name>" line before a PEM)');
  }
  const kids = keys.flatMap((key) => (key.kid === undefined ? [] : [key.kid]));
  for (const kid of new Set(kids.filter((kid, index) => kids.indexOf(kid) !== index))) {
    problems.push(`names two keys "${kid}"; each kid must be unique`);
  }
  return problems;
}

function algorithmOf(key: KeyObject): PublicAlgorithm | undefined {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  return undefined;
}
