/** The five subgraphs, in supergraph order, with their embedded-mode ports. */
export const subgraphNames = ['auth', 'messaging', 'presence', 'media', 'notification'] as const;
export type SubgraphName = (typeof subgraphNames)[number];

export const serviceNames = ['gateway', ...subgraphNames] as const;
export type ServiceName = (typeof serviceNames)[number];

/** Default ports: the gateway on 4000, the subgraphs on 4001..4005 in the order above. */
export const defaultPorts: Readonly<Record<ServiceName, number>> = {
  gateway: 4000,
  auth: 4001,
  messaging: 4002,
  presence: 4003,
  media: 4004,
  notification: 4005,
};

export function isSubgraphName(value: string): value is SubgraphName {
  return (subgraphNames as readonly string[]).includes(value);
}
