/**
 * One gathering run: a fresh RTCPeerConnection given exactly one STUN/TURN
 * URL, so that URL is judged alone, recording every candidate and every
 * icecandidateerror with the time it came, until gathering completes or the
 * time is up (an unreachable UDP server never completes in Chromium).
 */
import type { IceUrl } from '../../protocol/ice-url.js';

export interface CandidateRow {
  /** Milliseconds since the run started. */
  ms: number;
  type: string;
  foundation: string;
  protocol: string;
  address: string;
  port: number | null;
  priority: number;
  /** The priority split as RFC 8445 §5.1.2 builds it: type preference | local preference | component. */
  typePreference: number;
  localPreference: number;
  component: number;
  url: string;
  relayProtocol: string;
}

export interface CandidateErrorRow {
  ms: number;
  url: string;
  code: number;
  text: string;
}

export interface GatherRun {
  url: string;
  transport: IceUrl['transport'];
  relay: boolean;
  /** Gathering said complete before the time was up. */
  completed: boolean;
  durationMs: number;
  candidates: CandidateRow[];
  errors: CandidateErrorRow[];
}

export interface GatherOptions {
  policy: RTCIceTransportPolicy;
  timeoutMs: number;
  onCandidate?: (row: CandidateRow) => void;
  onError?: (row: CandidateErrorRow) => void;
}

export async function gather(url: IceUrl, server: RTCIceServer, options: GatherOptions): Promise<GatherRun> {
  const started = performance.now();
  const since = () => Math.round(performance.now() - started);
  const pc = new RTCPeerConnection({ iceServers: [server], iceTransportPolicy: options.policy });
  const run: GatherRun = {
    url: url.url,
    transport: url.transport,
    relay: url.relay,
    completed: false,
    durationMs: 0,
    candidates: [],
    errors: [],
  };
  try {
    const complete = new Promise<void>((resolve) => {
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
      pc.addEventListener('icecandidate', (event) => {
        if (event.candidate === null) return resolve();
        if (event.candidate.candidate === '') return;
        const row = candidateRow(event.candidate, since());
        run.candidates.push(row);
        options.onCandidate?.(row);
      });
    });
    pc.addEventListener('icecandidateerror', (event) => {
      const row: CandidateErrorRow = { ms: since(), url: event.url, code: event.errorCode, text: event.errorText };
      run.errors.push(row);
      options.onError?.(row);
    });
    // A data channel gives the offer an m-line, so there is something to gather for.
    pc.createDataChannel('ice-test');
    await pc.setLocalDescription();
    let timer: ReturnType<typeof setTimeout> | undefined;
    run.completed = await Promise.race([
      complete.then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), options.timeoutMs))),
    ]);
    clearTimeout(timer);
  } finally {
    pc.close();
    run.durationMs = since();
  }
  return run;
}

function candidateRow(candidate: RTCIceCandidate, ms: number): CandidateRow {
  const priority = candidate.priority ?? 0;
  // `url` on the candidate is newer than on the event; both name the server that gave it.
  const fromServer = (candidate as RTCIceCandidate & { url?: string | null }).url ?? '';
  return {
    ms,
    type: candidate.type ?? '',
    foundation: candidate.foundation ?? '',
    protocol: candidate.protocol ?? '',
    address: candidate.address ?? '',
    port: candidate.port,
    priority,
    typePreference: priority >>> 24,
    localPreference: (priority >>> 8) & 0xffff,
    component: 256 - (priority & 0xff),
    url: fromServer,
    relayProtocol: (candidate as RTCIceCandidate & { relayProtocol?: string | null }).relayProtocol ?? '',
  };
}
