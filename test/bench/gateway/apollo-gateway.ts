/**
 * A plain `@apollo/gateway` behind `@apollo/server`'s standalone server, set up as a team would
 * without tuning: the `authorization` header forwarded by a RemoteGraphQLDataSource whose
 * fetcher is node-fetch with a keep-alive http.Agent. The gateway benchmark runs it as a child:
 *   node --import tsx test/bench/gateway/apollo-gateway.ts <supergraph file> <port>
 */
import { readFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import {
  ApolloGateway,
  RemoteGraphQLDataSource,
  type GraphQLDataSourceProcessOptions,
} from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import type { Fetcher } from '@apollo/utils.fetcher';
import fetch from 'node-fetch';

interface ForwardingContext {
  readonly authorization: string | undefined;
}

const keepAliveAgent = new Agent({ keepAlive: true });
// node-fetch's types differ from Fetcher's in details the gateway does not use.
const keepAliveFetcher = ((url: string, init?: Parameters<Fetcher>[1]) =>
  fetch(url, { ...(init as Parameters<typeof fetch>[1]), agent: keepAliveAgent })) as Fetcher;

class ForwardingDataSource extends RemoteGraphQLDataSource<ForwardingContext> {
  override willSendRequest({
    request,
    context,
  }: GraphQLDataSourceProcessOptions<ForwardingContext>): void {
    if (context.authorization) request.http?.headers.set('authorization', context.authorization);
  }
}

const [supergraphFile, port] = process.argv.slice(2);
if (!supergraphFile || !port) {
  console.error('usage: apollo-gateway.ts <supergraph file> <port>');
  process.exit(2);
}

const gateway = new ApolloGateway({
  supergraphSdl: await readFile(supergraphFile, 'utf8'),
  buildService: ({ url }) => new ForwardingDataSource({ url, fetcher: keepAliveFetcher }),
});
const server = new ApolloServer<ForwardingContext>({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { host: '127.0.0.1', port: Number(port) },
  context: ({ req }) => Promise.resolve({ authorization: req.headers.authorization }),
});
console.log(`plain @apollo/gateway listening on ${url}`);

const stop = () => void server.stop().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
