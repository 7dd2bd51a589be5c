/**
 * Join → connected on loopback: two fresh browser contexts on a page of the
 * server's origin, the first joined and waiting alone in a fresh room, then
 * join() on the second, timed until both elements say `connected`.
 * Also what a call page downloads, seen from the browser.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { freshContext, waitForState } from '../../test/helpers/browser.js';
import { addCall, join, openPage, timeline } from './browser.js';
import { ROUND_TIMEOUT_MS } from './params.js';

export interface JoinRound {
  room: string;
  /** join() on the second page → both elements `connected`, ms. */
  totalMs: number;
  /** join() → the joiner's own `connected`, and the waiting side's, ms. */
  joinerMs: number;
  waiterMs: number;
  /** Each side's milestones (see browser.ts), ms after the joiner's join() call. */
  joinerSteps: Map<string, number>;
  waiterSteps: Map<string, number>;
}

export interface Download {
  url: string;
  status: number;
  encoding: string;
  /** Response body bytes as Chromium received them (compressed when the server sent .br or .gz). */
  bodyBytes: number;
}

/**
 * One timed round, bounded as a whole by ROUND_TIMEOUT_MS: on time-out its
 * contexts are closed under it, which ends whatever step it was waiting in.
 */
export async function joinRound(browser: Browser, origin: string, room: string): Promise<JoinRound> {
  const contexts: BrowserContext[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not connected within ${ROUND_TIMEOUT_MS} ms`)), ROUND_TIMEOUT_MS);
  });
  const round = timeRound(browser, origin, room, contexts);
  // After a time-out the round fails too, as its contexts close; that failure says nothing new.
  round.catch(() => undefined);
  try {
    return await Promise.race([round, timedOut]);
  } finally {
    clearTimeout(timer);
    for (const context of contexts) await context.close();
  }
}

async function timeRound(
  browser: Browser,
  origin: string,
  room: string,
  contexts: BrowserContext[],
): Promise<JoinRound> {
  const deadline = performance.now() + ROUND_TIMEOUT_MS;
  // At least 1 ms: Playwright reads a timeout of 0 as none at all.
  const left = () => Math.max(1, deadline - performance.now());
  const pages: Page[] = [];
  for (const name of ['Ada', 'Bob']) {
    const context = await freshContext(browser);
    contexts.push(context);
    const page = await openPage(context, `${origin}/`);
    pages.push(page);
    await addCall(page, `${origin}/video-call.js`, room, name);
  }
  const [waiter, joiner] = pages as [Page, Page];
  await join(waiter);
  await waitForState(waiter, 'waiting', left());
  const started = await join(joiner);
  await Promise.all([waitForState(joiner, 'connected', left()), waitForState(waiter, 'connected', left())]);
  const [joinerSteps, waiterSteps] = await Promise.all([timeline(joiner), timeline(waiter)]);
  const joinerAt = connectedAt(joinerSteps);
  const waiterAt = connectedAt(waiterSteps);
  return {
    room,
    totalMs: Math.max(joinerAt, waiterAt) - started,
    joinerMs: joinerAt - started,
    waiterMs: waiterAt - started,
    joinerSteps: relative(joinerSteps, started),
    waiterSteps: relative(waiterSteps, started),
  };
}

/** Milestones after `started`, as ms after it; the waiting side's earlier ones belong to its own join. */
function relative(steps: Map<string, number>, started: number): Map<string, number> {
  return new Map([...steps].filter(([, at]) => at >= started).map(([label, at]) => [label, at - started]));
}

function connectedAt(steps: Map<string, number>): number {
  const at = steps.get('state connected');
  if (at === undefined) throw new Error(`the element never fired vc-state connected: ${JSON.stringify([...steps])}`);
  return at;
}

/** Opens the call page /r/<room> as a visitor would and lists what it fetched until it was waiting in the room. */
export async function callPageDownloads(browser: Browser, origin: string, room: string): Promise<Download[]> {
  const context = await freshContext(browser);
  try {
    const page = await context.newPage();
    const finished: Array<Promise<Download>> = [];
    page.on('requestfinished', (request) => {
      finished.push(
        (async () => {
          const response = await request.response();
          const sizes = await request.sizes();
          return {
            url: request.url().replace(origin, ''),
            status: response?.status() ?? 0,
            encoding: (await response?.headerValue('content-encoding')) ?? 'identity',
            bodyBytes: sizes.responseBodySize,
          };
        })(),
      );
    });
    // WebSocket upgrades are not "requests" to Playwright; they are listed separately.
    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket.url().replace(origin.replace('http', 'ws'), '')));
    // prejoin=0: the pre-join screen waits for a click; this measures what joining at once fetches.
    await page.goto(`${origin}/r/${room}?name=Visitor&prejoin=0`, { timeout: ROUND_TIMEOUT_MS });
    await waitForState(page, 'waiting', ROUND_TIMEOUT_MS);
    const downloads = await Promise.all(finished);
    return [
      ...downloads,
      ...sockets.map((url) => ({ url: `${url} (WebSocket)`, status: 101, encoding: '–', bodyBytes: 0 })),
    ];
  } finally {
    await context.close();
  }
}
