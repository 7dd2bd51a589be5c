import { describe, expect, it } from 'vitest';
import { isOriginAllowed } from '../../server/origin.js';

describe('origin check', () => {
  it('allows the same origin by default', () => {
    expect(isOriginAllowed('https://calls.example.com', 'calls.example.com', [])).toBe(true);
    expect(isOriginAllowed('http://localhost:8080', 'localhost:8080', [])).toBe(true);
  });

  it('treats a Host header with the default port or upper case as the same origin', () => {
    expect(isOriginAllowed('https://calls.example.com', 'calls.example.com:443', [])).toBe(true);
    expect(isOriginAllowed('https://calls.example.com', 'Calls.Example.COM', [])).toBe(true);
    expect(isOriginAllowed('http://calls.example.com', 'calls.example.com:80', [])).toBe(true);
  });

  it('refuses another origin by default', () => {
    expect(isOriginAllowed('https://evil.example', 'calls.example.com', [])).toBe(false);
    expect(isOriginAllowed('http://localhost:3000', 'localhost:8080', [])).toBe(false);
  });

  it('allows listed origins and only those', () => {
    const allowed = ['https://app.example.com'];
    expect(isOriginAllowed('https://app.example.com', 'calls.example.com', allowed)).toBe(true);
    expect(isOriginAllowed('http://app.example.com', 'calls.example.com', allowed)).toBe(false);
    expect(isOriginAllowed('https://app.example.com.evil.example', 'calls.example.com', allowed)).toBe(false);
  });

  it('allows every origin with *', () => {
    expect(isOriginAllowed('https://anywhere.example', 'calls.example.com', '*')).toBe(true);
  });

  it('allows clients that send no Origin (not a browser)', () => {
    expect(isOriginAllowed(undefined, 'calls.example.com', [])).toBe(true);
  });

  it('refuses a malformed or opaque Origin', () => {
    expect(isOriginAllowed('null', 'calls.example.com', [])).toBe(false);
    expect(isOriginAllowed('not a url', 'calls.example.com', ['https://app.example.com'])).toBe(false);
  });
});
