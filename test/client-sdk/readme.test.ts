// The package's documentation is checked like code: README.md shows every example file verbatim
// and the current error codes, every public function is used in an example, and every public
// function has a doc comment with an example. (The examples are compiled against the packed
// package in package.test.ts.)
import { describe, expect, test } from '@jest/globals';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as sdk from '../../client-sdk/node/src/index.ts';
import { renderReadme } from '../../client-sdk/node/scripts/readme.ts';

const root = join(import.meta.dirname, '../../client-sdk/node');

describe('the package documentation', () => {
  test('README.md is up to date with the examples and error codes (npm run readme in client-sdk/node/)', async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    expect(await renderReadme(readme)).toBe(readme);
  });

  test('README.md includes every example, and every public function is used in one', async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    const files = (await readdir(join(root, 'examples'))).filter((f) => f.endsWith('.ts'));
    const examples = await Promise.all(
      files.map((f) => readFile(join(root, 'examples', f), 'utf8')),
    );
    for (const file of files) expect(readme).toContain(`<!-- example: examples/${file} -->`);
    const functions = Object.entries(sdk)
      .filter(([, value]) => typeof value === 'function' && !/^[A-Z]/.test(value.name))
      .map(([name]) => name);
    expect(functions.length).toBeGreaterThan(25);
    for (const name of functions) {
      expect([name, examples.some((code) => new RegExp(`\\b${name}\\(`).test(code))]).toEqual([
        name,
        true,
      ]);
    }
    for (const name of Object.keys(sdk))
      expect([name, readme.includes(`\`${name}`)]).toEqual([name, true]);
  });

  test('every public function has a doc comment with an example', async () => {
    const sources = (await readdir(join(root, 'src'))).filter((f) => f.endsWith('.ts'));
    const documented = new Set<string>();
    for (const file of sources) {
      const code = await readFile(join(root, 'src', file), 'utf8');
      for (const match of code.matchAll(
        /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*export (?:async )?function (\w+)/g,
      )) {
        if (match[1]!.includes('@example')) documented.add(match[2]!);
      }
    }
    for (const [name, value] of Object.entries(sdk)) {
      if (typeof value === 'function' && !/^[A-Z]/.test(value.name)) {
        expect([name, documented.has(name)]).toEqual([name, true]);
      }
    }
  });
});
