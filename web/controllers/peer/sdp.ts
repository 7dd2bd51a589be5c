/** What negotiation reads from SDP text. DOM-free, so it runs in node. */

const iceUfrag = (sdp: string): string | undefined => /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1];

/** An offer restarts ICE when its ICE username fragment differs from the current remote description's. */
export function restartsIce(currentRemoteSdp: string | undefined, offerSdp: string | undefined): boolean {
  if (currentRemoteSdp === undefined || offerSdp === undefined) return false;
  return iceUfrag(offerSdp) !== iceUfrag(currentRemoteSdp);
}
