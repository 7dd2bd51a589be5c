/**
 * Which way a peer connection's media really goes, read from getStats on the
 * selected candidate pair: direct (host to host), through a NAT's reflexive
 * address (srflx/prflx), or through a TURN relay, and over which transport.
 */
import type { ConnectionPath } from '../events.js';

type Stat = Record<string, unknown> & { id: string; type: string };

export async function readConnectionPath(pc: RTCPeerConnection): Promise<ConnectionPath | undefined> {
  const stats = new Map<string, Stat>();
  (await pc.getStats()).forEach((stat: Stat) => stats.set(stat.id, stat));

  let pair: Stat | undefined;
  for (const stat of stats.values()) {
    if (stat.type === 'transport' && typeof stat.selectedCandidatePairId === 'string') {
      pair = stats.get(stat.selectedCandidatePairId);
      break;
    }
  }
  // Browsers without selectedCandidatePairId: the nominated, succeeded pair.
  pair ??= [...stats.values()].find(
    (s) => s.type === 'candidate-pair' && s.nominated === true && s.state === 'succeeded',
  );
  if (pair === undefined) return undefined;

  const local = stats.get(String(pair.localCandidateId));
  const remote = stats.get(String(pair.remoteCandidateId));
  if (local === undefined || remote === undefined) return undefined;
  const localType = String(local.candidateType);
  const remoteType = resolvePeerReflexive(remote, stats);

  const relayed = localType === 'relay' || remoteType === 'relay';
  const reflexive = [localType, remoteType].some((type) => type === 'srflx' || type === 'prflx');
  const protocol =
    localType === 'relay' && typeof local.relayProtocol === 'string' ? local.relayProtocol : String(local.protocol);
  return {
    path: relayed ? 'relay' : reflexive ? 'srflx' : 'direct',
    settled: localType !== 'prflx' && remoteType !== 'prflx',
    protocol: protocol === 'tls' || protocol === 'tcp' ? protocol : 'udp',
    local: localType,
    remote: remoteType,
  };
}

/**
 * A peer-reflexive remote candidate is often just the peer's host address,
 * learned from its connectivity check before its candidate was signaled.
 * Once the signaled candidate is known, name it by that.
 */
function resolvePeerReflexive(remote: Stat, stats: Map<string, Stat>): string {
  const type = String(remote.candidateType);
  if (type !== 'prflx') return type;
  for (const stat of stats.values()) {
    if (
      stat.type === 'remote-candidate' &&
      stat.id !== remote.id &&
      stat.address === remote.address &&
      stat.port === remote.port
    ) {
      return String(stat.candidateType);
    }
  }
  return type;
}
