/**
 * What runs in the lab's public namespace, as real processes: the signaling
 * server (server/main.ts), the bundled relay (turn/main.ts), Debian's coturn
 * with the shipped infra/coturn/turnserver.conf, and a plain RFC 5780 STUN
 * server that turnutils_natdiscovery classifies the routers against.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { metric } from '../helpers/metrics-text.js';
import { HOMES, RELAY_IP, SERVER_IP, type NatLab } from './lab.js';
import { must, type LabProcess } from './shell.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TURNSERVER = '/usr/bin/turnserver';
export const SECRET = 'nat-lab-secret-0123456789abcdef';
/** The server listens on 443 too: the corporate network lets nothing else out. */
export const SERVER_PORT = 443;
export const SERVER_ORIGIN = `http://${SERVER_IP}:${SERVER_PORT}`;
export const TURN_PORT = 3478;
const RELAY_METRICS_PORT = 9641;
/** The classifying STUN server's ports (and the next one up), apart from the relays'. */
export const CLASSIFIER_PORT = 3488;

/**
 * The routers' public addresses: the only peers the relays may reach, since
 * the deny list refuses documentation ranges.
 */
const ROUTER_ADDRESSES = Object.values(HOMES).map((home) => home.wan);

function node(lab: NatLab, script: string, env: Record<string, string>): LabProcess {
  return lab.start(lab.publicNs, process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
}

export interface Service {
  process: LabProcess;
  stop(): Promise<void>;
}

/** The signaling server on 203.0.113.1:443, serving web/dist, handing out `ice` as its ICE servers. */
export async function startSignaling(lab: NatLab, ice: { STUN_URLS?: string; TURN_URLS?: string }): Promise<Service> {
  const server = node(lab, 'server/main.ts', {
    HOST: SERVER_IP,
    PORT: String(SERVER_PORT),
    STATIC_DIR: join(ROOT, 'web/dist'),
    LOG_LEVEL: 'info',
    SHUTDOWN_GRACE_MS: '1000',
    ...(ice.TURN_URLS === undefined ? {} : { TURN_SECRET: SECRET }),
    ...ice,
  });
  await server.waitFor(new RegExp(`Server listening at ${SERVER_ORIGIN.replaceAll('.', '\\.')}`), 30_000);
  return { process: server, stop: () => server.stop() };
}

export interface Relay extends Service {
  /** A sample of the relay's Prometheus metrics, read from inside the public namespace. */
  metric(series: string): Promise<number>;
}

export interface RelayOptions {
  /** Where it listens and relays from. */
  address: string;
  /** TURN over UDP and TCP. */
  port: number;
  /** TURN over TLS, with a certificate naming `address`. */
  tls?: { port: number; cert: string; key: string };
}

/** A bundled relay (turn/main.ts) on one of the public addresses. */
export async function startBundledRelay(lab: NatLab, { address, port, tls }: RelayOptions): Promise<Relay> {
  const relay = node(lab, 'turn/main.ts', {
    TURN_SECRET: SECRET,
    TURN_LISTEN_HOST: address,
    // The IPv4 lab: no IPv6 listener, whose default (every IPv6 address) two relays in one namespace would share.
    TURN_LISTEN_HOST6: 'off',
    TURN_PORT: String(port),
    ...(tls === undefined ? {} : { TURN_TLS_PORT: String(tls.port), TURN_TLS_CERT: tls.cert, TURN_TLS_KEY: tls.key }),
    TURN_RELAY_ADDRESS: address,
    TURN_MIN_PORT: '49152',
    TURN_MAX_PORT: '49999',
    TURN_ALLOWED_PEERS: ROUTER_ADDRESSES.map((router) => `${router}/32`).join(','),
    TURN_METRICS_HOST: address,
    TURN_METRICS_PORT: String(RELAY_METRICS_PORT),
    LOG_LEVEL: 'info',
  });
  await relay.waitFor(/TURN relay listening/, 30_000);
  return {
    process: relay,
    stop: () => relay.stop(),
    metric: async (series) => {
      const fetchMetrics =
        `fetch('http://${address}:${RELAY_METRICS_PORT}/metrics')` +
        '.then((r) => r.text()).then((t) => process.stdout.write(t))';
      const text = await must('ip', ['netns', 'exec', lab.publicNs, process.execPath, '-e', fetchMetrics]);
      return metric(text, series);
    },
  };
}

/**
 * Debian's coturn on 203.0.113.1:3478 with the shipped configuration. The
 * routers' addresses are exempted from its deny list in a copy of the file,
 * after it (coturn honours peer rules only from a configuration file).
 */
export async function startCoturn(lab: NatLab, tls: { cert: string; key: string }): Promise<Service> {
  const shipped = await readFile(join(ROOT, 'infra/coturn/turnserver.conf'), 'utf8');
  const config = join(lab.dir, 'coturn.conf');
  const peers = ROUTER_ADDRESSES.map((address) => `allowed-peer-ip=${address}\n`).join('');
  await writeFile(config, `${shipped}\n# NAT lab only: the routers' public addresses are peers.\n${peers}`);
  const coturn = lab.start(lab.publicNs, TURNSERVER, [
    '-c',
    config,
    `--static-auth-secret=${SECRET}`,
    `--listening-ip=${SERVER_IP}`,
    `--relay-ip=${SERVER_IP}`,
    `--listening-port=${TURN_PORT}`,
    `--cert=${tls.cert}`,
    `--pkey=${tls.key}`,
    `--userdb=${join(lab.dir, 'coturn.db')}`,
    `--pidfile=${join(lab.dir, 'coturn.pid')}`,
    '--no-dtls',
  ]);
  await untilStunAnswers(lab, coturn, SERVER_IP, TURN_PORT);
  return { process: coturn, stop: () => coturn.stop() };
}

/**
 * A STUN server with RFC 5780 (NAT behaviour discovery): coturn answering on
 * both public addresses, each on two ports, so that CHANGE-REQUEST and
 * OTHER-ADDRESS work. Not the shipped configuration, which turns RFC 5780 off.
 */
export async function startClassifier(lab: NatLab): Promise<Service> {
  const classifier = lab.start(lab.publicNs, TURNSERVER, [
    '-n',
    `--listening-ip=${SERVER_IP}`,
    `--listening-ip=${RELAY_IP}`,
    `--listening-port=${CLASSIFIER_PORT}`,
    `--alt-listening-port=${CLASSIFIER_PORT + 1}`,
    '--stun-only',
    '--no-auth',
    '--no-tls',
    '--no-dtls',
    '--no-cli',
    '--log-file=stdout',
    `--userdb=${join(lab.dir, 'classifier.db')}`,
    `--pidfile=${join(lab.dir, 'classifier.pid')}`,
  ]);
  await untilStunAnswers(lab, classifier, SERVER_IP, CLASSIFIER_PORT);
  return { process: classifier, stop: () => classifier.stop() };
}

/** Polls with coturn's own STUN client (which waits forever for an answer, hence the short timeout). */
async function untilStunAnswers(lab: NatLab, server: LabProcess, address: string, port: number): Promise<void> {
  for (let attempt = 0; attempt < 60; attempt++) {
    if (server.child.exitCode !== null)
      throw new Error(`turnserver exited (${server.child.exitCode}):\n${server.output().slice(-4000)}`);
    const probe = await lab.exec(lab.publicNs, '/usr/bin/turnutils_stunclient', ['-p', String(port), address], {
      timeoutMs: 1_000,
    });
    if (probe.code === 0 && /reflexive addr/.test(probe.stdout + probe.stderr)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`turnserver did not answer STUN on ${address}:${port}:\n${server.output().slice(-4000)}`);
}

/**
 * A throwaway certificate for the bundled relay's TURN over TLS, naming its
 * address, and the SHA-256 of its public key for Chromium's
 * --ignore-certificate-errors-spki-list (trust this one key, nothing else).
 */
export async function relayCertificate(
  lab: NatLab,
  address: string,
): Promise<{ cert: string; key: string; spki: string }> {
  const cert = join(lab.dir, 'relay-cert.pem');
  const key = join(lab.dir, 'relay-key.pem');
  await must('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=nat-lab relay',
    '-addext',
    `subjectAltName=IP:${address}`,
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  const publicKey = new X509Certificate(await readFile(cert)).publicKey.export({ type: 'spki', format: 'der' });
  return { cert, key, spki: createHash('sha256').update(publicKey).digest('base64') };
}
