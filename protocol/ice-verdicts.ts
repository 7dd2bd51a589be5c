/**
 * What a STUN/TURN URL's test result means, in the words an operator needs,
 * and what to do about it. One vocabulary for the ICE test page (judging
 * from what the browser gathered) and `npm run ice-check` (judging from the
 * protocol exchange itself), so both say the same thing for the same fault.
 */
import type { IceUrl } from './ice-url.js';

export type VerdictLevel = 'ok' | 'warn' | 'fail';

export interface Verdict {
  level: VerdictLevel;
  /** Short, e.g. "relay OK over UDP", "auth failed (401)", "not reachable". */
  text: string;
  /** The next step for the operator, when there is one. */
  hint?: string;
}

export function relayOk(url: IceUrl): Verdict {
  return { level: 'ok', text: `relay OK over ${url.transport}` };
}

export function stunOk(publicAddress: string | undefined): Verdict {
  return publicAddress === undefined
    ? {
        level: 'ok',
        text: 'STUN OK',
        hint: 'The server answered, and saw this device at its own address: there is no NAT between them.',
      }
    : { level: 'ok', text: 'STUN OK', hint: `This network's public address, as the server sees it: ${publicAddress}.` };
}

/** A TURN URL that answers STUN but gives no relay address. */
export function stunOnly(url: IceUrl): Verdict {
  return {
    level: 'warn',
    text: 'STUN only',
    hint:
      `${url.host}:${url.port} answers STUN but gave no relay address. ` +
      'Is it a TURN server, and does it take these credentials?',
  };
}

export function authFailed(code: number): Verdict {
  return {
    level: 'fail',
    text: `auth failed (${code})`,
    hint:
      "The relay refused the credentials. TURN_SECRET on the server must be the relay's secret " +
      "(coturn: static-auth-secret), and both machines' clocks must be right: " +
      'every credential carries its expiry time.',
  };
}

export function notReachable(url: IceUrl, detail?: string): Verdict {
  const where = `${url.host}:${url.port}`;
  const hint = {
    UDP:
      `Nothing answered over UDP at ${where}. ` +
      `Open UDP ${url.port} and the relay port range (UDP) in the server's firewall. ` +
      'If they are open, this network blocks UDP: a relay over TCP or TLS on 443 is what works from here.',
    TCP:
      `No TCP connection to ${where}. ` +
      `Open TCP ${url.port} in the server's firewall and check that the relay listens on it.`,
    TLS:
      `No TLS connection to ${where}. ` +
      `Open TCP ${url.port} in the server's firewall, check that the relay's TLS listener is on, ` +
      `and that its certificate is valid for ${url.host}.`,
  }[url.transport];
  return { level: 'fail', text: 'not reachable', hint: detail === undefined ? hint : `${detail}. ${hint}` };
}

/** Any other STUN error code a relay answers with. */
export function refused(code: number, reason: string): Verdict {
  const hints: Record<number, string> = {
    403:
      "The relay refused the request: its peer rules deny this address (the deny list, or the relay's own address). " +
      "Check TURN_ALLOWED_PEERS / coturn's denied-peer-ip.",
    437: 'The relay lost the allocation (it restarted, or the allocation expired).',
    486: 'The relay has as many allocations for this user as it allows (TURN_MAX_ALLOCATIONS_PER_USER / user-quota).',
    508:
      'The relay is out of relay ports or allocations ' +
      '(TURN_MIN_PORT–TURN_MAX_PORT, TURN_MAX_ALLOCATIONS / total-quota).',
  };
  return {
    level: 'fail',
    text: `refused (${code}${reason === '' ? '' : ` ${reason}`})`,
    ...(hints[code] === undefined ? {} : { hint: hints[code] }),
  };
}

/** The most severe level of several: what a summary shows. */
export function worstLevel(levels: Iterable<VerdictLevel>): VerdictLevel {
  let worst: VerdictLevel = 'ok';
  for (const level of levels) {
    if (level === 'fail') return 'fail';
    if (level === 'warn') worst = 'warn';
  }
  return worst;
}
