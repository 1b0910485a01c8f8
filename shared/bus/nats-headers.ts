import { headers as createNatsHeaders, type MsgHdrs } from 'nats';

/** The header JetStream deduplicates on. */
export const msgIdHeader = 'Nats-Msg-Id';

/** A publisher's headers as NATS carries them; none when there are none. */
export function toNatsHeaders(values: Readonly<Record<string, string>> | undefined) {
  if (values === undefined || Object.keys(values).length === 0) return undefined;
  const natsHeaders = createNatsHeaders();
  for (const [name, value] of Object.entries(values)) natsHeaders.set(name, value);
  return natsHeaders;
}

/** The publisher's headers of a received message, without the ones NATS itself uses. */
export function fromNatsHeaders(
  natsHeaders: MsgHdrs | undefined,
): Readonly<Record<string, string>> | undefined {
  if (natsHeaders === undefined) return undefined;
  const values: Record<string, string> = {};
  for (const name of natsHeaders.keys()) {
    if (name === msgIdHeader || name.startsWith('Nats-')) continue;
    values[name] = natsHeaders.get(name);
  }
  return Object.keys(values).length === 0 ? undefined : values;
}
