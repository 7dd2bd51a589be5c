/**
 * Throwaway self-signed certificates for localhost (TURN over TLS in tests),
 * made with openssl: valid for `days`, or already expired (signed with
 * `openssl ca`, the one openssl 3.0 command that takes explicit dates).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  cert: string;
  key: string;
  dir: string;
}

/**
 * `subject: 'empty'` makes one with an empty subject and its name only in
 * subjectAltName, as Caddy's local CA and some ACME profiles issue them.
 */
export async function testCertificate(
  options: { days?: number; expired?: boolean; subject?: 'localhost' | 'empty' } = {},
): Promise<TestCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'vc-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const newKey = [
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    options.subject === 'empty' ? '/' : '/CN=localhost',
    '-keyout',
    key,
  ];
  if (options.expired !== true) {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        ...newKey,
        '-days',
        String(options.days ?? 1),
        '-addext',
        'subjectAltName=DNS:localhost',
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    return { cert, key, dir };
  }
  const csr = join(dir, 'request.csr');
  await writeFile(join(dir, 'index.txt'), '');
  await writeFile(join(dir, 'serial'), '01\n');
  await writeFile(
    join(dir, 'ca.cnf'),
    [
      '[ca]',
      'default_ca = expired',
      '[expired]',
      `database = ${dir}/index.txt`,
      `serial = ${dir}/serial`,
      `new_certs_dir = ${dir}`,
      'default_md = sha256',
      'policy = any',
      '[any]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  execFileSync('openssl', ['req', '-new', ...newKey, '-out', csr], { stdio: 'ignore' });
  execFileSync(
    'openssl',
    [
      'ca',
      '-batch',
      '-config',
      join(dir, 'ca.cnf'),
      '-selfsign',
      '-keyfile',
      key,
      '-in',
      csr,
      '-out',
      cert,
      '-startdate',
      '20200101000000Z',
      '-enddate',
      '20200201000000Z',
    ],
    {
      stdio: 'ignore',
    },
  );
  return { cert, key, dir };
}
