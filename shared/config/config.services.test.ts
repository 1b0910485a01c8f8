/** loadConfig: what the subgraphs read (media, notification, CQL keyspaces, send rate and mailbox quota). */
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './index.js';
import { configError } from './config-error.test-support.js';

describe('loadConfig: media and notification', () => {
  it('defaults to 100 MiB attachments, 5 MiB avatars, 15-minute URLs and no push providers', () => {
    const { media, notification } = loadConfig({});
    expect(media).toEqual({
      publicUrl: undefined,
      maxAttachmentBytes: 100 * 1024 * 1024,
      maxAvatarBytes: 5 * 1024 * 1024,
      downloadUrlTtlSeconds: 900,
    });
    expect(notification).toEqual({ collapseSeconds: 30, fcm: undefined, apns: undefined });
  });

  it('reads the media limits, the public URL and both providers', () => {
    const { media, notification } = loadConfig({
      GUARDYN_MEDIA__PUBLIC_URL: 'https://media.example.org/',
      GUARDYN_MEDIA__MAX_ATTACHMENT_BYTES: '1048576',
      GUARDYN_MEDIA__MAX_AVATAR_BYTES: '65536',
      GUARDYN_MEDIA__DOWNLOAD_URL_TTL_SECONDS: '60',
      GUARDYN_NOTIFICATION__COLLAPSE_SECONDS: '10',
      GUARDYN_NOTIFICATION__FCM_CREDENTIALS_FILE: '/secrets/fcm.json',
      GUARDYN_NOTIFICATION__FCM_URL: 'http://127.0.0.1:9999',
      GUARDYN_NOTIFICATION__APNS_KEY_FILE: '/secrets/AuthKey.p8',
      GUARDYN_NOTIFICATION__APNS_KEY_ID: 'ABCDE12345',
      GUARDYN_NOTIFICATION__APNS_TEAM_ID: 'TEAM123456',
      GUARDYN_NOTIFICATION__APNS_TOPIC: 'org.example.guardyn',
      GUARDYN_NOTIFICATION__APNS_URL: 'https://api.sandbox.push.apple.com',
    });
    expect(media).toEqual({
      publicUrl: 'https://media.example.org',
      maxAttachmentBytes: 1048576,
      maxAvatarBytes: 65536,
      downloadUrlTtlSeconds: 60,
    });
    expect(notification).toEqual({
      collapseSeconds: 10,
      fcm: { credentialsFile: '/secrets/fcm.json', url: 'http://127.0.0.1:9999' },
      apns: {
        keyFile: '/secrets/AuthKey.p8',
        keyId: 'ABCDE12345',
        teamId: 'TEAM123456',
        topic: 'org.example.guardyn',
        url: 'https://api.sandbox.push.apple.com',
        caFile: undefined,
      },
    });
    expect(
      loadConfig({ GUARDYN_NOTIFICATION__FCM_CREDENTIALS_FILE: 'f.json' }).notification.fcm,
    ).toEqual({ credentialsFile: path.resolve('f.json'), url: 'https://fcm.googleapis.com' });
  });

  it.each([
    [{ GUARDYN_MEDIA__PUBLIC_URL: 'ftp://media' }, 'GUARDYN_MEDIA__PUBLIC_URL', 'must use http'],
    [{ GUARDYN_MEDIA__MAX_ATTACHMENT_BYTES: '0' }, 'GUARDYN_MEDIA__MAX_ATTACHMENT_BYTES', 'from 1'],
    [
      { GUARDYN_MEDIA__MAX_AVATAR_BYTES: '3000000000' },
      'GUARDYN_MEDIA__MAX_AVATAR_BYTES',
      'to 2147483647',
    ],
    [
      { GUARDYN_MEDIA__DOWNLOAD_URL_TTL_SECONDS: '5' },
      'GUARDYN_MEDIA__DOWNLOAD_URL_TTL_SECONDS',
      'from 10',
    ],
    [
      { GUARDYN_NOTIFICATION__APNS_URL: 'http://apns' },
      'GUARDYN_NOTIFICATION__APNS_URL',
      'must use https',
    ],
    [
      { GUARDYN_NOTIFICATION__APNS_KEY_ID: 'short' },
      'GUARDYN_NOTIFICATION__APNS_KEY_ID',
      'not a 10-character key id',
    ],
    [
      {
        GUARDYN_NOTIFICATION__APNS_KEY_FILE: '/k.p8',
        GUARDYN_NOTIFICATION__APNS_KEY_ID: 'ABCDE12345',
      },
      'GUARDYN_NOTIFICATION__APNS_TEAM_ID',
      'required together with GUARDYN_NOTIFICATION__APNS_KEY_FILE',
    ],
    [
      { GUARDYN_NOTIFICATION__COLLAPSE_SECONDS: '0' },
      'GUARDYN_NOTIFICATION__COLLAPSE_SECONDS',
      'from 1 to 3600',
    ],
  ])('refuses %j naming the variable', (env, variable, problem) => {
    const error = configError(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(problem);
    expect(error.message).not.toContain('\n');
  });
});

describe('loadConfig: ScyllaDB keyspaces', () => {
  it('defaults to SimpleStrategy with one replica and the guardyn prefix', () => {
    const { database } = loadConfig({});
    expect(database.scyllaReplication).toEqual({
      strategy: 'SimpleStrategy',
      replicationFactor: 1,
    });
    expect(database.scyllaKeyspacePrefix).toBe('guardyn');
  });

  it('reads the replication and the keyspace prefix', () => {
    expect(
      loadConfig({ GUARDYN_DATABASE__SCYLLADB_REPLICATION: 'SimpleStrategy:3' }).database
        .scyllaReplication,
    ).toEqual({ strategy: 'SimpleStrategy', replicationFactor: 3 });
    const { database } = loadConfig({
      GUARDYN_DATABASE__SCYLLADB_REPLICATION: 'NetworkTopologyStrategy:dc1=3, eu-west=2',
      GUARDYN_DATABASE__SCYLLADB_KEYSPACE_PREFIX: 'prod_eu',
    });
    expect(database.scyllaReplication).toEqual({
      strategy: 'NetworkTopologyStrategy',
      dataCenters: { dc1: 3, 'eu-west': 2 },
    });
    expect(database.scyllaKeyspacePrefix).toBe('prod_eu');
  });

  it.each([
    [
      'GUARDYN_DATABASE__SCYLLADB_REPLICATION',
      'SimpleStrategy',
      'expected SimpleStrategy:<factor>',
    ],
    ['GUARDYN_DATABASE__SCYLLADB_REPLICATION', 'SimpleStrategy:0', 'factors 1 to 99'],
    [
      'GUARDYN_DATABASE__SCYLLADB_REPLICATION',
      'NetworkTopologyStrategy:dc1',
      'each data center once',
    ],
    [
      'GUARDYN_DATABASE__SCYLLADB_REPLICATION',
      'NetworkTopologyStrategy:dc1=3,dc1=2',
      'each data center once',
    ],
    ['GUARDYN_DATABASE__SCYLLADB_REPLICATION', 'EverywhereStrategy:1', 'expected SimpleStrategy'],
    ['GUARDYN_DATABASE__SCYLLADB_KEYSPACE_PREFIX', 'Guardyn', 'not a keyspace prefix'],
    ['GUARDYN_DATABASE__SCYLLADB_KEYSPACE_PREFIX', 'a'.repeat(33), 'not a keyspace prefix'],
  ])('refuses %s=%s', (variable, value, problem) => {
    const error = configError({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(problem);
    expect(error.message).not.toContain('\n');
  });
});

describe('loadConfig: send rate and mailbox quota', () => {
  it('defaults to 30 sends and 32 MiB per sender per minute, 100000 envelopes and 512 MiB per mailbox', () => {
    expect(loadConfig({}).messaging).toMatchObject({
      sendRatePerMinute: 30,
      sendBytesPerMinute: 32 * 1024 * 1024,
      mailboxMaxEnvelopes: 100_000,
      mailboxMaxBytes: 512 * 1024 * 1024,
    });
  });

  it('reads them', () => {
    expect(
      loadConfig({
        GUARDYN_MESSAGING__SEND_RATE_PER_MINUTE: '5',
        GUARDYN_MESSAGING__SEND_BYTES_PER_MINUTE: '1048576',
        GUARDYN_MESSAGING__MAILBOX_MAX_ENVELOPES: '10',
        GUARDYN_MESSAGING__MAILBOX_MAX_BYTES: '262144',
      }).messaging,
    ).toMatchObject({
      sendRatePerMinute: 5,
      sendBytesPerMinute: 1048576,
      mailboxMaxEnvelopes: 10,
      mailboxMaxBytes: 262144,
    });
  });

  it.each([
    ['GUARDYN_MESSAGING__SEND_RATE_PER_MINUTE', '0'],
    ['GUARDYN_MESSAGING__SEND_RATE_PER_MINUTE', 'lots'],
    ['GUARDYN_MESSAGING__SEND_BYTES_PER_MINUTE', '65535'],
    ['GUARDYN_MESSAGING__MAILBOX_MAX_ENVELOPES', '0'],
    ['GUARDYN_MESSAGING__MAILBOX_MAX_BYTES', '1024'],
    ['GUARDYN_MESSAGING__MAILBOX_MAX_BYTES', '1e9'],
  ])('refuses %s=%s', (variable, value) => {
    const error = configError({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message).toContain('is not a whole number from');
  });
});
