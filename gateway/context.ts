/** The gateway's per-request context: what it forwards to the subgraphs. */
export interface GatewayContext {
  readonly authorization?: string;
  readonly clientAddress?: string;
}
