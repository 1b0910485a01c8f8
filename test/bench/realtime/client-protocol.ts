/** The IPC messages between the realtime benchmark and its socket-holding child processes. */
export type ChildRequest =
  | {
      readonly type: 'open';
      readonly url: string;
      readonly token: string;
      readonly query: string;
      readonly variables: Record<string, unknown>;
      readonly count: number;
      /** Sockets opened at once. */
      readonly batch: number;
      /** A loopback source address of this child's own (127.0.0.0/8), so ports do not run out. */
      readonly localAddress: string;
    }
  /** The fewest events any socket has received. */
  | { readonly type: 'least' }
  /** Answer `reached` once every socket has received an event with `typing: true` from now. */
  | { readonly type: 'await' }
  | { readonly type: 'close' };

export type ChildReply =
  | {
      readonly type: 'opened';
      readonly open: number;
      readonly failures: number;
      readonly lastError: string;
    }
  | {
      readonly type: 'least';
      readonly count: number;
      readonly failures: number;
      readonly lastError: string;
    }
  | { readonly type: 'awaiting' }
  | { readonly type: 'reached' }
  | { readonly type: 'closed' };
