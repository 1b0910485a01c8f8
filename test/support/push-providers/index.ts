import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLoopbackApns, type LoopbackApns } from './apns-server.js';
import { startLoopbackFcm, type LoopbackFcm } from './fcm-server.js';

export type { ApnsReply, LoopbackApns, ReceivedApnsPush } from './apns-server.js';
export type { FcmReply, LoopbackFcm, ReceivedFcmMessage } from './fcm-server.js';
export { startLoopbackApns, startLoopbackFcm };

/** Both loopback providers, with the GUARDYN_NOTIFICATION__* variables that point at them. */
export interface LoopbackPushProviders {
  readonly fcm: LoopbackFcm;
  readonly apns: LoopbackApns;
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

/** Starts FCM and APNs stand-ins on loopback ports, credentials in a folder of their own. */
export async function startLoopbackPushProviders(): Promise<LoopbackPushProviders> {
  const dir = await mkdtemp(path.join(tmpdir(), 'guardyn-push-'));
  const fcm = await startLoopbackFcm(dir);
  const apns = await startLoopbackApns(dir);
  return {
    fcm,
    apns,
    env: {
      GUARDYN_NOTIFICATION__FCM_URL: fcm.url,
      GUARDYN_NOTIFICATION__FCM_CREDENTIALS_FILE: fcm.credentialsFile,
      GUARDYN_NOTIFICATION__APNS_URL: apns.url,
      GUARDYN_NOTIFICATION__APNS_CA_FILE: apns.caFile,
      GUARDYN_NOTIFICATION__APNS_KEY_FILE: apns.keyFile,
      GUARDYN_NOTIFICATION__APNS_KEY_ID: apns.keyId,
      GUARDYN_NOTIFICATION__APNS_TEAM_ID: apns.teamId,
      GUARDYN_NOTIFICATION__APNS_TOPIC: apns.topic,
    },
    async close() {
      await Promise.all([fcm.close(), apns.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
