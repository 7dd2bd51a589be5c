import { describe, expect, it } from 'vitest';
import { ClientMessageSchemas } from '../../protocol/signaling.js';
import { permissions } from '../../server/signaling/handlers/index.js';

describe('who may send what', () => {
  it('reserves exactly the host controls for hosts', () => {
    const hostOnly = Object.entries(permissions)
      .filter(([, permission]) => permission === 'host')
      .map(([type]) => type)
      .sort();
    expect(hostOnly).toEqual(['admit', 'deny', 'kick', 'lock', 'mute']);
  });

  it('says who may send every client message type', () => {
    expect(Object.keys(permissions).sort()).toEqual(Object.keys(ClientMessageSchemas).sort());
  });
});
