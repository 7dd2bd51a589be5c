/**
 * The room store's rules, run inside Redis as Lua scripts, so that each
 * request is decided atomically against every node's requests: a room never
 * holds more than its capacity, a seat moves only to its id's resumer, and
 * every change is published on the room's channel, numbered, from inside the
 * same script, so every node hears a room's changes in the one order they
 * happened. They are the rules of MemoryRoomStore (server/signaling/
 * memory-store.ts); the same tests run against both.
 *
 * Keys (a room name is [A-Za-z0-9_-], a node id [A-Za-z0-9_.-]):
 *   vc:r:<room>:seats   hash  peer id → MemberRecord JSON
 *   vc:r:<room>:lobby   hash  peer id → MemberRecord JSON (guests waiting)
 *   vc:r:<room>:locked  string  the Peer JSON of who locked it
 *   vc:r:<room>:seq     integer  the number of the room's last event (kept a day after the room empties)
 *   vc:h:<node>         set  `s\n<room>\n<id>` / `w\n<room>\n<id>`: what the node's sockets hold
 *   vc:a:<node>         liveness, renewed every heartbeat, expiring after two
 *   vc:nodes            set of node ids that may hold something
 * Channels: vc:r:<room> (its events), vc:n:<node> (envelopes for its sockets).
 *
 * The scripts name keys they derive from their arguments, which a Redis
 * Cluster would refuse: one Redis (with a replica, if wanted) serves a
 * deployment; see docs/scaling.md.
 */

/** Helpers every script starts with. */
const PRELUDE = `
local P = 'vc:r:'
local function nodeOf(holder) return string.match(holder, '^(.*)/[^/]*$') end
local function emit(room, event)
  event.seq = redis.call('INCR', P .. room .. ':seq')
  event.room = room
  redis.call('PUBLISH', P .. room, cjson.encode(event))
  return event.seq
end
local function settle(room)
  if redis.call('HLEN', P .. room .. ':seats') == 0 and redis.call('HLEN', P .. room .. ':lobby') == 0 then
    redis.call('DEL', P .. room .. ':locked')
    redis.call('PEXPIRE', P .. room .. ':seq', 86400000)
  else
    redis.call('PERSIST', P .. room .. ':seq')
  end
end
-- Frees a seat (place 's') or a wait ('w') if holder still has it; word is the reason or the outcome.
local function free(place, room, id, holder, word)
  local hash = P .. room .. (place == 's' and ':seats' or ':lobby')
  local raw = redis.call('HGET', hash, id)
  if not raw then return false end
  local member = cjson.decode(raw)
  if member.holder ~= holder then return false end
  redis.call('HDEL', hash, id)
  redis.call('SREM', 'vc:h:' .. nodeOf(holder), place .. '\\n' .. room .. '\\n' .. id)
  if place == 's' then
    emit(room, { type = 'unseated', member = member, reason = word })
  else
    emit(room, { type = 'unwaited', member = member, outcome = word })
  end
  settle(room)
  return true
end
`;

/**
 * ARGV: room, member JSON, id, holder, capacity, takeOver, resumed,
 * unlessLocked, admitted, force (1/0). Returns {'ok', seq of its last
 * event} or {'full'|'locked'|'taken'|'not-waiting'}. `force` (a node rebuilding its seats after Redis
 * came back) ignores the capacity: those seats were all given before.
 */
export const SEAT = `${PRELUDE}
local room, raw, id, holder = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local capacity = tonumber(ARGV[5])
local takeOver, resumed, unlessLocked, admitted, force =
  ARGV[6] == '1', ARGV[7] == '1', ARGV[8] == '1', ARGV[9] == '1', ARGV[10] == '1'
local seats, lobby = P .. room .. ':seats', P .. room .. ':lobby'
if admitted then
  local waiting = redis.call('HGET', lobby, id)
  if not waiting or cjson.decode(waiting).holder ~= holder then return { 'not-waiting' } end
  raw = waiting
end
local held = redis.call('HGET', seats, id)
if not held and unlessLocked and redis.call('EXISTS', P .. room .. ':locked') == 1 then return { 'locked' } end
local replaced = nil
if held then
  local previous = cjson.decode(held).holder
  if previous == holder then return { 'ok', 0 } end
  if not takeOver then return { 'taken' } end
  replaced = previous
  redis.call('SREM', 'vc:h:' .. nodeOf(previous), 's\\n' .. room .. '\\n' .. id)
elseif not force and redis.call('HLEN', seats) >= capacity then
  return { 'full' }
end
redis.call('HSET', seats, id, raw)
redis.call('SADD', 'vc:h:' .. nodeOf(holder), 's\\n' .. room .. '\\n' .. id)
local event = { type = 'seated', member = cjson.decode(raw), resumed = resumed, admitted = admitted }
if replaced then event.replaced = replaced end
local seq = emit(room, event)
if admitted then
  redis.call('HDEL', lobby, id)
  redis.call('SREM', 'vc:h:' .. nodeOf(holder), 'w\\n' .. room .. '\\n' .. id)
  seq = emit(room, { type = 'unwaited', member = cjson.decode(raw), outcome = 'admitted' })
end
settle(room)
return { 'ok', seq }
`;

/** ARGV: room, member JSON, id, holder, capacity, force. Returns {'ok', seq} or {'full'}. */
export const WAIT = `${PRELUDE}
local room, raw, id, holder = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local capacity, force = tonumber(ARGV[5]), ARGV[6] == '1'
local lobby = P .. room .. ':lobby'
local held = redis.call('HGET', lobby, id)
if held and cjson.decode(held).holder == holder then return { 'ok', 0 } end
if not force and redis.call('HLEN', lobby) >= capacity then return { 'full' } end
redis.call('HSET', lobby, id, raw)
redis.call('SADD', 'vc:h:' .. nodeOf(holder), 'w\\n' .. room .. '\\n' .. id)
local seq = emit(room, { type = 'waiting', member = cjson.decode(raw) })
settle(room)
return { 'ok', seq }
`;

/** ARGV: room, id, holder, reason. */
export const UNSEAT = `${PRELUDE}
return free('s', ARGV[1], ARGV[2], ARGV[3], ARGV[4]) and 1 or 0
`;

/** ARGV: room, id, holder, outcome. */
export const UNWAIT = `${PRELUDE}
return free('w', ARGV[1], ARGV[2], ARGV[3], ARGV[4]) and 1 or 0
`;

/** ARGV: room, locked (1/0), by (Peer JSON). An empty room is not locked (its lock would outlive it). */
export const LOCK = `${PRELUDE}
local room, locked, by = ARGV[1], ARGV[2] == '1', ARGV[3]
if redis.call('HLEN', P .. room .. ':seats') == 0 then return 0 end
if locked then redis.call('SET', P .. room .. ':locked', by) else redis.call('DEL', P .. room .. ':locked') end
emit(room, { type = 'locked', locked = locked, by = cjson.decode(by) })
return 1
`;

/**
 * ARGV: node, force (1/0). Frees everything node's sockets hold (the rooms
 * hear peer-left disconnected, the hosts knock-ended left) and forgets the
 * node: if it is dead (its liveness key expired), or `force` (it is leaving).
 * Safe to run from several nodes at once. Returns how many places it freed.
 */
export const REAP = `${PRELUDE}
local node, force = ARGV[1], ARGV[2] == '1'
if not force and redis.call('EXISTS', 'vc:a:' .. node) == 1 then return -1 end
local freed = 0
for _, entry in ipairs(redis.call('SMEMBERS', 'vc:h:' .. node)) do
  local kind, room, id = string.match(entry, '^(%a)\\n([^\\n]*)\\n(.*)$')
  local raw = redis.call('HGET', P .. room .. (kind == 's' and ':seats' or ':lobby'), id)
  if raw then
    local holder = cjson.decode(raw).holder
    if nodeOf(holder) == node then
      free(kind, room, id, holder, kind == 's' and 'disconnected' or 'left')
      freed = freed + 1
    end
  end
end
redis.call('DEL', 'vc:h:' .. node)
redis.call('SREM', 'vc:nodes', node)
return freed
`;

/** ARGV: room. Returns {seats (HGETALL), lobby (HGETALL), locked by or false, seq}. */
export const SNAPSHOT = `
local P = 'vc:r:' .. ARGV[1]
return { redis.call('HGETALL', P .. ':seats'), redis.call('HGETALL', P .. ':lobby'),
  redis.call('GET', P .. ':locked'), tonumber(redis.call('GET', P .. ':seq') or '0') }
`;
