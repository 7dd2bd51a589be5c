/**
 * The lab is what it claims: each router variant, classified from behind it
 * by coturn's turnutils_natdiscovery (RFC 5780) against a STUN server on the
 * public namespace's two addresses, and the corporate firewall probed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOMES, NatLab, RELAY_IP, SERVER_IP, type HomeName } from './lab.js';
import { discoverNat, tcpProbe, type NatBehaviour } from './probes.js';
import { CLASSIFIER_PORT, startClassifier } from './services.js';

let lab: NatLab | undefined;
const behaviour = new Map<HomeName, NatBehaviour>();

beforeAll(async () => {
  lab = await NatLab.build();
  await startClassifier(lab);
  // The routers are independent: classify them all at once (each run waits out its own filtering timeouts).
  const homes = Object.keys(HOMES) as HomeName[];
  const results = await Promise.all(homes.map((home) => discoverNat(requireLab(), home)));
  homes.forEach((home, i) => behaviour.set(home, results[i] as NatBehaviour));
});
afterAll(async () => {
  await lab?.teardown();
});

function requireLab(): NatLab {
  if (lab === undefined) throw new Error('the NAT lab was not built');
  return lab;
}

function classified(home: HomeName): NatBehaviour {
  const result = behaviour.get(home);
  if (result === undefined) throw new Error(`${home} was not classified`);
  return result;
}

describe('the routers, classified by turnutils_natdiscovery', () => {
  it.each(['cone-a', 'cone-b'] as const)('%s maps endpoint-independently (cone) and filters statefully', (home) => {
    const { mapping, filtering, output } = classified(home);
    expect({ mapping, filtering }, output).toEqual({
      mapping: 'Endpoint Independent',
      filtering: 'Address and Port Dependent',
    });
  });

  it.each(['sym-a', 'sym-b'] as const)(
    '%s maps per destination address and port (symmetric) and filters statefully',
    (home) => {
      const { mapping, filtering, output } = classified(home);
      expect({ mapping, filtering }, output).toEqual({
        mapping: 'Address and Port Dependent',
        filtering: 'Address and Port Dependent',
      });
    },
  );

  it('the corporate router lets no UDP out: STUN gets no answer at all', () => {
    const { mapping, filtering, output } = classified('corp');
    expect({ mapping, filtering }, output).toEqual({ mapping: undefined, filtering: undefined });
    expect(output).toMatch(/timeout/i);
  });
});

describe('the corporate firewall', () => {
  it('lets TCP to port 443 out, and drops TCP to any other port', async () => {
    const corp = requireLab().clientNs('corp');
    // Nothing listens on 443 here: "refused" means the SYN crossed the firewall and the public side answered.
    expect(await tcpProbe(requireLab(), corp, RELAY_IP, 443)).toBe('refused');
    expect(await tcpProbe(requireLab(), corp, SERVER_IP, CLASSIFIER_PORT)).toBe('timeout');
  });

  it('is the only one that does: from a cone home the same TCP port is open', async () => {
    expect(await tcpProbe(requireLab(), requireLab().clientNs('cone-a'), SERVER_IP, CLASSIFIER_PORT)).toBe('open');
  });
});
