// The message catalogues: French has every key of English and nothing else, with the same
// {placeholders}; Arabic (right to left) has every string the sign-in page shows; every key a view
// names exists. The keys a view uses are read from the view files themselves.
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ar } from '../../interactions/i18n/ar.ts';
import { en } from '../../interactions/i18n/en.ts';
import { fr } from '../../interactions/i18n/fr.ts';

const VIEWS = join(import.meta.dirname, '../../interactions/views');

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

// The keys a view file names literally: t('key'), t('key', …) and rich partials' key: 'key'.
function keysIn(file: string): string[] {
  const text = readFileSync(join(VIEWS, file), 'utf8');
  return [
    ...[...text.matchAll(/\bt\(\s*'([\w.]*\w)'/g)].map((m) => m[1]!),
    ...[...text.matchAll(/\bkey: '([\w.]*\w)'/g)].map((m) => m[1]!),
  ];
}

function viewFiles(dir = ''): string[] {
  return readdirSync(join(VIEWS, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? viewFiles(join(dir, entry.name))
      : entry.name.endsWith('.ejs')
        ? [join(dir, entry.name)]
        : [],
  );
}

describe('message catalogues', () => {
  test('French has exactly the keys of English', () => {
    const missing = Object.keys(en).filter((key) => !Object.hasOwn(fr, key));
    const extra = Object.keys(fr).filter((key) => !Object.hasOwn(en, key));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  });

  test.each([
    ['fr', fr],
    ['ar', ar],
  ] as const)(
    '%s keeps the placeholders of every English string, and none is empty',
    (_, catalogue) => {
      for (const [key, text] of Object.entries(catalogue) as [keyof typeof en, string][]) {
        expect({ key, known: Object.hasOwn(en, key) }).toEqual({ key, known: true });
        expect({ key, empty: text.trim() === '' }).toEqual({ key, empty: false });
        if (key.startsWith('time.')) continue; // "one second" may say its number in words
        expect({ key, placeholders: placeholders(text) }).toEqual({
          key,
          placeholders: placeholders(en[key]),
        });
      }
    },
  );

  test('French is translated, not copied', () => {
    const same = Object.keys(en).filter(
      (key) => fr[key as keyof typeof en] === en[key as keyof typeof en],
    );
    // Words that are the same in both languages.
    expect(same.sort()).toEqual(['device.code', 'time.minutes.one', 'time.minutes.other'].sort());
  });

  test('every key a view names is in the English catalogue', () => {
    const unknown = viewFiles().flatMap((file) =>
      keysIn(file)
        .filter((key) => !Object.hasOwn(en, key))
        .map((key) => `${file}: ${key}`),
    );
    expect(unknown).toEqual([]);
    expect(viewFiles().length).toBeGreaterThan(20);
    // The keys views put together: a profile field's label, a footer link's name.
    const built = [
      ...['name', 'givenName', 'familyName', 'nickname', 'locale', 'zoneinfo'].map(
        (field) => `account.field.${field}`,
      ),
      ...['help', 'privacy', 'terms'].map((link) => `brand.${link}`),
    ];
    expect(built.filter((key) => !Object.hasOwn(en, key))).toEqual([]);
  });

  test('Arabic has every string of the sign-in page', () => {
    const login = [
      'login.ejs',
      'partials/head.ejs',
      'partials/brand-header.ejs',
      'partials/brand-footer.ejs',
      'partials/people-links.ejs',
    ].flatMap(keysIn);
    // And what the sign-in routes say on it: a wrong password, and the waits after several.
    const said = ['login.title', 'login.failed', 'login.missing', 'retry.wait', 'retry.delay'];
    const links = ['brand.help', 'brand.privacy', 'brand.terms'];
    const needed = [...new Set([...login, ...said, ...links])];
    expect(needed).toContain('login.username');
    expect(needed.filter((key) => !Object.hasOwn(ar, key))).toEqual([]);
  });
});
