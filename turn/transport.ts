/**
 * How the relay talks back to a client, whatever carries it: a UDP 5-tuple,
 * or a TCP/TLS connection (RFC 8656 §3.1). The 5-tuple key identifies the
 * client's allocation.
 */
export type ClientTransport = 'udp' | 'tcp' | 'tls';

export interface ClientLink {
  readonly transport: ClientTransport;
  readonly address: string;
  readonly port: number;
  /** `transport|client address|client port|server port`: the allocation's 5-tuple. */
  readonly key: string;
  /**
   * Never throws, whatever the client did: a send that fails is a lost
   * packet, counted by whoever owns the link (`send-failed`), as UDP loses
   * packets anyway. Nothing a client sends can turn into an exception here.
   */
  send(data: Buffer): void;
  /** Ends the client's connection once what was sent is flushed (TCP/TLS); nothing for UDP. */
  close(): void;
}

export function fiveTupleKey(transport: ClientTransport, address: string, port: number, serverPort: number): string {
  return `${transport}|${address}|${port}|${serverPort}`;
}
