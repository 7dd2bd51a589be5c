/**
 * Child process: the least a relay can do, as the yardstick for ours. Rooms of
 * two in a Map, frames parsed but never validated, signals forwarded as the
 * raw text received, no rate limit, no logging, no metrics.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { reportReady, serveUsage } from './ipc.js';

interface Peer {
  id: string;
  socket: WebSocket;
  room: string | undefined;
}

const rooms = new Map<string, Peer[]>();
let nextId = 0;

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws', perMessageDeflate: false });

server.on('connection', (socket) => {
  const peer: Peer = { id: `p${(nextId += 1)}`, socket, room: undefined };

  socket.on('message', (data, isBinary) => {
    if (isBinary) return;
    const text = data.toString();
    const message = JSON.parse(text) as { type: string; room: string };
    if (message.type === 'join' && peer.room === undefined) {
      const members = rooms.get(message.room) ?? [];
      rooms.set(message.room, members);
      // Same discovery as ours: the joiner learns who is there, whoever is there learns of the joiner.
      socket.send(JSON.stringify({ type: 'welcome', id: peer.id, peers: members.map((other) => ({ id: other.id })) }));
      const joined = JSON.stringify({ type: 'peer-joined', peer: { id: peer.id } });
      for (const other of members) other.socket.send(joined);
      members.push(peer);
      peer.room = message.room;
    } else if (message.type === 'signal' && peer.room !== undefined) {
      for (const other of rooms.get(peer.room) ?? []) if (other !== peer) other.socket.send(text);
    }
  });

  socket.on('close', () => {
    if (peer.room === undefined) return;
    const members = (rooms.get(peer.room) ?? []).filter((other) => other !== peer);
    if (members.length === 0) rooms.delete(peer.room);
    else rooms.set(peer.room, members);
  });
});

server.on('listening', () => {
  serveUsage();
  reportReady((server.address() as AddressInfo).port);
});
