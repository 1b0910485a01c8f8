/** Where an end-to-end scenario runs: a gateway, and the folder its stores write to. */
export interface E2eTarget {
  /** The gateway's GraphQL endpoint. */
  readonly url: string;
  /** Scanned for plaintext after the scenario (SQLite files; blobs). */
  readonly dataDir: string;
}
