/**
 * The ICE test page (/ice-test): lists this deployment's STUN/TURN URLs with
 * fresh credentials (and a countdown to their expiry) plus the operator's
 * own servers, runs the test, and shows it live: a candidate table and a
 * verdict per URL, relay loopback round trips, a summary at the top, and
 * the JSON report. No external resources, so it works on an offline LAN. A
 * server in token mode hands out its servers only for a room token, which
 * the page sends as `Authorization: Bearer …` (from its field or `?token=`).
 */
import { parseIceUrl } from '../../protocol/ice-url.js';
import type { Verdict } from '../../protocol/ice-verdicts.js';
import type { CandidateErrorRow, CandidateRow } from '../ice-test/gather.js';
import type { LoopbackResult } from '../ice-test/loopback.js';
import { runIceTest, type IceTestReport, type RunReport } from '../ice-test/run.js';
import {
  fetchDeploymentServers,
  loadCustomServers,
  saveCustomServers,
  type DeploymentServers,
  type TestServer,
} from '../ice-test/servers.js';

const GATHER_TIMEOUT_MS = 10_000;
const LOOPBACK_TIMEOUT_MS = 20_000;
const PINGS = 20;
/** Fetch new credentials before a run when the current ones have less than this left. */
const REFRESH_MARGIN_MS = 60_000;

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

let deployment: DeploymentServers = { servers: [], ttl: 0 };
let custom = loadCustomServers();
let deploymentError: string | undefined;
const rows = new Map<number, { candidates: HTMLTableSectionElement; head: HTMLElement; article: HTMLElement }>();

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

async function refreshCredentials(): Promise<void> {
  try {
    deployment = await fetchDeploymentServers($<HTMLInputElement>('#token').value.trim());
    deploymentError = undefined;
  } catch (error) {
    deploymentError = error instanceof Error ? error.message : String(error);
    deployment = { servers: [], ttl: 0 };
  }
  renderServers();
}

/** `/ice-test?token=…` fills the token field, and the token leaves the address bar (and the history). */
function takeTokenFromLink(): void {
  const params = new URLSearchParams(location.search);
  const token = params.get('token');
  if (token === null) return;
  $<HTMLInputElement>('#token').value = token;
  params.delete('token');
  const rest = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
}

function renderServers(): void {
  const list = $('#servers');
  list.replaceChildren(
    ...deployment.servers.map((server) =>
      h(
        'li',
        {},
        h('code', {}, server.url),
        h('span', { class: 'muted' }, server.username === undefined ? 'no credentials' : 'this deployment'),
      ),
    ),
    ...custom.map((server, index) => {
      const remove = h('button', { type: 'button', 'aria-label': `Remove ${server.url}` }, 'Remove');
      remove.addEventListener('click', () => {
        custom = custom.filter((_, i) => i !== index);
        saveCustomServers(custom);
        renderServers();
      });
      return h(
        'li',
        {},
        h('code', {}, server.url),
        h('span', { class: 'muted' }, server.username === undefined ? 'custom' : `custom · ${server.username}`),
        remove,
      );
    }),
  );
  renderCountdown();
  $<HTMLButtonElement>('#run').disabled = document.body.dataset.state === 'running' || allServers().length === 0;
}

function renderCountdown(): void {
  const text = $('#credentials');
  $('#refresh').hidden = deployment.expiresAt === undefined;
  if (deploymentError !== undefined) {
    const failure = `This deployment's servers could not be loaded: ${deploymentError.replace(/\.?$/, '.')}`;
    text.textContent = `${failure} Custom servers can still be tested.`;
  } else if (deployment.expiresAt === undefined) {
    text.textContent =
      deployment.servers.length === 0
        ? 'This deployment hands out no STUN or TURN servers.'
        : 'This deployment hands out no TURN credentials (STUN only).';
  } else {
    const left = Math.max(0, Math.round((deployment.expiresAt - Date.now()) / 1000));
    const clock = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
    text.textContent = `Fresh credentials from /api/ice-servers: ${left > 0 ? `they expire in ${clock}` : 'expired'}.`;
  }
}

function allServers(): TestServer[] {
  return [...deployment.servers, ...custom];
}

function badge(verdict: Verdict | undefined): HTMLElement {
  return verdict === undefined
    ? h('span', { class: 'badge', 'data-level': 'running' }, 'testing…')
    : h('span', { class: 'badge', 'data-level': verdict.level }, verdict.text);
}

const CANDIDATE_COLUMNS = [
  'ms',
  'type',
  'foundation',
  'protocol',
  'address',
  'port',
  'priority',
  'URL',
  'relayProtocol',
];

function startRun(index: number, server: TestServer): void {
  const candidates = h('tbody');
  const head = h('div', { class: 'run-head' }, h('code', {}, server.url), badge(undefined));
  const article = h(
    'article',
    { class: 'run', 'data-url': server.url },
    head,
    h(
      'div',
      { class: 'table-wrap' },
      h('table', {}, h('thead', {}, h('tr', {}, ...CANDIDATE_COLUMNS.map((name) => h('th', {}, name)))), candidates),
    ),
  );
  rows.set(index, { candidates, head, article });
  $('#runs').append(article);
}

function addCandidate(index: number, row: CandidateRow): void {
  const priority = `${row.priority} (${row.typePreference} | ${row.localPreference} | ${row.component})`;
  const cells = [
    row.ms,
    row.type,
    row.foundation,
    row.protocol,
    row.address,
    row.port ?? '',
    priority,
    row.url,
    row.relayProtocol,
  ];
  rows.get(index)?.candidates.append(h('tr', {}, ...cells.map((cell) => h('td', {}, String(cell)))));
}

function addCandidateError(index: number, row: CandidateErrorRow): void {
  rows
    .get(index)
    ?.candidates.append(
      h(
        'tr',
        { class: 'error' },
        h('td', {}, String(row.ms)),
        h('td', { colspan: '8' }, `error ${row.code} ${row.text} (${row.url})`),
      ),
    );
}

function endRun(index: number, run: RunReport): void {
  const view = rows.get(index);
  if (view === undefined) return;
  view.head.lastElementChild?.replaceWith(badge(run.verdict));
  view.head.append(h('span', { class: 'muted' }, `${run.candidates.length} candidates, ${run.durationMs} ms`));
  if (run.verdict.hint !== undefined)
    view.article.insertBefore(h('p', { class: 'hint' }, run.verdict.hint), view.head.nextSibling);
}

function addLoopback(result: LoopbackResult): void {
  $('#loopback').hidden = false;
  const cells = [
    result.transport,
    result.url,
    result.connected ? 'yes' : `no${result.error === undefined ? '' : ` — ${result.error}`}`,
    result.connectMs === undefined ? '' : `${result.connectMs} ms`,
    result.rtt === undefined ? '' : `${result.rtt.medianMs} ms`,
    result.rtt === undefined ? '' : `${result.rtt.p95Ms} ms`,
    result.path === undefined ? '' : `${result.path.local} ↔ ${result.path.remote} (${result.path.protocol})`,
  ];
  $('#loopback-rows').append(
    h('tr', result.connected ? {} : { class: 'error' }, ...cells.map((cell) => h('td', {}, cell))),
  );
}

function showReport(report: IceTestReport): void {
  const summary = $('#summary');
  summary.dataset.level = report.summary.level;
  summary.textContent = report.summary.text;
  const json = JSON.stringify(report, null, 2);
  $('#report-json').textContent = json;
  $('#report').hidden = false;
  $('#copy').onclick = () => void navigator.clipboard.writeText(json).then(() => ($('#copy').textContent = 'Copied'));
  $('#download').onclick = () => {
    const link = h('a', {
      href: URL.createObjectURL(new Blob([json], { type: 'application/json' })),
      download: `ice-test-${report.startedAt.replaceAll(':', '-')}.json`,
    });
    link.click();
    URL.revokeObjectURL(link.href);
  };
}

async function run(): Promise<void> {
  document.body.dataset.state = 'running';
  $<HTMLButtonElement>('#run').disabled = true;
  if (deployment.expiresAt !== undefined && deployment.expiresAt - Date.now() < REFRESH_MARGIN_MS)
    await refreshCredentials();
  rows.clear();
  $('#runs').replaceChildren();
  $('#loopback-rows').replaceChildren();
  $('#loopback').hidden = true;
  $('#report').hidden = true;
  const summary = $('#summary');
  summary.dataset.level = 'idle';
  summary.textContent = 'Testing…';
  const policy =
    document.querySelector<HTMLInputElement>('input[name="policy"]:checked')?.value === 'relay' ? 'relay' : 'all';
  try {
    const report = await runIceTest(
      allServers(),
      {
        policy,
        gatherTimeoutMs: GATHER_TIMEOUT_MS,
        loopbackTimeoutMs: LOOPBACK_TIMEOUT_MS,
        pings: PINGS,
        ...(deployment.expiresAt === undefined ? {} : { credentialsExpireAt: deployment.expiresAt }),
      },
      {
        onRunStart: startRun,
        onCandidate: addCandidate,
        onCandidateError: addCandidateError,
        onRunEnd: endRun,
        onLoopbackStart: (server) => (summary.textContent = `Relay loopback through ${server.url}…`),
        onLoopbackEnd: addLoopback,
      },
    );
    showReport(report);
  } finally {
    document.body.dataset.state = 'done';
    renderServers();
  }
}

$('#add-server').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const data = new FormData(form);
  const url = String(data.get('url') ?? '').trim();
  const input = form.elements.namedItem('url') as HTMLInputElement;
  if (parseIceUrl(url) === undefined) {
    input.setCustomValidity('Write it as stun:host:port, turn:host:port?transport=udp|tcp or turns:host:port');
    input.reportValidity();
    return;
  }
  input.setCustomValidity('');
  const username = String(data.get('username') ?? '').trim();
  const credential = String(data.get('credential') ?? '');
  custom = [...custom, { url, origin: 'custom', ...(username === '' ? {} : { username, credential }) }];
  saveCustomServers(custom);
  form.reset();
  renderServers();
});
$('#token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void refreshCredentials();
});
$('#run').addEventListener('click', () => void run());
$('#refresh').addEventListener('click', () => void refreshCredentials());
setInterval(renderCountdown, 1000);
takeTokenFromLink();
void refreshCredentials();
