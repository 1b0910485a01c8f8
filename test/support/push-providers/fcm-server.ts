import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { jwtVerify } from 'jose';

/** One `messages:send` call as the loopback FCM received it. */
export interface ReceivedFcmMessage {
  readonly projectId: string;
  readonly authorization: string | undefined;
  /** The `message` object of the request body. */
  readonly message: Record<string, unknown> & { token?: string };
  readonly receivedAt: number;
}

/** How the loopback FCM answers one send to a token. */
export type FcmReply =
  | { readonly error: 'UNREGISTERED' | 'INVALID_ARGUMENT' | 'QUOTA_EXCEEDED' | 'INTERNAL' }
  | { readonly error: 'UNAVAILABLE'; readonly retryAfterSeconds?: number };

/** A loopback FCM HTTP v1 server with its OAuth token endpoint. */
export interface LoopbackFcm {
  /** For GUARDYN_NOTIFICATION__FCM_URL. */
  readonly url: string;
  readonly projectId: string;
  /** A service-account key file whose `token_uri` is this server's `/token`. */
  readonly credentialsFile: string;
  readonly received: ReceivedFcmMessage[];
  /** Access tokens handed out by `/token`. */
  readonly issuedTokens: ReadonlySet<string>;
  /** Queues replies for sends to `token`; once they are used up, sends succeed. */
  reply(token: string, ...replies: FcmReply[]): void;
  sentTo(token: string): ReceivedFcmMessage[];
  close(): Promise<void>;
}

const errorStatus = {
  UNREGISTERED: [404, 'NOT_FOUND'],
  INVALID_ARGUMENT: [400, 'INVALID_ARGUMENT'],
  QUOTA_EXCEEDED: [429, 'RESOURCE_EXHAUSTED'],
  INTERNAL: [500, 'INTERNAL'],
  UNAVAILABLE: [503, 'UNAVAILABLE'],
} as const;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(response: ServerResponse, status: number, body: unknown, headers = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** An FCM v1 error body, as Google sends it (an FcmError detail names the FCM code). */
function fcmError(reply: FcmReply) {
  const [code, status] = errorStatus[reply.error];
  return {
    code,
    body: {
      error: {
        code,
        message: `loopback FCM: ${reply.error}`,
        status,
        details: [
          {
            '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError',
            errorCode: reply.error,
          },
        ],
      },
    },
  };
}

/**
 * Starts a loopback FCM on 127.0.0.1 that speaks the HTTP v1 API: `POST /token` (OAuth 2.0 JWT
 * bearer grant: the assertion must be signed by the service account's key, for this token
 * endpoint, with the FCM scope) and `POST /v1/projects/<project>/messages:send` with
 * `Authorization: Bearer <a token it issued>`. Writes the service-account file into `dir`.
 */
export async function startLoopbackFcm(dir: string): Promise<LoopbackFcm> {
  const projectId = `guardyn-test-${randomBytes(3).toString('hex')}`;
  const clientEmail = `push@${projectId}.iam.gserviceaccount.com`;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const received: ReceivedFcmMessage[] = [];
  const replies = new Map<string, FcmReply[]>();
  const issuedTokens = new Set<string>();
  let tokenUri = '';

  async function token(request: IncomingMessage, response: ServerResponse, key: KeyObject) {
    const form = new URLSearchParams(await readBody(request));
    try {
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
        throw new Error();
      const { payload } = await jwtVerify(form.get('assertion') ?? '', key, {
        issuer: clientEmail,
        audience: tokenUri,
        algorithms: ['RS256'],
      });
      if (!String(payload['scope']).includes('firebase.messaging')) throw new Error();
    } catch {
      json(response, 400, { error: 'invalid_grant' });
      return;
    }
    const accessToken = `ya29.${randomBytes(24).toString('base64url')}`;
    issuedTokens.add(accessToken);
    json(response, 200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' });
  }

  async function send(request: IncomingMessage, response: ServerResponse, project: string) {
    const authorization = request.headers.authorization;
    const bearer = authorization?.replace(/^Bearer /, '') ?? '';
    if (!issuedTokens.has(bearer)) {
      json(response, 401, {
        error: { code: 401, status: 'UNAUTHENTICATED', message: 'bad token' },
      });
      return;
    }
    const body = JSON.parse(await readBody(request)) as { message: ReceivedFcmMessage['message'] };
    received.push({
      projectId: project,
      authorization,
      message: body.message,
      receivedAt: Date.now(),
    });
    const reply = replies.get(body.message.token ?? '')?.shift();
    if (!reply) {
      json(response, 200, { name: `projects/${project}/messages/${received.length}` });
      return;
    }
    const { code, body: errorBody } = fcmError(reply);
    const retryAfter =
      'retryAfterSeconds' in reply && reply.retryAfterSeconds !== undefined
        ? { 'retry-after': String(reply.retryAfterSeconds) }
        : {};
    json(response, code, errorBody, retryAfter);
  }

  const server = createServer((request, response) => {
    const sendPath = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(request.url ?? '');
    const handled =
      request.method === 'POST' && request.url === '/token'
        ? token(request, response, publicKey)
        : request.method === 'POST' && sendPath?.[1]
          ? send(request, response, sendPath[1])
          : Promise.resolve(json(response, 404, { error: { code: 404, status: 'NOT_FOUND' } }));
    handled.catch(() => json(response, 500, { error: { code: 500, status: 'INTERNAL' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tokenUri = `${url}/token`;

  const credentialsFile = path.join(dir, 'fcm-service-account.json');
  await writeFile(
    credentialsFile,
    JSON.stringify({
      type: 'service_account',
      project_id: projectId,
      private_key_id: randomBytes(20).toString('hex'),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      client_email: clientEmail,
      token_uri: tokenUri,
    }),
    { mode: 0o600 },
  );

  return {
    url,
    projectId,
    credentialsFile,
    received,
    issuedTokens,
    reply(token, ...queued) {
      replies.set(token, [...(replies.get(token) ?? []), ...queued]);
    },
    sentTo: (token) => received.filter((entry) => entry.message.token === token),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
