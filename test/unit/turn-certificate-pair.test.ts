/**
 * loadPair on certificates as issuers make them: one with an empty subject
 * (Caddy's local CA, ACME profiles without a common name) once made the
 * relay exit at start, because node has no `subject` for it at all.
 */
import { describe, expect, it } from 'vitest';
import { loadPair } from '../../turn/tls-certificate.js';
import { testCertificate } from '../helpers/certificate.js';

describe('loadPair', () => {
  it('takes a certificate with an empty subject and names it by its subjectAltName', async () => {
    const certificate = await testCertificate({ subject: 'empty' });
    const pair = await loadPair(certificate);
    expect(pair).toMatchObject({ ok: true, subject: 'DNS:localhost' });
  });

  it('names a certificate with a subject by its subject', async () => {
    const certificate = await testCertificate();
    expect(await loadPair(certificate)).toMatchObject({ ok: true, subject: 'CN=localhost' });
  });
});
