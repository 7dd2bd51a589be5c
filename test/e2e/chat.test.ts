/**
 * Chat between real browsers: every page sees every sender's messages once,
 * in the order sent, shown as text (markup typed into a message stays
 * literal); a signaling drop (the server restarted, SESSION_SECRET kept, so
 * ids survive) neither loses nor duplicates what was sent around it; and a
 * message too large or a flood is refused without disturbing the call.
 * vc-message events are recorded by this file's own init script.
 */
import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_BURST } from '../../protocol/chat-limits.js';
import { startMain, type ServerProcess } from '../helpers/process.js';
import { freeTcpPort } from '../helpers/ports.js';
import { events, launch, openPage, waitForState } from './browser.js';

interface Said {
  id: string;
  from: { id: string; name: string };
  text: string;
  ts: number;
  self: boolean;
}

let browser: Browser;
let server: ServerProcess | undefined;

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser.close();
});
afterEach(async () => {
  for (const context of browser.contexts()) await context.close();
  server?.child.kill('SIGKILL');
  server = undefined;
});

/** Before the page loads: every vc-message, in the order fired. */
function recordMessages(): void {
  const said: unknown[] = [];
  Object.assign(window, { __said: said });
  addEventListener('vc-message', (event) => said.push((event as CustomEvent).detail));
}

const said = (page: Page) => page.evaluate(() => (window as unknown as { __said: Said[] }).__said);

/** Waits until `page` has seen `count` messages. */
async function heard(page: Page, count: number, timeout = 30_000): Promise<Said[]> {
  const wanted = (n: number) => (window as unknown as { __said: unknown[] }).__said.length >= n;
  await page.waitForFunction(wanted, count, { timeout }).catch(async (error: unknown) => {
    // Say what did arrive.
    throw new Error(
      `${String(error)}; heard ${JSON.stringify(await said(page))}; ${JSON.stringify(await events(page))}`,
    );
  });
  return said(page);
}

/** Each sender's texts, in the order this page saw them. */
function bySender(messages: Said[]): Record<string, string[]> {
  const senders: Record<string, string[]> = {};
  for (const message of messages) (senders[message.from.name] ??= []).push(message.text);
  return senders;
}

const send = (page: Page, text: string) =>
  page.evaluate((message) => document.querySelector('video-call')?.sendMessage(message), text);

async function serve(env: Record<string, string> = {}) {
  const port = String(await freeTcpPort());
  const full = { PORT: port, STATIC_DIR: 'web/dist', ...env };
  server = await startMain(full);
  return { env: full, url: (room: string) => `http://127.0.0.1:${port}/r/${room}` };
}

describe('chat in the call', () => {
  it('three peers see every sender’s messages once and in order, as text; too large and a flood are refused', async () => {
    const { url } = await serve({ ROOM_CAPACITY: '3' });
    const pages = {
      Ada: await openPage(browser, url('chat'), 'Ada', recordMessages),
      Bob: await openPage(browser, url('chat'), 'Bob', recordMessages),
      Cy: await openPage(browser, url('chat'), 'Cy', recordMessages),
    };
    for (const page of Object.values(pages)) await waitForState(page, 'connected', 60_000);

    const script = {
      Ada: ['<b>x</b>', 'second from Ada', 'third\nline'],
      Bob: ['hi from Bob', 'Grüße ✓'],
      Cy: ['Cy here'],
    };
    // Interleaved across senders, each in its own order.
    for (let i = 0; i < 3; i += 1) {
      for (const [name, texts] of Object.entries(script)) {
        const text = texts[i];
        if (text !== undefined) await send(pages[name as keyof typeof pages], text);
      }
    }
    const total = Object.values(script).flat().length;
    for (const [name, page] of Object.entries(pages)) {
      const messages = await heard(page, total);
      expect(messages, name).toHaveLength(total);
      expect(new Set(messages.map((message) => message.id)).size, name).toBe(total);
      expect(bySender(messages), name).toEqual(script);
      for (const message of messages) expect(message.self, name).toBe(message.from.name === name);
    }

    // Cy opens the panel: the markup Ada typed shows as text, and nothing in the list is an element she made.
    const cy = pages.Cy;
    await cy.locator('video-call').locator('[part~="chat-button"]').click();
    const list = cy.locator('video-call').locator('[part~="chat-message"]');
    await expect.poll(() => list.count()).toBe(total);
    const markup = list.filter({ hasText: '<b>x</b>' });
    expect(await markup.count()).toBe(1);
    expect(await markup.locator('p').textContent()).toBe('<b>x</b>');
    expect(await cy.locator('video-call').locator('[part~="chat"] li b').count()).toBe(0);
    // Typed into the panel and sent with Enter, as a user would.
    const input = cy.locator('video-call').locator('[part~="chat-input"]');
    await input.fill('typed by Cy');
    await input.press('Enter');
    await heard(pages.Ada, total + 1);
    await expect.poll(() => list.count()).toBe(total + 1);
    await mkdir('artifacts', { recursive: true });
    await cy.screenshot({ path: 'artifacts/chat-panel.png' });

    // 3 KB: refused before it is sent.
    const large = await pages.Bob.evaluate(() => {
      try {
        document.querySelector('video-call')?.sendMessage('x'.repeat(3 * 1024));
        return 'sent';
      } catch (error) {
        return (error as Error).name;
      }
    });
    expect(large).toBe('RangeError');

    // A flood: more than the chat burst at once. What the server refuses comes back as vc-error message-refused.
    const bob = pages.Bob;
    const before = (await said(bob)).length;
    const flood = CHAT_BURST * 2;
    await bob.evaluate((count) => {
      for (let i = 1; i <= count; i += 1) document.querySelector('video-call')?.sendMessage(`flood ${i}`);
    }, flood);
    await bob.waitForFunction(
      ({ before, flood }) => {
        const w = window as unknown as { __said: Said[]; __vcEvents: Array<[string, { code?: string }]> };
        const echoed = w.__said.slice(before).filter((message) => message.self).length;
        const refused = w.__vcEvents.filter(([type, d]) => type === 'vc-error' && d.code === 'message-refused').length;
        return echoed + refused === flood;
      },
      { before, flood },
    );
    const refused = (await events(bob, 'vc-error')).filter(([, detail]) => detail.code === 'message-refused');
    expect(refused.length).toBeGreaterThan(0);
    const echoed = (await said(bob)).slice(before).map((message) => message.text);
    expect(echoed.length).toBeGreaterThanOrEqual(CHAT_BURST - 2);
    // The echoed ones are a prefix-ordered subset, and Ada got exactly them, in order.
    const adaFlood = (await heard(pages.Ada, total + 1 + echoed.length))
      .filter((message) => message.text.startsWith('flood '))
      .map((message) => message.text);
    expect(adaFlood).toEqual(echoed);
    for (const page of Object.values(pages)) {
      expect(await page.evaluate(() => document.querySelector('video-call')?.getAttribute('state'))).toBe('connected');
    }
  });

  it('sends what was said around a signaling drop exactly once, in order, after the id survives it', async () => {
    const { url } = await serve();
    // Ada's page keeps its sockets, so that the test can drop her signaling (and only hers).
    const keepSockets = () => {
      const sockets: WebSocket[] = [];
      Object.assign(window, { __sockets: sockets });
      window.WebSocket = class extends WebSocket {
        constructor(...args: ConstructorParameters<typeof WebSocket>) {
          super(...args);
          sockets.push(this);
        }
      };
      // An init script runs alone in the page: recordMessages() is not there to call.
      const heardHere: unknown[] = [];
      Object.assign(window, { __said: heardHere });
      addEventListener('vc-message', (event) => heardHere.push((event as CustomEvent).detail));
    };
    const ada = await openPage(browser, url('drop'), 'Ada', keepSockets);
    const bob = await openPage(browser, url('drop'), 'Bob', recordMessages);
    await waitForState(ada, 'connected', 60_000);
    await waitForState(bob, 'connected', 60_000);

    await send(ada, 'before 1');
    await send(bob, 'bob before');
    await heard(ada, 2);
    await heard(bob, 2);

    // The drop, and two messages said while it lasts: kept, and sent again once Ada is back under her id.
    await ada.evaluate(() => {
      const sockets = (window as unknown as { __sockets: WebSocket[] }).__sockets;
      sockets.at(-1)?.close(4100, 'test drop');
      const call = document.querySelector('video-call');
      call?.sendMessage('during 2');
      call?.sendMessage('during 3');
    });
    await heard(bob, 4, 60_000);
    await waitForState(ada, 'connected', 60_000);
    await send(ada, 'after 4');
    await send(bob, 'bob after');
    expect(await ada.evaluate(() => (window as unknown as { __sockets: unknown[] }).__sockets.length)).toBe(2);

    const expected = { Ada: ['before 1', 'during 2', 'during 3', 'after 4'], Bob: ['bob before', 'bob after'] };
    const pages = { Ada: ada, Bob: bob };
    for (const [name, page] of Object.entries(pages)) {
      const messages = await heard(page, 6);
      expect(bySender(messages), name).toEqual(expected);
      expect(new Set(messages.map((message) => message.id)).size, name).toBe(6);
    }
    // Still six once a later message has come through: nothing came twice.
    await send(bob, 'sync');
    for (const [name, page] of Object.entries(pages)) {
      await heard(page, 7);
      expect(
        (await said(page)).filter((message) => message.text !== 'sync'),
        name,
      ).toHaveLength(6);
    }
    expect(await events(ada, 'vc-error')).toEqual([]);
    // Ada kept her id: Bob saw one sender "Ada" with one id throughout.
    expect(new Set((await said(bob)).filter((m) => m.from.name === 'Ada').map((m) => m.from.id)).size).toBe(1);
  });
});
