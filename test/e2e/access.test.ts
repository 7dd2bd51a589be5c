/**
 * Who may join, in real browsers, against one server in ROOM_ACCESS=token
 * mode: a page without a token is refused in words; a host who arrives
 * admits a guest waiting in the lobby, mutes it, removes another, and turns
 * a third away while the room is locked; a guest's host commands are
 * refused; and a guest whose token expires mid-call stays in the call across
 * a signaling reconnect. The steps after the first share the host's and the
 * guest's pages, as one call would, and run in order.
 */
import type { Browser, Page } from 'playwright-core';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/client.js';
import { mintToken, TOKEN_ENV } from '../helpers/tokens.js';
import { CLOCK_SKEW_SECONDS } from '../../server/access/room-access.js';
import { embedPage, serveSite, type Site } from './site.js';
import {
  attribute,
  button,
  countEvents,
  prepareAccessPage,
  press,
  remoteTiles,
  statusText,
  upgradesOf,
  watchUpgrades,
  type Upgrade,
} from './access-pages.js';
import { events, expectFramesFlowing, launch, openPage, remoteVideos, waitForEvent, waitForState } from './browser.js';

const ROOM = 'desk';
/** How long a kicked peer gets to (wrongly) reconnect: its first retry comes after at most 500 ms. */
const NO_RETRY_WINDOW_MS = 2_000;

let browser: Browser;
let server: TestServer;
let site: Site;
let upgrades: Upgrade[];

beforeAll(async () => {
  browser = await launch();
  site = await serveSite();
  server = await startServer({
    STATIC_DIR: 'web/dist',
    LOG_LEVEL: 'warn',
    ALLOWED_ORIGINS: site.origin,
    ...TOKEN_ENV,
    ROOM_CAPACITY: '3',
  });
  upgrades = watchUpgrades(server.app.server);
});
afterAll(async () => {
  await browser.close();
  await server.close();
  await site.close();
});

const open = (url: string, name: string) => openPage(browser, url, name, prepareAccessPage);
const roomLink = (token?: string) => `${server.httpUrl}/r/${ROOM}${token === undefined ? '' : `?token=${token}`}`;

describe('a page without a token', () => {
  it('is refused in words, and gets no ICE servers from the API either', async () => {
    const page = await open(roomLink(), 'Mallory');
    const [, error] = await waitForEvent(page, 'vc-error');
    expect(error).toMatchObject({ code: 'unauthorized', reason: 'missing' });
    await waitForState(page, 'failed');
    expect(await statusText(page)).toMatch(/needs an invitation/i);
    expect(await events(page, 'vc-joined')).toEqual([]);
    await page.context().close();

    const iceServers = `${server.httpUrl}/api/ice-servers`;
    expect((await fetch(iceServers)).status).toBe(401);
    expect((await fetch(iceServers, { headers: { authorization: 'Bearer not-a-token' } })).status).toBe(401);
    const token = await mintToken({ room: ROOM, sub: 'probe', ttlSeconds: 60 });
    expect((await fetch(iceServers, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });
});

describe('a call in a token room', () => {
  let hana: Page;
  let gus: Page;
  let gusToken: string;
  /** When the server starts refusing Gus's token (ms since the epoch). */
  let gusRefusedFrom: number;
  let hanaId: string;
  let gusId: string;

  it('lets a guest in from the lobby when a host arrives and admits it, and the call connects', async () => {
    // Short-lived, so that the last step can outlive it; the server's clock skew keeps it valid a while longer.
    gusToken = await mintToken({ room: ROOM, sub: 'gus', name: 'Gus', lobby: true, ttlSeconds: 1 });
    gusRefusedFrom = ((decodeJwt(gusToken).exp ?? 0) + CLOCK_SKEW_SECONDS + 1) * 1000;
    // The token's name wins over the one the device remembers.
    gus = await open(roomLink(gusToken), 'gus-laptop');
    await waitForState(gus, 'lobby');
    expect((await waitForEvent(gus, 'vc-lobby'))[1]).toEqual({ hostPresent: false });
    await gus
      .locator('video-call')
      .getByText(/no host is here yet/i)
      .waitFor();
    // The room page took the token from the link and took it out of the address bar.
    expect(await gus.evaluate(() => location.search)).not.toContain('token');

    hana = await open(roomLink(await mintToken({ room: ROOM, sub: 'hana', name: 'Hana', role: 'host' })), 'Hana');
    await countEvents(gus, 'vc-lobby', 2);
    expect((await events(gus, 'vc-lobby'))[1]?.[1]).toEqual({ hostPresent: true });
    await gus
      .locator('video-call')
      .getByText(/waiting for the host/i)
      .waitFor();
    expect(await hana.evaluate(() => document.querySelector('video-call')?.callRole)).toBe('host');

    const [, knock] = (await waitForEvent(hana, 'vc-knock')) as [string, { peer: { id: string; name: string } }];
    expect(knock.peer.name).toBe('Gus');
    gusId = knock.peer.id;
    expect(await remoteVideos(hana)).toEqual([]);
    await press(hana, 'Admit Gus');

    await waitForState(gus, 'connected');
    await waitForState(hana, 'connected');
    await expectFramesFlowing(hana);
    await expectFramesFlowing(gus);
    const [, ended] = await waitForEvent(hana, 'vc-knock-ended');
    expect(ended).toEqual({ id: gusId, outcome: 'admitted' });
    const [[, joined]] = (await events(gus, 'vc-joined')) as [[string, { id: string; peers: Array<{ id: string }> }]];
    expect(joined.id).toBe(gusId);
    hanaId = joined.peers[0]?.id ?? '';
    expect(await gus.evaluate(() => document.querySelector('video-call')?.callRole)).toBe('guest');
    for (const page of [hana, gus]) expect(await events(page, 'vc-error')).toEqual([]);
  });

  it("refuses a guest's host commands with forbidden, and its call goes on", async () => {
    await gus.evaluate((id) => {
      const call = document.querySelector('video-call');
      if (call === null) throw new Error('no element');
      call.kick(id);
      call.mutePeer(id);
      call.lock(true);
    }, hanaId);
    await countEvents(gus, 'vc-error', 3);
    expect((await events(gus, 'vc-error')).map(([, detail]) => detail.code)).toEqual([
      'forbidden',
      'forbidden',
      'forbidden',
    ]);

    await expectFramesFlowing(hana);
    await expectFramesFlowing(gus);
    for (const page of [hana, gus]) {
      expect(await attribute(page, 'state')).toBe('connected');
      expect(await page.evaluate(() => document.querySelector('video-call')?.locked)).toBe(false);
      expect(await events(page, 'vc-locked')).toEqual([]);
    }
    expect(await attribute(hana, 'muted')).toBeNull();
    expect(await events(hana, 'vc-muted')).toEqual([]);
    expect(await events(hana, 'vc-peer-left')).toEqual([]);
  });

  it("turns the guest's microphone off when the host mutes it, and says who did", async () => {
    await press(hana, 'Mute Gus');
    const [, muted] = (await waitForEvent(gus, 'vc-muted')) as [string, { by: { id: string; name: string } }];
    expect(muted.by).toMatchObject({ id: hanaId, name: 'Hana' });
    expect(await attribute(gus, 'muted')).toBe('');
    await gus.locator('video-call').getByText('Muted by Hana').waitFor();
    expect(await attribute(gus, 'state')).toBe('connected');
  });

  it('removes a guest the host kicks, who cannot come back with the same token during the ban', async () => {
    // Kim comes in through an embedding site, with the token as an attribute.
    const kimToken = await mintToken({ room: ROOM, sub: 'kim', name: 'Kim' });
    site.html = embedPage(`${server.httpUrl}/video-call.js`, ROOM, `token="${kimToken}"`);
    const kim = await open(`${site.origin}/`, 'Kim');
    const kimUpgrades = () => upgrades.filter((upgrade) => upgrade.origin === site.origin).length;
    await waitForState(kim, 'connected');
    await remoteTiles(hana, 2);

    await press(hana, 'Remove Kim');
    const [, kicked] = await waitForEvent(kim, 'vc-error');
    expect(kicked.code).toBe('kicked');
    await waitForState(kim, 'left');
    expect(await statusText(kim)).toMatch(/remov/i);
    await remoteTiles(hana, 1);
    expect((await remoteVideos(hana)).map((video) => video.peer)).toEqual([gusId]);

    // Proving that a reconnect does not happen takes a window in which it would have.
    const before = kimUpgrades();
    await kim.waitForTimeout(NO_RETRY_WINDOW_MS);
    expect(kimUpgrades()).toBe(before);
    expect(await attribute(kim, 'state')).toBe('left');

    await press(kim, 'Join again');
    await countEvents(kim, 'vc-error', 2);
    const [, refused] = (await events(kim, 'vc-error'))[1] ?? [];
    expect(refused).toMatchObject({ code: 'unauthorized', reason: 'kicked' });
    await waitForState(kim, 'failed');
    expect(kimUpgrades()).toBe(before + 1);
    expect((await remoteVideos(hana)).map((video) => video.peer)).toEqual([gusId]);
    await kim.context().close();
  });

  it('keeps guests in the lobby while the host has locked the room, and turns one away on deny', async () => {
    await press(hana, 'Lock the room');
    // The toggle shows what the server says (room-locked), one round trip after the click.
    await expect.poll(() => button(hana, 'Lock the room').getAttribute('aria-pressed')).toBe('true');
    const [, locked] = await waitForEvent(gus, 'vc-locked');
    expect(locked).toMatchObject({ locked: true, by: { id: hanaId, name: 'Hana' } });
    expect(await gus.evaluate(() => document.querySelector('video-call')?.locked)).toBe(true);

    const lena = await open(roomLink(await mintToken({ room: ROOM, sub: 'lena', name: 'Lena' })), 'Lena');
    await waitForState(lena, 'lobby');
    await countEvents(hana, 'vc-knock', 2);
    const [, knock] = (await events(hana, 'vc-knock'))[1] as [string, { peer: { id: string; name: string } }];
    expect(knock.peer.name).toBe('Lena');
    await press(hana, 'Deny Lena');

    const [, denied] = await waitForEvent(lena, 'vc-error');
    expect(denied.code).toBe('denied');
    await waitForState(lena, 'left');
    expect(await statusText(lena)).toMatch(/not let you in/i);
    expect(await events(lena, 'vc-joined')).toEqual([]);
    await countEvents(hana, 'vc-knock-ended', 2);
    expect((await events(hana, 'vc-knock-ended'))[1]?.[1]).toEqual({ id: knock.peer.id, outcome: 'denied' });
    expect((await remoteVideos(hana)).map((video) => video.peer)).toEqual([gusId]);
    await lena.context().close();

    await press(hana, 'Lock the room');
    await countEvents(gus, 'vc-locked', 2);
    expect((await events(gus, 'vc-locked'))[1]?.[1]).toMatchObject({ locked: false });
    await expect.poll(() => button(hana, 'Lock the room').getAttribute('aria-pressed')).toBe('false');
  });

  it('keeps a guest whose token expired mid-call in the call across a signaling reconnect', async () => {
    // Waiting for the clock is the point here: the token has to be past its exp and the skew.
    await gus.waitForTimeout(Math.max(0, gusRefusedFrom - Date.now()));
    const probe = await TestClient.connect(server.wsUrl);
    probe.send({ type: 'join', room: ROOM, token: gusToken });
    expect(await probe.nextError()).toMatchObject({ code: 'unauthorized', reason: 'expired' });
    probe.socket.terminate();

    // Gus's signaling connection drops without a close frame, as on a network cut.
    const gusSockets = await upgradesOf(gus, upgrades);
    const statesBefore = (await events(gus, 'vc-state')).length;
    for (const { socket } of gusSockets) socket.destroy();
    await gus.waitForFunction(
      (from) =>
        (window as unknown as { __vcEvents: Array<[string, { state?: string }]> }).__vcEvents
          .filter(([type]) => type === 'vc-state')
          .slice(from)
          .some(([, detail]) => detail.state === 'reconnecting'),
      statesBefore,
    );
    await waitForState(gus, 'connected');
    expect((await upgradesOf(gus, upgrades)).length).toBeGreaterThan(gusSockets.length);

    await expectFramesFlowing(gus);
    await expectFramesFlowing(hana);
    // The same peer, not a new one: no second welcome, no lobby, no left/joined on the host's side.
    expect(await events(gus, 'vc-joined')).toHaveLength(1);
    expect(await events(gus, 'vc-lobby')).toHaveLength(2);
    expect((await events(gus, 'vc-error')).map(([, detail]) => detail.code)).toEqual([
      'forbidden',
      'forbidden',
      'forbidden',
    ]);
    const aboutGus = (await events(hana)).filter(
      ([type, detail]) =>
        (type === 'vc-peer-joined' && (detail.peer as { id: string }).id === gusId) ||
        (type === 'vc-peer-left' && detail.id === gusId),
    );
    expect(aboutGus.map(([type]) => type)).toEqual(['vc-peer-joined']);
  });
});
