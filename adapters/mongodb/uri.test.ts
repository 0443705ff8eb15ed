import { describe, expect, test } from '@jest/globals';
import { inspectMongoUri, redact } from './uri.ts';

describe('MongoDB URI inspection', () => {
  test('the target keeps scheme, hosts and database, and drops credentials and options', () => {
    const info = inspectMongoUri(
      'mongodb://sso:p%40ss%2Fw0rd@db1.example.com:27017,db2.example.com/sso_prod?replicaSet=rs0&maxPoolSize=50',
    );
    expect(info.target).toBe('mongodb://db1.example.com:27017,db2.example.com/sso_prod');
    expect(info.dbName).toBe('sso_prod');
    expect(info.setsServerSelectionTimeout).toBe(false);
    expect(info.secrets).toEqual(
      expect.arrayContaining(['sso:p%40ss%2Fw0rd', 'p%40ss%2Fw0rd', 'p@ss/w0rd']),
    );
  });

  test('srv URIs, URIs without a database and URIs setting serverSelectionTimeoutMS', () => {
    const info = inspectMongoUri(
      'mongodb+srv://cluster0.example.net/?serverSelectionTimeoutMS=100&tls=true',
    );
    expect(info.target).toBe('mongodb+srv://cluster0.example.net');
    expect(info.dbName).toBeUndefined();
    expect(info.setsServerSelectionTimeout).toBe(true);
    expect(info.secrets).toEqual([]);
  });

  test('an unescaped @ in the password still counts as part of the credentials', () => {
    const info = inspectMongoUri('mongodb://admin:hunter@2@localhost/admin');
    expect(info.target).toBe('mongodb://localhost/admin');
    expect(redact('auth failed for admin:hunter@2 and hunter@2', info)).not.toContain('hunter');
  });

  test('redact removes the password in raw and decoded form and any credentials in a URL', () => {
    const info = inspectMongoUri('mongodb://u:s%3Dcret@h/d');
    const text = redact('s%3Dcret s=cret mongodb://x:y@other:1/z', info);
    expect(text).not.toMatch(/s%3Dcret|s=cret|x:y/);
    expect(text).toContain('mongodb://***@other:1/z');
  });

  test('something that is not a URI is never repeated', () => {
    const info = inspectMongoUri('not a uri with secret');
    expect(info.target).not.toContain('secret');
    expect(redact('bad: not a uri with secret', info)).not.toContain('secret');
  });
});
