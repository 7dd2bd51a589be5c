/**
 * The compose layout on a VPS with one public address, as native processes
 * in a namespace of its own on the lab's wan bridge (NatLab.addHost), each
 * started from the shipped files as docker-compose.yml starts its service:
 *
 * ```
 *   203.0.113.4:443   HAProxy, infra/router/haproxy.cfg (the `router` service)
 *     SNI turn.calls.internal ─PROXY v2─▶ 127.0.0.1:5349  bundled relay, turn/main.ts (`turn`)
 *     anything else ──────────PROXY v2─▶ 127.0.0.1:8443  Caddy, infra/proxy/Caddyfile (`proxy`)
 *                                           └─▶ 127.0.0.1:8080  signaling server, server/main.ts (`app`)
 *   203.0.113.4:3478  the relay's UDP and TCP; its relayed ports 49152-49999
 * ```
 *
 * The names are `*.internal`, for which Caddy issues both certificates from
 * its local CA (no ACME); the relay reads its own from Caddy's storage, as
 * compose shares the caddy-data volume. Clients map both names to the one
 * address (the browsers through a hosts file, see hostsFile; curl with
 * --resolve). Everything the host starts is the lab's, stopped by its
 * teardown.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOMES, type HomeName, type NatLab } from './lab.js';
import { run, type LabProcess } from './shell.js';
import { SECRET } from './services.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HAPROXY = '/usr/sbin/haproxy';

export const VPS_IP = '203.0.113.4';
export const DOMAIN = 'calls.internal';
export const TURN_DOMAIN = `turn.${DOMAIN}`;
export const ORIGIN = `https://${DOMAIN}`;
/** The one ICE server the app hands out: what a network that lets out only TCP 443 can use. */
export const TURN_URL = `turns:${TURN_DOMAIN}:443?transport=tcp`;
/** docker-compose.yml's defaults for the ports behind the router, on loopback. */
const CADDY_TLS_PORT = 8443;
const TURN_TLS_PORT = 5349;
const APP_PORT = 8080;
const TURN_PORT = 3478;
/** The relays may reach the routers' public addresses (the deny list refuses documentation ranges). */
const ROUTER_ADDRESSES = Object.values(HOMES).map((home) => home.wan);

export interface OneAddressHost {
  /** Their output, which the cases read as an operator reads `docker compose logs`. */
  router: LabProcess;
  caddy: LabProcess;
  relay: LabProcess;
  /** Caddy's local root CA (PEM file), which signed both certificates. */
  caCert: string;
  /** SHA-256 of each certificate's public key, for --ignore-certificate-errors-spki-list. */
  spki: { site: string; turn: string };
}

/** Builds the host on `lab` and starts everything on it, or throws saying what did not start. */
export async function startOneAddressHost(lab: NatLab): Promise<OneAddressHost> {
  const caddyBinary = await fetchCaddy();
  if (!existsSync(HAPROXY)) throw new Error(`${HAPROXY} is missing (apt-get install haproxy)`);
  const ns = await lab.addHost('vps', VPS_IP);
  const data = join(lab.dir, 'caddy-data');
  const config = join(lab.dir, 'caddy-config');
  await Promise.all([mkdir(data), mkdir(config)]);
  const env = (vars: Record<string, string>) => ({ PATH: process.env.PATH ?? '', HOME: lab.dir, ...vars });
  const node = (script: string, vars: Record<string, string>) =>
    lab.start(ns, process.execPath, ['--import', 'tsx', script], { cwd: ROOT, env: env(vars) });

  const app = node('server/main.ts', {
    HOST: '127.0.0.1',
    PORT: String(APP_PORT),
    STATIC_DIR: join(ROOT, 'web/dist'),
    LOG_LEVEL: 'info',
    SHUTDOWN_GRACE_MS: '1000',
    TRUST_PROXY: '1',
    PUBLIC_URL: ORIGIN,
    TURN_URLS: TURN_URL,
    TURN_SECRET: SECRET,
  });
  const caddy = lab.start(ns, caddyBinary, ['run', '--config', 'infra/proxy/Caddyfile', '--adapter', 'caddyfile'], {
    cwd: ROOT,
    env: env({
      XDG_DATA_HOME: data,
      XDG_CONFIG_HOME: config,
      DOMAIN,
      TURN_DOMAIN,
      CADDY_HTTPS_PORT: String(CADDY_TLS_PORT),
      APP_HOST: '127.0.0.1',
    }),
  });
  await Promise.all([
    app.waitFor(new RegExp(`Server listening at http://127\\.0\\.0\\.1:${APP_PORT}`), 30_000),
    ...[DOMAIN, TURN_DOMAIN].map((name) =>
      caddy.waitFor(
        new RegExp(`certificate obtained successfully.*"identifier":"${name.replaceAll('.', '\\.')}"`),
        30_000,
      ),
    ),
  ]);

  const relay = node('turn/main.ts', {
    TURN_SECRET: SECRET,
    TURN_PORT: String(TURN_PORT),
    TURN_TLS_PORT: String(TURN_TLS_PORT),
    // As docker-compose.yml: the router connects to the relay from 127.0.0.2 (infra/router/haproxy.cfg).
    TURN_PROXY_PROTOCOL_FROM: '127.0.0.2/32',
    TURN_TLS_CADDY_STORAGE: data,
    TURN_TLS_DOMAIN: TURN_DOMAIN,
    TURN_RELAY_ADDRESS: VPS_IP,
    TURN_MIN_PORT: '49152',
    TURN_MAX_PORT: '49999',
    TURN_ALLOWED_PEERS: ROUTER_ADDRESSES.map((address) => `${address}/32`).join(','),
    LOG_LEVEL: 'info',
  });
  const router = lab.start(ns, HAPROXY, ['-W', '-db', '-f', 'infra/router/haproxy.cfg'], {
    cwd: ROOT,
    env: env({
      HTTPS_PORT: '443',
      TURN_DOMAIN,
      TURN_TLS_PORT: String(TURN_TLS_PORT),
      CADDY_TLS_PORT: String(CADDY_TLS_PORT),
      TURN_RELAY: 'bundled',
    }),
  });
  await Promise.all([
    relay.waitFor(/TURN relay listening/, 30_000),
    relay.waitFor(/TLS certificate loaded/, 30_000),
    router.waitFor(/New worker .* forked/, 10_000),
  ]);

  const certificates = join(data, 'caddy/certificates/local');
  const keyHash = async (name: string) => {
    const cert = new X509Certificate(await readFile(join(certificates, name, `${name}.crt`)));
    return createHash('sha256')
      .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
      .digest('base64');
  };
  return {
    router,
    caddy,
    relay,
    caCert: join(data, 'caddy/pki/authorities/local/root.crt'),
    spki: { site: await keyHash(DOMAIN), turn: await keyHash(TURN_DOMAIN) },
  };
}

/** test/fetch-caddy.sh's answer: a Caddy new enough for the Caddyfile (2.7+), cached or fetched from Debian. */
async function fetchCaddy(): Promise<string> {
  const fetched = await run('bash', [join(ROOT, 'test/fetch-caddy.sh')], { timeoutMs: 120_000 });
  const path = fetched.stdout.trim().split('\n').pop() ?? '';
  if (fetched.code !== 0 || !existsSync(path))
    throw new Error(
      `the one-address host needs Caddy 2.7 or later, which test/fetch-caddy.sh could not provide ` +
        `(exit ${fetched.code}): ${fetched.stderr.trim()}`,
    );
  return path;
}

/**
 * A hosts file naming both names' one address, for the clients' browsers
 * (launchIn's `hosts`), as DNS would. Not --host-resolver-rules: Chromium
 * looks a TURN server's name up fully qualified (`turn.calls.internal.`,
 * with the dot), which those rules and a hosts line without the dot miss;
 * unanswered, WebRTC waits out the lab's unreachable DNS server (13 s here)
 * and only then connects by name.
 */
export async function hostsFile(lab: NatLab): Promise<string> {
  const path = join(lab.dir, 'hosts');
  await writeFile(path, `127.0.0.1 localhost\n${VPS_IP} ${DOMAIN} ${TURN_DOMAIN} ${TURN_DOMAIN}.\n`);
  return path;
}

/** `GET <path>` from a home's client through its router, checked against Caddy's CA: the status code. */
export async function httpsStatus(lab: NatLab, home: HomeName, caCert: string, path: string): Promise<number> {
  const fetched = await lab.exec(lab.clientNs(home), 'curl', [
    '--silent',
    '--show-error',
    '--max-time',
    '20',
    '--resolve',
    `${DOMAIN}:443:${VPS_IP}`,
    '--cacert',
    caCert,
    '--output',
    '/dev/null',
    '--write-out',
    '%{http_code}',
    `${ORIGIN}${path}`,
  ]);
  if (fetched.code !== 0) throw new Error(`curl ${ORIGIN}${path} from ${home} failed: ${fetched.stderr.trim()}`);
  return Number(fetched.stdout);
}

export interface AccessLogEntry {
  /** The client's address and port as Caddy saw them: the PROXY header's, behind the router. */
  remote_ip: string;
  remote_port: string;
  status: number;
}

/** Caddy's access-log entries (JSON lines) whose request URI starts with `uri`. */
export function accessLog(caddy: LabProcess, uri: string): AccessLogEntry[] {
  return caddy
    .output()
    .split('\n')
    .filter((line) => line.includes('"logger":"http.log.access'))
    .map(
      (line) =>
        JSON.parse(line) as { request: { remote_ip: string; remote_port: string; uri: string }; status: number },
    )
    .filter((entry) => entry.request.uri.startsWith(uri))
    .map(({ request: { remote_ip, remote_port }, status }) => ({ remote_ip, remote_port, status }));
}

export interface AllocationLogEntry {
  /** The client's address and port as the relay saw them: the PROXY header's, behind the router. */
  client: string;
  clientPort: number;
  transport: string;
}

/** The relay's 'allocation created' log lines: who holds each allocation, over which transport. */
export function allocations(relay: LabProcess): AllocationLogEntry[] {
  return relay
    .output()
    .split('\n')
    .filter((line) => line.includes('"msg":"allocation created"'))
    .map((line) => JSON.parse(line) as AllocationLogEntry);
}

/**
 * Resolves with the router's log line (haproxy.cfg: option tcplog, written
 * once a connection is routed) for the connection from `address`:`port`
 * that its frontend handed to `backend` (`relay/relay`, `caddy/caddy`).
 */
export function routedConnection(
  router: LabProcess,
  address: string,
  port: number | string,
  backend: string,
): Promise<string> {
  const escaped = address.replaceAll('.', '\\.');
  return router.waitFor(new RegExp(`^${escaped}:${port} \\[[^\\]]+\\] tls ${backend} `), 10_000);
}
