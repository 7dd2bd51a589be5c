/**
 * The open signaling sockets and the client addresses they come from,
 * counted together: a socket is given a peer id and its address's budgets
 * as it opens, and released from both as it closes. Addresses with nothing
 * left to remember are forgotten every ADDRESS_SWEEP_MS.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type WebSocket from 'ws';
import type { Config } from '../config.js';
import { AddressBook } from './addresses.js';
import { Session } from './session.js';
import { Sessions } from './sessions.js';

/** How often idle client addresses are forgotten. */
const ADDRESS_SWEEP_MS = 10_000;

export interface Opening {
  socket: WebSocket;
  ip: string;
  log: FastifyBaseLogger;
  /** The Host the client reached us by. */
  host: string;
}

export class Connections {
  readonly sessions = new Sessions();
  readonly addresses: AddressBook;
  private readonly sweep: NodeJS.Timeout;
  /** Numbers this node's sockets for their holder names; never reused while the process runs. */
  private serial = 0;

  constructor(
    private readonly config: Config,
    /** Told each time a socket is paused for being over a byte budget; one function for every socket. */
    private readonly onPause: () => void,
  ) {
    this.addresses = new AddressBook(config);
    this.sweep = setInterval(() => this.addresses.sweep(), ADDRESS_SWEEP_MS);
  }

  /** Registers a socket just upgraded (admitted by Admission, which took its address's upgrade). */
  open({ socket, ip, log, host }: Opening): Session {
    const session = new Session({
      id: randomBytes(12).toString('base64url'),
      holder: `${this.config.nodeId}/${(this.serial++).toString(36)}`,
      socket,
      log,
      host,
      address: this.addresses.open(ip),
      config: this.config,
      onPause: this.onPause,
    });
    this.sessions.add(session);
    return session;
  }

  /** Releases a closed socket's id and its share of its address. */
  close(session: Session): void {
    this.sessions.delete(session);
    this.addresses.close(session.address.ip);
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Stops forgetting addresses; for shutdown. */
  stop(): void {
    clearInterval(this.sweep);
  }
}
