/**
 * One reading of a peer connection's RTCStatsReport, reduced to what the
 * quality, adaptation and speaker policies use. Counters stay cumulative (the
 * policies take deltas over their window); anything the browser does not
 * report is null, never a guessed zero. Reads plain records, so that the
 * policies can be tested on synthetic reports in node.
 */

/** What getStats() gives: a Map-like report of records with a `type`. */
export interface StatsLike {
  forEach(callback: (stat: Record<string, unknown>) => void): void;
}

export interface Sample {
  /** When it was read, in ms (performance.now() or a test's clock). */
  at: number;
  /** Seconds: the selected candidate pair's current RTT, else the worst remote-inbound-rtp roundTripTime. */
  rtt: number | null;
  /** Bits per second: the selected candidate pair's availableOutgoingBitrate. */
  availableOutgoingBitrate: number | null;
  /** The camera's (or any video sender's) worst qualityLimitationReason. */
  limitation: string | null;
  /** Seconds: the worst interarrival jitter of what this side receives (inbound-rtp audio). */
  jitter: number | null;
  /** Received and lost packets of everything this side receives (inbound-rtp). */
  received: number;
  lost: number;
  /** Sent packets (outbound-rtp) and what the other side says it lost of them (remote-inbound-rtp). */
  sent: number;
  remoteLost: number;
  /** The worst remote-inbound-rtp fractionLost, for when the packet counters do not move. */
  fractionLost: number | null;
  /** The remote microphone (inbound-rtp audio) and this side's (media-source audio). */
  remoteAudio: AudioReading | null;
  localAudio: AudioReading | null;
}

/** totalAudioEnergy and totalSamplesDuration give the mean level between two readings; audioLevel is the instant one. */
export interface AudioReading {
  energy: number;
  duration: number;
  level: number | null;
}

const LIMITATION_RANK = ['none', 'other', 'cpu', 'bandwidth'];
const rank = (reason: string | null) => (reason === null ? -1 : LIMITATION_RANK.indexOf(reason));

export function readSample(report: StatsLike, at: number): Sample {
  const sample: Sample = {
    at,
    rtt: null,
    availableOutgoingBitrate: null,
    limitation: null,
    jitter: null,
    received: 0,
    lost: 0,
    sent: 0,
    remoteLost: 0,
    fractionLost: null,
    remoteAudio: null,
    localAudio: null,
  };
  const pairs = new Map<string, Record<string, unknown>>();
  let selectedPair: string | undefined;
  let remoteRtt: number | null = null;
  report.forEach((stat) => {
    switch (stat.type) {
      case 'candidate-pair':
        pairs.set(String(stat.id), stat);
        if (stat.nominated === true && stat.state === 'succeeded') selectedPair ??= String(stat.id);
        break;
      case 'transport':
        if (typeof stat.selectedCandidatePairId === 'string') selectedPair = stat.selectedCandidatePairId;
        break;
      case 'inbound-rtp':
        sample.received += num(stat.packetsReceived) ?? 0;
        sample.lost += Math.max(0, num(stat.packetsLost) ?? 0);
        if (stat.kind === 'audio') {
          sample.jitter = worst(sample.jitter, num(stat.jitter));
          sample.remoteAudio = audio(stat);
        }
        break;
      case 'outbound-rtp':
        sample.sent += num(stat.packetsSent) ?? 0;
        if (stat.kind === 'video' && typeof stat.qualityLimitationReason === 'string') {
          const reason = stat.qualityLimitationReason;
          if (rank(reason) >= rank(sample.limitation)) sample.limitation = reason;
        }
        break;
      case 'remote-inbound-rtp':
        sample.remoteLost += Math.max(0, num(stat.packetsLost) ?? 0);
        sample.fractionLost = worst(sample.fractionLost, num(stat.fractionLost));
        remoteRtt = worst(remoteRtt, num(stat.roundTripTime));
        break;
      case 'media-source':
        if (stat.kind === 'audio') sample.localAudio = audio(stat);
        break;
    }
  });
  const pair = selectedPair === undefined ? undefined : pairs.get(selectedPair);
  sample.rtt = num(pair?.currentRoundTripTime) ?? remoteRtt;
  sample.availableOutgoingBitrate = num(pair?.availableOutgoingBitrate);
  return sample;
}

function audio(stat: Record<string, unknown>): AudioReading {
  return {
    energy: num(stat.totalAudioEnergy) ?? 0,
    duration: num(stat.totalSamplesDuration) ?? 0,
    level: num(stat.audioLevel),
  };
}

/** The mean level (RMS, 0–1) between two readings of one source; the instant level when no audio was counted. */
export function audioLevel(before: AudioReading | null, after: AudioReading | null): number | null {
  if (after === null) return null;
  const duration = after.duration - (before?.duration ?? after.duration);
  if (duration > 0) return Math.sqrt(Math.max(0, after.energy - (before?.energy ?? 0)) / duration);
  return after.level;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function worst(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}
