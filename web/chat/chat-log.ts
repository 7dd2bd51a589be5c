/**
 * The chat of one call, without any DOM: what was said, in order, and what
 * became of this side's own messages. It numbers them (`mid`, increasing for
 * the whole life of the log, so across resumes too), keeps each one that the
 * server has not echoed yet, and after a reconnect sends those again in
 * order when the peer id survived (`welcome` `resumed: true`; the server sees
 * the same (from, mid) again and the receivers drop what they had), or marks
 * them failed when it did not. From every sender it takes only mids above
 * the last one seen from that sender: nothing twice, nothing out of order.
 * It is part of the chat chunk (views/chat-panel.ts), so it imports nothing
 * at run time.
 */
import type { ErrorCode, RelayedChatMessage } from '../../protocol/signaling.js';

export interface ChatEntry {
  /** Unique in the call: `<sender id>:<mid>`. */
  id: string;
  from: { id: string; name: string };
  mid: number;
  text: string;
  /** The server's clock for a relayed message; this side's clock until its own message is echoed. */
  ts: number;
  self: boolean;
  /** `sending` until the server echoes it, `sent` then; `failed` when refused or lost with its peer id. */
  state: 'sending' | 'sent' | 'failed';
  /** Why it failed: the server's error code, or `lost` when the peer id it was sent under did not survive. */
  reason?: ErrorCode | 'lost';
}

export interface ChatLogOptions {
  /** Sends one message if it can now; whatever the server does not echo is sent again after a resumed welcome. */
  send(mid: number, text: string): void;
  /** This side's peer id and name, read when a message is posted or received. */
  self(): { id: string | undefined; name: string };
  /** Told of each new message once, when it is seen (an own message: when echoed), and of each change. */
  changed(entry: ChatEntry, isNew: boolean): void;
  /** Whether the messages are read as they come (the panel is open): then they are not unread. */
  reading(): boolean;
  now?: () => number;
}

export class ChatLog {
  readonly entries: ChatEntry[] = [];
  /** Messages of the others since read(), not counting those that came while reading. */
  unread = 0;
  private nextMid = 1;
  /** The highest mid seen from each sender. */
  private readonly seen = new Map<string, number>();
  /** This side's messages not echoed yet, by mid, in the order sent. */
  private readonly pending = new Map<number, ChatEntry>();

  constructor(private readonly options: ChatLogOptions) {}

  /** Posts this side's message: shown at once as `sending`, sent now if joined, otherwise at the next welcome. */
  post(text: string): ChatEntry {
    const mid = this.nextMid++;
    const { id = '', name } = this.options.self();
    const entry: ChatEntry = {
      id: `${id}:${mid}`,
      from: { id, name },
      mid,
      text,
      ts: (this.options.now ?? Date.now)(),
      self: true,
      state: 'sending',
    };
    this.entries.push(entry);
    this.pending.set(mid, entry);
    this.options.send(mid, text);
    return entry;
  }

  /** A message the server relayed; undefined when it was seen before from its sender (a resend). */
  received(message: RelayedChatMessage): ChatEntry | undefined {
    const { from, mid, text, ts } = message;
    if (mid <= (this.seen.get(from.id) ?? 0)) return undefined;
    this.seen.set(from.id, mid);
    const mine = from.id === this.options.self().id ? this.pending.get(mid) : undefined;
    if (mine !== undefined) {
      this.pending.delete(mid);
      Object.assign(mine, { id: `${from.id}:${mid}`, from: { id: from.id, name: from.name }, ts, state: 'sent' });
      this.options.changed(mine, true);
      return mine;
    }
    const self = from.id === this.options.self().id;
    const entry: ChatEntry = { id: `${from.id}:${mid}`, from, mid, text, ts, self, state: 'sent' };
    this.entries.push(entry);
    if (!self && !this.options.reading()) this.unread += 1;
    this.options.changed(entry, true);
    return entry;
  }

  /** The server refused this side's message `mid`. */
  refused(mid: number, code: ErrorCode): ChatEntry | undefined {
    const entry = this.pending.get(mid);
    if (entry === undefined) return undefined;
    this.fail(entry, code);
    return entry;
  }

  /**
   * A welcome: with the same peer id, what is still pending goes again, in
   * order; under a new one, the others know this side by another id and
   * would not recognise a resend, so it is marked failed.
   */
  welcome(resumed: boolean): void {
    for (const entry of [...this.pending.values()]) {
      if (resumed) this.options.send(entry.mid, entry.text);
      else this.fail(entry, 'lost');
    }
  }

  /** The panel was opened (or is open): nothing is unread. */
  read(): void {
    this.unread = 0;
  }

  private fail(entry: ChatEntry, reason: ChatEntry['reason']): void {
    this.pending.delete(entry.mid);
    entry.state = 'failed';
    entry.reason = reason;
    this.options.changed(entry, false);
  }
}
