/**
 * Child process: memory per connection. The parent reads the idle server's
 * settled RSS at the start mark and again at the end mark, once every socket
 * has joined its room.
 */
import { Tally, closeAll, openRooms } from './clients.js';
import { mark, portArgument, reportResult, type MemoryResult } from './ipc.js';
import { memory } from './params.js';

const tally = new Tally();
await mark('start');
const clients = await openRooms(portArgument(), memory.rooms, tally);
await mark('end');
await closeAll(clients);

const result: MemoryResult = { connections: clients.length, unexpected: tally.unexpected() };
reportResult(result);
