/**
 * Datagrams from UDP source port 0, which no ordinary socket can send: a raw
 * socket builds the UDP header itself, as an attacker's tool would. Needs
 * root (CAP_NET_RAW) and Debian's python3, which the test environment has;
 * without them the test fails and says so.
 */
import { execFile } from 'node:child_process';

const SCRIPT = `
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
s.bind((sys.argv[1], 0))
for line in sys.stdin:
    port, payload = line.split()
    data = bytes.fromhex(payload)
    # Source port 0; checksum 0 means "none" for UDP over IPv4.
    s.sendto(struct.pack('!HHHH', 0, int(port), 8 + len(data), 0) + data, (sys.argv[2], 0))
`;

/** Sends each payload, in order, from `from`:0 to `to`. */
export function sendFromPortZero(
  to: { address: string; port: number },
  payloads: Buffer[],
  from = '127.0.0.1',
): Promise<void> {
  if (process.getuid?.() !== 0)
    throw new Error('sending from UDP port 0 needs a raw socket, so root: run the tests as root');
  return new Promise((resolve, reject) => {
    const child = execFile('/usr/bin/python3', ['-c', SCRIPT, from, to.address], (error, _stdout, stderr) => {
      if (error) reject(new Error(`raw UDP sender failed: ${stderr || error.message}`));
      else resolve();
    });
    child.stdin?.end(payloads.map((payload) => `${to.port} ${payload.toString('hex')}\n`).join(''));
  });
}
