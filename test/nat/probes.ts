/**
 * What a client behind a router can see of the world: its NAT's mapping and
 * filtering behaviour (RFC 5780, measured by coturn's turnutils_natdiscovery)
 * and whether a TCP connection gets out.
 */
import { SERVER_IP, type HomeName, type NatLab } from './lab.js';
import { CLASSIFIER_PORT } from './services.js';

export interface NatBehaviour {
  /** e.g. "Endpoint Independent", "Address and Port Dependent"; undefined when the test got no answer. */
  mapping: string | undefined;
  filtering: string | undefined;
  /** natdiscovery's own report, for failure messages. */
  output: string;
}

/** Runs natdiscovery's mapping and filtering tests from the home's client against the classifier. */
export async function discoverNat(lab: NatLab, home: HomeName): Promise<NatBehaviour> {
  const result = await lab.exec(
    lab.clientNs(home),
    '/usr/bin/turnutils_natdiscovery',
    ['-m', '-f', '-p', String(CLASSIFIER_PORT), SERVER_IP],
    {
      timeoutMs: 60_000,
    },
  );
  const output = `${result.stdout}${result.stderr}`;
  return {
    mapping: /NAT with (.+?) Mapping!/.exec(output)?.[1],
    filtering: /NAT with (.+?) Filtering!/.exec(output)?.[1],
    output,
  };
}

export type TcpOutcome = 'open' | 'refused' | 'timeout';

/**
 * Opens a TCP connection from inside `ns`: `open`, `refused` (the packet got
 * there and nobody listens: the path is open), or `timeout` (dropped on the way).
 */
export async function tcpProbe(
  lab: NatLab,
  ns: string,
  host: string,
  port: number,
  timeoutMs = 3_000,
): Promise<TcpOutcome> {
  const script = `
    const socket = require('node:net').connect(${port}, '${host}');
    socket.setTimeout(${timeoutMs}, () => { process.stdout.write('timeout'); process.exit(0); });
    socket.on('connect', () => { process.stdout.write('open'); process.exit(0); });
    socket.on('error', (error) => {
      process.stdout.write(error.code === 'ECONNREFUSED' ? 'refused' : String(error.code));
      process.exit(0);
    });`;
  const result = await lab.exec(ns, process.execPath, ['-e', script], { timeoutMs: timeoutMs + 10_000 });
  if (result.stdout !== 'open' && result.stdout !== 'refused' && result.stdout !== 'timeout') {
    throw new Error(`TCP probe to ${host}:${port} from ${ns} failed: ${result.stdout} ${result.stderr}`);
  }
  return result.stdout;
}
