import type { RequestOptions } from 'node:https';
import { Agent } from 'node:https';
import { connect as connectTcp, isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as connectTls } from 'node:tls';

/**
 * An HTTPS agent whose connections go to `endpoint` whatever host the request names, the way a
 * forwarding proxy works. firebase-admin sends FCM calls to the fixed `https://fcm.googleapis.com`
 * but through `AppOptions.httpAgent`, so this points it at GUARDYN_NOTIFICATION__FCM_URL (a relay,
 * or a loopback test server). An `http:` endpoint gets plain TCP (loopback tests only); an
 * `https:` one gets TLS verified against that endpoint's own name.
 */
export class EndpointAgent extends Agent {
  private readonly host: string;
  private readonly port: number;
  private readonly secure: boolean;

  constructor(endpoint: URL) {
    super({ keepAlive: true });
    this.secure = endpoint.protocol === 'https:';
    this.host = endpoint.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(endpoint.port) || (this.secure ? 443 : 80);
  }

  override createConnection(_options: RequestOptions): Duplex {
    if (!this.secure) return connectTcp({ host: this.host, port: this.port });
    return connectTls({
      host: this.host,
      port: this.port,
      ...(isIP(this.host) === 0 ? { servername: this.host } : {}),
    });
  }
}
