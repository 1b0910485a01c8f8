import { describe, expect, it } from '@jest/globals';
import cassandra from 'cassandra-driver';
import type { CqlSession, ResultSet, Row } from '../../../shared/cql/index.js';
import { Conversations } from './conversations.js';

const emptyResult = { rows: [], first: () => null, wasApplied: () => true } as unknown as ResultSet;

/**
 * A session whose `DELETE ... IF EXISTS` times out (its outcome unknown), and whose SERIAL read
 * afterwards finds `memberRow`: the one path of removeMember a live cluster cannot be made to take.
 */
function sessionWhereTheDeleteTimesOut(memberRow: Row | null) {
  const statements: string[] = [];
  const session = {
    async execute(query: string): Promise<ResultSet> {
      statements.push(query);
      if (query.includes('IF EXISTS'))
        throw new cassandra.errors.OperationTimedOutError('timed out');
      return emptyResult;
    },
    async first(query: string): Promise<Row | null> {
      statements.push(query);
      return memberRow;
    },
  };
  return { session: session as unknown as CqlSession, statements };
}

describe('Conversations.removeMember after a timeout', () => {
  it('counts the member removed when the SERIAL read finds the row gone', async () => {
    const { session, statements } = sessionWhereTheDeleteTimesOut(null);
    const conversations = new Conversations(session, 'ks', async () => undefined);
    expect(await conversations.removeMember('c', 'u')).toBe(true);
    expect(statements.some((query) => query.startsWith('SELECT member_id'))).toBe(true);
  });

  it('counts nothing removed when the row is still there', async () => {
    const row = { get: () => 'u' } as unknown as Row;
    const { session } = sessionWhereTheDeleteTimesOut(row);
    const conversations = new Conversations(session, 'ks', async () => undefined);
    expect(await conversations.removeMember('c', 'u')).toBe(false);
  });
});
