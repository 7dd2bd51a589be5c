/**
 * Where the test balancer (test/helpers/balancer.ts) sends a new connection,
 * and where a node says its clients are. A test first places each page on a
 * node of its choosing (only(node)), so that "the two pages are on different
 * nodes" is set up rather than hoped for; from then on the balancer sends new
 * connections to every node whose /readyz answered 200 at the last probe, as
 * a proxy's active health check does, so a draining node (503) gets none.
 */
import { sample, type ClusterNode } from '../helpers/cluster.js';

export class Routing {
  private pinned: ClusterNode | undefined;
  private readonly ready = new Set<ClusterNode>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  /**
   * `probeMs`: the pause between two rounds of /readyz probes; `timeoutMs`:
   * how long a probe may take before its node counts as not ready.
   */
  constructor(
    private readonly nodes: () => ClusterNode[],
    private readonly probeMs: number,
    private readonly timeoutMs: number,
  ) {}

  /** The balancer's backend list. */
  readonly backends = (): number[] => {
    if (this.pinned !== undefined) return [this.pinned.port];
    return this.nodes()
      .filter((node) => this.ready.has(node))
      .map((node) => node.port);
  };

  /** New connections go to `node` alone. */
  only(node: ClusterNode): void {
    this.pinned = node;
  }

  /** New connections go to the nodes that are ready; resolves once every node has been probed. */
  async byHealth(): Promise<void> {
    this.pinned = undefined;
    if (this.timer === undefined) await this.probe();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private async probe(): Promise<void> {
    await Promise.all(
      this.nodes().map(async (node) => {
        const ok = await fetch(`${node.httpUrl}/readyz`, { signal: AbortSignal.timeout(this.timeoutMs) }).then(
          (response) => response.status === 200,
          () => false,
        );
        if (ok) this.ready.add(node);
        else this.ready.delete(node);
      }),
    );
    if (!this.closed) this.timer = setTimeout(() => void this.probe(), this.probeMs);
  }
}

/** vc_cluster_members of `node`: the sockets seated through it. */
export async function localMembers(node: ClusterNode): Promise<number | undefined> {
  return sample(await node.metrics(), 'vc_cluster_members', { node: node.id });
}

/** Waits until vc_cluster_members of each node is the count given for it. */
export async function waitForMembers(expected: Array<[ClusterNode, number]>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen: Array<number | undefined> = [];
  while (Date.now() < deadline) {
    seen = await Promise.all(expected.map(([node]) => localMembers(node)));
    if (seen.every((count, index) => count === expected[index]?.[1])) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const want = expected.map(([node, count]) => `${node.id}=${count}`).join(', ');
  throw new Error(`vc_cluster_members never became ${want} within ${timeoutMs} ms: last saw ${seen.join(', ')}`);
}
