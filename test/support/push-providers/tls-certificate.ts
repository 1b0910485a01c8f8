import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

/** A self-signed certificate and its key, as files and PEM text. */
export interface SelfSignedCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

/**
 * Makes a self-signed P-256 certificate for `localhost` and `127.0.0.1` (valid one day) with the
 * `openssl` command (Node has no API to issue certificates). Clients trust it by naming its
 * file as their CA.
 */
export async function createSelfSignedCertificate(dir: string): Promise<SelfSignedCertificate> {
  const certFile = path.join(dir, 'loopback-cert.pem');
  const keyFile = path.join(dir, 'loopback-key.pem');
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  return {
    certFile,
    keyFile,
    cert: await readFile(certFile, 'utf8'),
    key: await readFile(keyFile, 'utf8'),
  };
}
