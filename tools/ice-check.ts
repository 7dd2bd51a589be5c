/**
 * `npm run ice-check -- <server URL>`: the ICE test page's twin for an
 * operator on SSH. Fetches fresh credentials from the server (showing it a
 * room token when it runs ROOM_ACCESS=token), or mints them from TURN_SECRET
 * for URLs given with --url; judges every STUN/TURN URL alone, prints one
 * line per URL, and exits 1 when any of them fails.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseIceUrl } from '../protocol/ice-url.js';
import { worstLevel } from '../protocol/ice-verdicts.js';
import { fromSecret, fromServer, type CheckPlan } from './ice-check/credentials.js';
import { probe, type ProbeResult } from './ice-check/probe.js';

const USAGE = `Usage:
  npm run ice-check -- <server URL> [options]          check the URLs a server hands to browsers
  npm run ice-check -- --url <turn:…> [--url …] [options]   check relays directly; the secret comes
                                                       from --secret or the TURN_SECRET variable
Options:
  --token <jwt>   a room token (for any room) for a server with ROOM_ACCESS=token; or set ICE_CHECK_TOKEN,
                  which keeps it out of the process list
  --json          print the full report as JSON
  --timeout <ms>  how long to wait for each answer (default 5000)
  --pings <n>     packets sent through each relay and back (default 10)
  --ca <file>     trust this CA certificate (PEM) for turns: URLs
  --insecure      accept any certificate for turns: URLs
Exit status: 0 all URLs work, 1 one or more failed, 2 the check could not start.`;

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    process.stderr.write(`ice-check: ${(error as Error).message}\n\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  const { values, positionals } = args;
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const timeoutMs = positiveInteger(values.timeout, 5000);
  const pings = positiveInteger(values.pings, 10);
  if (
    timeoutMs === undefined ||
    pings === undefined ||
    (positionals.length === 0) === (values.url === undefined) ||
    positionals.length > 1
  ) {
    process.stderr.write(`${USAGE}\n`);
    return EXIT_USAGE;
  }

  const token = values.token?.trim() || env.ICE_CHECK_TOKEN?.trim() || undefined;
  if (values.token !== undefined && positionals.length === 0) {
    process.stderr.write(`ice-check: --token is for a server URL; with --url the secret makes the credentials\n`);
    return EXIT_USAGE;
  }

  let plan: CheckPlan;
  try {
    if (positionals[0] !== undefined) {
      plan = await fromServer(positionals[0], timeoutMs, token);
    } else {
      const secret = values.secret ?? env.TURN_SECRET;
      if (secret === undefined || secret === '')
        throw new Error('checking URLs directly needs the shared secret: --secret or TURN_SECRET');
      plan = fromSecret(secret, values.url ?? [], 600);
    }
  } catch (error) {
    process.stderr.write(`ice-check: ${(error as Error).message}\n`);
    return EXIT_USAGE;
  }

  const tls = {
    ...(values.insecure === true ? { insecure: true } : {}),
    ...(values.ca === undefined ? {} : { ca: readFileSync(values.ca, 'utf8') }),
  };
  const results: ProbeResult[] = [];
  const invalid: string[] = [];
  let noRelay = true;
  for (const url of plan.urls) {
    const parsed = parseIceUrl(url);
    if (parsed === undefined) {
      invalid.push(url);
      continue;
    }
    if (parsed.relay) noRelay = false;
    results.push(await probe(parsed, plan.credentials, { timeoutMs, pings, tls }));
  }
  const level = noRelay || invalid.length > 0 ? 'fail' : worstLevel(results.map((result) => result.verdict.level));

  if (values.json === true) {
    process.stdout.write(
      `${JSON.stringify({ source: plan.source, ttl: plan.ttl, level, results, invalid }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(report(plan, results, invalid, noRelay));
  }
  return level === 'fail' ? EXIT_FAILED : 0;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string', multiple: true },
      secret: { type: 'string' },
      token: { type: 'string' },
      json: { type: 'boolean' },
      timeout: { type: 'string' },
      pings: { type: 'string' },
      ca: { type: 'string' },
      insecure: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function positiveInteger(text: string | undefined, fallback: number): number | undefined {
  if (text === undefined) return fallback;
  const value = Number(text);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

function report(plan: CheckPlan, results: ProbeResult[], invalid: string[], noRelay: boolean): string {
  const validity = plan.ttl === undefined ? '' : `, credentials valid ${plan.ttl} s`;
  const lines = [`ice-check: ${plan.urls.length} URL(s) from ${plan.source}${validity}`, ''];
  const width = Math.max(...results.map((result) => result.url.length), 10);
  for (const result of results) {
    const label = { ok: 'OK  ', warn: 'WARN', fail: 'FAIL' }[result.verdict.level];
    const details = [
      result.relayed === undefined ? undefined : `relay ${result.relayed}`,
      result.mapped === undefined ? undefined : `public ${result.mapped}`,
      result.rtt === undefined
        ? undefined
        : `${result.rtt.received}/${result.rtt.sent} back, ` +
          `rtt median ${result.rtt.median} ms, max ${result.rtt.max} ms`,
      result.error === undefined
        ? undefined
        : `${result.error.method} → ${result.error.code} ${result.error.reason}`.trim(),
    ].filter((detail) => detail !== undefined);
    const detailed = details.length > 0 ? ` (${details.join('; ')})` : '';
    lines.push(`  ${label}  ${result.url.padEnd(width)}  ${result.verdict.text}${detailed}`);
    if (result.verdict.level !== 'ok' && result.verdict.hint !== undefined)
      lines.push(`        ${result.verdict.hint}`);
  }
  for (const url of invalid) lines.push(`  FAIL  ${url}  not a STUN or TURN URL`);
  if (noRelay)
    lines.push(
      '  FAIL  no TURN URL is configured: calls behind symmetric NAT or UDP-blocking firewalls will fail ' +
        '(set TURN_URLS and TURN_SECRET)',
    );
  const failed =
    results.filter((result) => result.verdict.level === 'fail').length + invalid.length + (noRelay ? 1 : 0);
  lines.push('', failed === 0 ? `All ${results.length} URL(s) work.` : `${failed} problem(s) found.`, '');
  return lines.join('\n');
}

process.exitCode = await main(process.argv.slice(2), process.env);
