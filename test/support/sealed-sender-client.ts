/**
 * A sealed-sender client for tests, with real libsignal: the trust root and sender certificate
 * from the API, sessions from claimed bundles, sealed encryption per device, and the recipient's
 * side (sealedSenderDecryptMessage against the pinned trust root).
 */
import { randomBytes } from 'node:crypto';
import {
  PublicKey,
  SenderCertificate,
  UnidentifiedSenderMessageContent,
  sealedSenderDecryptMessage,
  sealedSenderDecryptToUsmc,
  sealedSenderEncryptMessage,
  sealedSenderMultiRecipientEncrypt,
  type CiphertextMessage,
} from '@signalapp/libsignal-client';
import {
  ClaimPreKeyBundlesDocument,
  SealedSenderTrustRootDocument,
  SenderCertificateDocument,
  SendSealedMessageDocument,
  SetUnidentifiedAccessDocument,
  type SendSealedMessageInput,
} from '../../schema/generated/operations.js';
import { expectData, postGraphQL, type GraphQLResponse } from './graphql-client.js';
import {
  buildSessionFromBundle,
  fromBase64,
  protocolAddress,
  toBase64,
  type TestDevice,
} from './signal-device.js';

/** What a signed-in test client holds. */
interface SignedIn {
  readonly accessToken: string;
  readonly device: TestDevice;
}

/** A device a sealed send addresses, as a claimed bundle described it. */
export interface SealedTarget {
  readonly userId: string;
  readonly deviceId: number;
  readonly registrationId: number;
}

/** A fresh 16-byte unidentified-access key (real clients derive it from the profile key). */
export const newAccessKey = (): Uint8Array => new Uint8Array(randomBytes(16));

export async function trustRootOf(url: string): Promise<PublicKey> {
  const { sealedSenderTrustRoot } = await expectData(url, SealedSenderTrustRootDocument, {});
  return PublicKey.deserialize(fromBase64(sealedSenderTrustRoot));
}

export async function senderCertificateOf(url: string, account: SignedIn) {
  const { senderCertificate } = await expectData(
    url,
    SenderCertificateDocument,
    {},
    account.accessToken,
  );
  return SenderCertificate.deserialize(fromBase64(senderCertificate));
}

export async function setAccess(
  url: string,
  account: SignedIn,
  accessKey: Uint8Array | null,
  unrestricted = false,
): Promise<void> {
  await expectData(
    url,
    SetUnidentifiedAccessDocument,
    { accessKey: accessKey ? toBase64(accessKey) : null, unrestricted },
    account.accessToken,
  );
}

/** Claims bundles of `userId`'s devices (all, or those given) and starts a session with each. */
export async function startSessions(
  url: string,
  from: SignedIn,
  userId: string,
  deviceIds?: number[],
): Promise<SealedTarget[]> {
  const { claimPreKeyBundles } = await expectData(
    url,
    ClaimPreKeyBundlesDocument,
    { userId, deviceIds: deviceIds ?? null },
    from.accessToken,
  );
  for (const bundle of claimPreKeyBundles) await buildSessionFromBundle(from.device, bundle);
  return claimPreKeyBundles.map(({ deviceId, registrationId }) => ({
    userId,
    deviceId,
    registrationId,
  }));
}

/** One sealed envelope per target: sealedSenderEncryptMessage over the existing sessions. */
export async function sealFor(
  from: TestDevice,
  certificate: SenderCertificate,
  targets: readonly SealedTarget[],
  plaintext: Uint8Array,
): Promise<SendSealedMessageInput['envelopes']> {
  return Promise.all(
    targets.map(async (target) => ({
      deviceId: target.deviceId,
      registrationId: target.registrationId,
      content: toBase64(
        await sealedSenderEncryptMessage(
          Uint8Array.from(plaintext),
          protocolAddress(target),
          certificate,
          from.stores.sessions,
          from.stores.identity,
        ),
      ),
    })),
  );
}

/** Posts a sealed send: without a token unless a test gives one on purpose. */
export function postSealed(
  url: string,
  input: SendSealedMessageInput,
  token?: string,
): Promise<GraphQLResponse<{ sendSealedMessage: { messageId: string; recipients: number } }>> {
  return postGraphQL(url, SendSealedMessageDocument, { input }, token);
}

/** The recipient's side: decrypts against the pinned trust root; libsignal checks the certificate. */
export async function openSealed(
  device: TestDevice,
  trustRoot: PublicKey,
  content: string,
  at: number = Date.now(),
) {
  const result = await sealedSenderDecryptMessage(
    fromBase64(content),
    trustRoot,
    at,
    null,
    device.userId,
    device.deviceId,
    device.stores.sessions,
    device.stores.identity,
    device.stores.preKeys,
    device.stores.signedPreKeys,
    device.stores.kyberPreKeys,
  );
  return {
    senderUserId: result.senderUuid(),
    senderDeviceId: result.deviceId(),
    plaintext: new TextDecoder().decode(result.message()),
  };
}

/**
 * libsignal's multi-recipient form: one payload for every target device (sessions must exist),
 * carrying `inner` (any CiphertextMessage: the server never reads it) under `certificate`.
 */
export async function sealForMany(
  from: TestDevice,
  certificate: SenderCertificate,
  targets: readonly SealedTarget[],
  inner: CiphertextMessage,
): Promise<Uint8Array> {
  const content = UnidentifiedSenderMessageContent.new(inner, certificate, 0, null);
  return sealedSenderMultiRecipientEncrypt(
    content,
    targets.map((target) => protocolAddress(target)),
    from.stores.identity,
    from.stores.sessions,
  );
}

/** A recipient's view of a multi-recipient share: the certificate and the inner message. */
export async function openShare(device: TestDevice, content: string) {
  const usmc = await sealedSenderDecryptToUsmc(fromBase64(content), device.stores.identity);
  return { certificate: usmc.senderCertificate(), inner: usmc.contents() };
}
