import { describe, expect, it } from 'vitest';
import { judgeSite, type Site } from '../../server/origin.js';

const local: Site = { allowedOrigins: [], publicUrl: undefined };
const deployed: Site = { allowedOrigins: [], publicUrl: 'https://calls.example.com' };

describe('site check without PUBLIC_URL (npm start on localhost)', () => {
  it('allows the same origin when the Host is an IP literal or localhost', () => {
    expect(judgeSite(local, 'http://localhost:8080', 'localhost:8080')).toBe('ok');
    expect(judgeSite(local, 'http://127.0.0.1:8080', '127.0.0.1:8080')).toBe('ok');
    expect(judgeSite(local, 'http://[::1]:8080', '[::1]:8080')).toBe('ok');
    expect(judgeSite(local, 'http://192.168.1.20:8080', '192.168.1.20:8080')).toBe('ok');
  });

  it('treats a Host with the default port or upper case as the same origin', () => {
    expect(judgeSite(local, 'http://localhost', 'LOCALHOST:80')).toBe('ok');
    expect(judgeSite(local, 'https://127.0.0.1', '127.0.0.1:443')).toBe('ok');
  });

  it('refuses a DNS name in Host, which a rebinding page controls, and says to set PUBLIC_URL', () => {
    expect(judgeSite(local, 'http://attacker.example', 'attacker.example')).toBe('host');
    expect(judgeSite(local, undefined, 'attacker.example')).toBe('host');
    expect(judgeSite(local, 'https://calls.example.com', 'calls.example.com')).toBe('host');
  });

  it('refuses another origin, and a Host that is not a host', () => {
    expect(judgeSite(local, 'https://evil.example', 'localhost:8080')).toBe('origin');
    expect(judgeSite(local, 'http://localhost:3000', 'localhost:8080')).toBe('origin');
    expect(judgeSite(local, undefined, 'localhost/evil')).toBe('host');
    expect(judgeSite(local, undefined, 'evil.example@127.0.0.1')).toBe('host');
    expect(judgeSite(local, undefined, undefined)).toBe('host');
  });
});

describe('site check with PUBLIC_URL', () => {
  it("allows exactly PUBLIC_URL's origin, with its Host or a rebinding-proof one", () => {
    expect(judgeSite(deployed, 'https://calls.example.com', 'calls.example.com')).toBe('ok');
    expect(judgeSite(deployed, 'https://calls.example.com', 'Calls.Example.com:443')).toBe('ok');
    // A proxy that does not pass Host on.
    expect(judgeSite(deployed, 'https://calls.example.com', '127.0.0.1:8080')).toBe('ok');
    expect(judgeSite(deployed, 'http://calls.example.com', 'calls.example.com')).toBe('origin');
    expect(judgeSite(deployed, 'http://127.0.0.1:8080', '127.0.0.1:8080')).toBe('origin');
  });

  it('refuses a rebound name, with or without an Origin', () => {
    expect(judgeSite(deployed, 'https://attacker.example', 'attacker.example')).toBe('host');
    expect(judgeSite(deployed, undefined, 'attacker.example')).toBe('host');
    expect(judgeSite(deployed, 'https://attacker.example', 'calls.example.com')).toBe('origin');
  });

  it('lets clients that send no Origin (not a browser) in by its name', () => {
    expect(judgeSite(deployed, undefined, 'calls.example.com')).toBe('ok');
    expect(judgeSite(deployed, undefined, 'localhost:8080')).toBe('ok');
  });

  it('keeps a non-default port in the comparison', () => {
    const site: Site = { allowedOrigins: [], publicUrl: 'https://localhost:8443' };
    expect(judgeSite(site, 'https://localhost:8443', 'localhost:8443')).toBe('ok');
    expect(judgeSite(site, 'https://localhost', 'localhost')).toBe('origin');
  });
});

describe('ALLOWED_ORIGINS', () => {
  it('allows listed origins whatever the Host, and only those', () => {
    const site: Site = { allowedOrigins: ['https://app.example.com'], publicUrl: undefined };
    expect(judgeSite(site, 'https://app.example.com', 'calls.example.com')).toBe('ok');
    expect(judgeSite(site, 'http://app.example.com', 'calls.example.com')).toBe('host');
    expect(judgeSite(site, 'https://app.example.com.evil.example', 'localhost')).toBe('origin');
  });

  it('allows everything with *', () => {
    expect(
      judgeSite({ allowedOrigins: '*', publicUrl: undefined }, 'https://anywhere.example', 'attacker.example'),
    ).toBe('ok');
  });

  it('refuses a malformed or opaque Origin', () => {
    expect(judgeSite(local, 'null', 'localhost')).toBe('origin');
    expect(
      judgeSite({ allowedOrigins: ['https://app.example.com'], publicUrl: undefined }, 'not a url', '127.0.0.1'),
    ).toBe('origin');
  });
});
