/**
 * Reports the path a connected peer connection's media takes
 * (connection-path.ts) when it connects and whenever the selected candidate
 * pair changes, once per distinct path, and remembers whether it is relayed
 * (an ICE restart before credentials lapse only matters through a relay).
 */
import type { ConnectionPath } from '../../events.js';
import { readConnectionPath } from '../connection-path.js';

const PATH_RECHECKS = 5;
const PATH_RECHECK_MS = 1_000;

export class PathReporter {
  relayed = false;
  private lastPath = '';
  private closed = false;

  constructor(
    private readonly pc: RTCPeerConnection,
    private readonly onPath: (path: ConnectionPath) => void,
  ) {}

  connected(): void {
    void this.report();
    const transport = this.pc.getSenders()[0]?.transport?.iceTransport;
    if (transport !== undefined) transport.onselectedcandidatepairchange = () => void this.report();
  }

  close(): void {
    this.closed = true;
  }

  private async report(attempt = 0): Promise<void> {
    const path = await readConnectionPath(this.pc);
    if (path === undefined || this.closed) return;
    // The signaled candidate usually arrives within a moment; look again until the path is known for sure.
    if (!path.settled && attempt < PATH_RECHECKS) setTimeout(() => void this.report(attempt + 1), PATH_RECHECK_MS);
    this.relayed = path.path === 'relay';
    const key = `${path.path}/${path.protocol}/${path.local}/${path.remote}/${path.settled}`;
    if (key === this.lastPath) return;
    this.lastPath = key;
    this.onPath(path);
  }
}
