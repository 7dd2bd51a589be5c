/**
 * Child process: memory per connection. The parent reads every node's settled
 * RSS and heap, and Redis's memory, at the start mark and again at the end
 * mark, once every socket has joined its room. The parent ends the nodes
 * before this process, so the sockets are never closed one by one.
 */
import { Tally } from '../signaling/clients.js';
import { mark, reportResult, type MemoryResult } from '../signaling/ipc.js';
import { openRooms, portsArgument } from './clients.js';
import { memory } from './params.js';

const tally = new Tally();
const ports = portsArgument();
await mark('start');
const clients = await openRooms(ports, memory.rooms, tally);
await mark('end');

const result: MemoryResult = { connections: clients.length, unexpected: tally.unexpected() };
reportResult(result);
