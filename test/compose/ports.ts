/**
 * Ports for a stack published on this machine: free now on every interface
 * (TCP, and UDP where a relay listens), so that the tests never collide with
 * other suites, which pick port 0 or fixed ranges below 46000.
 */
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '0.0.0.0', () => socket.close(() => resolve(true)));
  });
}

/** A port the kernel picks that is free over TCP and (with `udp`) over UDP too. */
export async function freePort(udp = false): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '0.0.0.0', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
      });
    });
    if (!udp || (await udpFree(port))) return port;
  }
  throw new Error('no free port');
}

/** `count` consecutive ports free over UDP, from the window 46000–46999 that no other suite uses. */
export async function freeUdpRange(count: number, from = 46_000, to = 46_999): Promise<{ min: number; max: number }> {
  for (let start = from; start + count - 1 <= to; start += count) {
    let free = true;
    for (let port = start; port < start + count && free; port++) free = await udpFree(port);
    if (free) return { min: start, max: start + count - 1 };
  }
  throw new Error(`no ${count} consecutive free UDP ports in ${from}-${to}`);
}

/** Several distinct free ports at once. */
export async function freePorts(count: number, udp = false): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort(udp));
  return [...ports];
}
