/**
 * WebSocket clients of one test server in token mode, each joining with a
 * token minted for it, and all cut when the test ends: the set-up the access,
 * lobby and host-control tests share.
 */
import type { MintOptions } from '../../server/access/mint.js';
import { TestClient } from './client.js';
import { mintToken } from './tokens.js';

export type Claims = Partial<MintOptions> & { room: string };

export class TokenClients {
  private readonly open: TestClient[] = [];

  /** `wsUrl` is asked at each join, so one instance serves the server each test starts. */
  constructor(private readonly wsUrl: () => string) {}

  /** A client connected that has sent nothing yet. */
  async connect(): Promise<TestClient> {
    const client = await TestClient.connect(this.wsUrl());
    this.open.push(client);
    return client;
  }

  /** A client that has sent `join` with exactly `fields`: for tokens made by hand, or none. */
  async raw(fields: { room: string } & Record<string, unknown>): Promise<TestClient> {
    const client = await TestClient.joining(this.wsUrl(), fields);
    this.open.push(client);
    return client;
  }

  /** A client that has sent `join` for `claims.room` with a token minted from `claims`, plus `fields`. */
  async joining(claims: Claims, fields: Record<string, unknown> = {}): Promise<TestClient> {
    return this.raw({ room: claims.room, token: await mintToken(claims), ...fields });
  }

  /** A client seated in `claims.room`, with its welcome. */
  async seated(claims: Claims) {
    const client = await this.joining(claims);
    return { client, welcome: await client.next('welcome') };
  }

  terminateAll(): void {
    for (const client of this.open.splice(0)) client.terminate();
  }
}
