import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import {
  constants,
  createSecureServer,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { createSelfSignedCertificate } from './tls-certificate.js';

/** One push as the loopback APNs received it. */
export interface ReceivedApnsPush {
  readonly token: string;
  readonly headers: {
    readonly authorization: string | undefined;
    readonly topic: string | undefined;
    readonly pushType: string | undefined;
    readonly priority: string | undefined;
    readonly collapseId: string | undefined;
    readonly expiration: string | undefined;
  };
  readonly payload: unknown;
  readonly receivedAt: number;
}

/** How the loopback APNs answers one push to a token (APNs status and reason). */
export interface ApnsReply {
  readonly status: number;
  readonly reason: string;
}

/** A loopback APNs provider API: HTTP/2 over TLS with a self-signed certificate. */
export interface LoopbackApns {
  /** For GUARDYN_NOTIFICATION__APNS_URL. */
  readonly url: string;
  /** The self-signed certificate, for GUARDYN_NOTIFICATION__APNS_CA_FILE. */
  readonly caFile: string;
  /** A .p8 (PKCS#8 P-256) signing key whose JWTs this server accepts. */
  readonly keyFile: string;
  readonly keyId: string;
  readonly teamId: string;
  readonly topic: string;
  readonly received: ReceivedApnsPush[];
  /** Queues replies for pushes to `token`; once they are used up, pushes succeed. */
  reply(token: string, ...replies: ApnsReply[]): void;
  sentTo(token: string): ReceivedApnsPush[];
  close(): Promise<void>;
}

const appleId = () => randomBytes(5).toString('hex').toUpperCase();

/**
 * Starts a loopback APNs on 127.0.0.1: TLS (ALPN h2) with a certificate made for the occasion,
 * `POST /3/device/<token>`, provider-token auth (`authorization: bearer <ES256 JWT>` whose `kid`
 * and `iss` are the key id and team id, verified with the key's public half) and the `apns-topic`
 * of the app. Writes the key and certificate files into `dir`.
 */
export async function startLoopbackApns(dir: string): Promise<LoopbackApns> {
  const certificate = await createSelfSignedCertificate(dir);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const keyFile = path.join(dir, 'apns-key.p8');
  await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const keyId = appleId();
  const teamId = appleId();
  const topic = 'dev.guardyn.test';
  const received: ReceivedApnsPush[] = [];
  const replies = new Map<string, ApnsReply[]>();

  function answer(stream: ServerHttp2Stream, status: number, reason?: string) {
    stream.respond({
      ':status': status,
      'apns-id': randomUUID(),
      ...(reason ? { 'content-type': 'application/json' } : {}),
    });
    stream.end(reason ? JSON.stringify({ reason, timestamp: Date.now() }) : undefined);
  }

  async function authorized(authorization: string | undefined): Promise<boolean> {
    const jwt = authorization?.replace(/^bearer /, '') ?? '';
    try {
      if (decodeProtectedHeader(jwt).kid !== keyId) return false;
      await jwtVerify(jwt, publicKey, { issuer: teamId, algorithms: ['ES256'] });
      return true;
    } catch {
      return false;
    }
  }

  const server = createSecureServer({ key: certificate.key, cert: certificate.cert });
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      void (async () => {
        const match = /^\/3\/device\/([0-9a-fA-F]+)$/.exec(
          String(headers[constants.HTTP2_HEADER_PATH]),
        );
        const token = match?.[1];
        if (headers[constants.HTTP2_HEADER_METHOD] !== 'POST' || !token) {
          answer(stream, 404, 'BadPath');
          return;
        }
        const authorization = headers['authorization'];
        if (!(await authorized(authorization))) {
          answer(stream, 403, 'InvalidProviderToken');
          return;
        }
        if (headers['apns-topic'] !== topic) {
          answer(stream, 400, 'BadTopic');
          return;
        }
        const text = (name: string) => {
          const value = headers[name];
          return Array.isArray(value) ? value.join(',') : value;
        };
        received.push({
          token,
          headers: {
            authorization,
            topic: text('apns-topic'),
            pushType: text('apns-push-type'),
            priority: text('apns-priority'),
            collapseId: text('apns-collapse-id'),
            expiration: text('apns-expiration'),
          },
          payload: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
          receivedAt: Date.now(),
        });
        const reply = replies.get(token)?.shift();
        if (reply) answer(stream, reply.status, reply.reason);
        else answer(stream, 200);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });

  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caFile: certificate.certFile,
    keyFile,
    keyId,
    teamId,
    topic,
    received,
    reply(token, ...queued) {
      replies.set(token, [...(replies.get(token) ?? []), ...queued]);
    },
    sentTo: (token) => received.filter((entry) => entry.token === token),
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}
