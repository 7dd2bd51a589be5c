/**
 * This machine's addresses, read from its interfaces: what the relay must
 * never be a way into, and where it relays from when nothing is configured.
 * A module of its own so that the launcher can check the relay's
 * configuration without loading the relay.
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** Every address of this machine. */
export function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .map((entry) => entry?.address)
    .filter((address): address is string => address !== undefined);
}

/** `TURN_RELAY_ADDRESS` when unset: the first non-loopback IPv4 address, else loopback. */
export function defaultRelayAddress(): string {
  return localAddresses().find((address) => address.includes('.') && !address.startsWith('127.')) ?? '127.0.0.1';
}

/**
 * `TURN_RELAY_ADDRESS6` when unset: the first IPv6 address that is neither
 * loopback nor link-local (a link-local address needs a zone and reaches no
 * one off the link), else none, and IPv6 allocations are refused (440).
 */
export function defaultRelayAddress6(addresses = localAddresses()): string | undefined {
  return addresses.find((address) => isIP(address) === 6 && address !== '::1' && !/^fe[89ab]/i.test(address));
}
