import { describe, expect, it } from '@jest/globals';
import { statementName, subjectFamily, traceExportUrl, traceServiceName } from './index.js';

describe('span naming', () => {
  it.each([
    ['SELECT content FROM envelopes WHERE id = ?', 'SELECT envelopes', 'envelopes'],
    [
      'select *\n  from   conversation_members where x = 1',
      'SELECT conversation_members',
      'conversation_members',
    ],
    [
      "INSERT OR IGNORE INTO sent_messages VALUES ('secret', 1)",
      'INSERT sent_messages',
      'sent_messages',
    ],
    [
      'UPDATE conversations SET epoch = epoch + 1 WHERE id = ?',
      'UPDATE conversations',
      'conversations',
    ],
    ['DELETE FROM envelopes WHERE expires_at <= 12345', 'DELETE envelopes', 'envelopes'],
    [
      'INSERT INTO guardyn_messaging.mailbox (a) VALUES (?) USING TTL 86400',
      'INSERT guardyn_messaging.mailbox',
      'guardyn_messaging.mailbox',
    ],
    ['PRAGMA user_version = 7', 'PRAGMA', undefined],
  ])('names %j by operation and table only', (query, summary, table) => {
    expect(statementName(query)).toEqual({ operation: summary.split(' ')[0], table, summary });
  });

  it.each([
    ['guardyn.mailbox.0192-user.2', 'guardyn.mailbox'],
    ['guardyn.push.0192-user.2', 'guardyn.push'],
    ['guardyn.device.revoked.0192-user', 'guardyn.device.revoked'],
    ['guardyn.session.revoked.0192-user', 'guardyn.session.revoked'],
    ['guardyn.typing.conv-1', 'guardyn.typing'],
  ])('reduces the subject %s to its family %s', (subject, family) => {
    expect(subjectFamily(subject)).toBe(family);
  });

  it('names the service and the export URL as the configuration says', () => {
    expect(traceServiceName('embedded')).toBe('guardyn');
    expect(traceServiceName('messaging')).toBe('guardyn-messaging');
    expect(traceExportUrl('http://otel:4318/', 'http/protobuf')).toBe('http://otel:4318/v1/traces');
    expect(traceExportUrl('http://otel:4318/otlp', 'http/protobuf')).toBe(
      'http://otel:4318/otlp/v1/traces',
    );
    expect(traceExportUrl('http://otel:4317', 'grpc')).toBe('http://otel:4317');
  });
});
