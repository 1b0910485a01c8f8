import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  PrivateKey,
  PublicKey,
  SenderCertificate,
  ServerCertificate,
} from '@signalapp/libsignal-client';

/** `{ "publicKey": base64, "privateKey"?: base64 }`: the private half only where certificates are made. */
interface TrustRootFile {
  readonly publicKey: string;
  readonly privateKey?: string;
}

/** `{ "certificate": base64 ServerCertificate, "privateKey": base64 }`. */
interface ServerCertificateFile {
  readonly certificate: string;
  readonly privateKey: string;
}

/** Where the two files are (see GUARDYN_AUTH__SEALED_SENDER_* in docs/operations.md). */
export interface SealedSenderKeyFiles {
  readonly trustRootFile: string;
  readonly certificateFile: string;
}

/** Sender certificates live a day, as Signal's do: a client fetches a new one daily. */
export const senderCertificateLifetimeMs = 24 * 3600_000;

/** The server certificate's key id when this service makes it on first start. */
const firstServerKeyId = 1;

/**
 * Sealed sender's keys (libsignal): the trust root, whose public key clients pin, and a server
 * certificate it signed, whose private key signs every sender certificate. Created on first
 * start like the token signing keys (files mode 0600); in distributed mode every auth replica
 * reads the same configured files.
 */
export class SealedSenderKeys {
  private constructor(
    readonly trustRoot: PublicKey,
    private readonly serverCertificate: ServerCertificate,
    private readonly serverKey: PrivateKey,
  ) {}

  /**
   * Reads both files. A missing trust root is created with a fresh key pair; a missing server
   * certificate is made with the trust root's private key (an error if that file has none). A
   * certificate the trust root did not sign stops the start.
   */
  static async fromFiles(files: SealedSenderKeyFiles): Promise<SealedSenderKeys> {
    let root = await readJson<TrustRootFile>(files.trustRootFile);
    if (!root) {
      const privateKey = PrivateKey.generate();
      root = {
        publicKey: base64(privateKey.getPublicKey().serialize()),
        privateKey: base64(privateKey.serialize()),
      };
      await writePrivateJson(files.trustRootFile, root);
    }
    const trustRoot = PublicKey.deserialize(bytes(root.publicKey));
    let server = await readJson<ServerCertificateFile>(files.certificateFile);
    if (!server) {
      if (!root.privateKey) {
        throw new Error(
          `${files.certificateFile} is missing and ${files.trustRootFile} has no private key to make it`,
        );
      }
      const serverKey = PrivateKey.generate();
      const certificate = ServerCertificate.new(
        firstServerKeyId,
        serverKey.getPublicKey(),
        PrivateKey.deserialize(bytes(root.privateKey)),
      );
      server = {
        certificate: base64(certificate.serialize()),
        privateKey: base64(serverKey.serialize()),
      };
      await writePrivateJson(files.certificateFile, server);
    }
    const certificate = ServerCertificate.deserialize(bytes(server.certificate));
    if (!trustRoot.verify(certificate.certificateData(), certificate.signature())) {
      throw new Error(`${files.certificateFile}: not signed by the trust root`);
    }
    return new SealedSenderKeys(
      trustRoot,
      certificate,
      PrivateKey.deserialize(bytes(server.privateKey)),
    );
  }

  /** A sender certificate for one device: the user id as sender UUID, no phone number. */
  senderCertificate(
    sender: {
      readonly userId: string;
      readonly deviceId: number;
      readonly identityKey: Uint8Array;
    },
    now: Date,
  ): Uint8Array {
    return SenderCertificate.new(
      sender.userId,
      null,
      sender.deviceId,
      PublicKey.deserialize(Uint8Array.from(sender.identityKey)),
      now.getTime() + senderCertificateLifetimeMs,
      this.serverCertificate,
      this.serverKey,
    ).serialize();
  }
}

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function writePrivateJson(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // `wx`: two processes starting on one data directory never overwrite each other's keys.
  await writeFile(file, JSON.stringify(value, null, 2), { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
}

const base64 = (value: Uint8Array) => Buffer.from(value).toString('base64');
const bytes = (value: string) => Uint8Array.from(Buffer.from(value, 'base64'));
