// Keeps README.md in step with the code: every `<!-- example: examples/NAME.ts -->` marker is
// followed by that file's content, and the error-code table is generated from ERROR_CODES. A test
// fails when README.md is out of date; `npm run readme` (in client-sdk/) rewrites it.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { ERROR_CODES } from '../src/errors.ts';

const root = join(import.meta.dirname, '..');
const EXAMPLE = /<!-- example: (\S+) -->\n+```ts\n[\s\S]*?```/g;
const TABLE = /<!-- error-codes -->\n[\s\S]*?<!-- \/error-codes -->/;

/** README.md as it should be (formatted by Prettier), given its current text and the examples. */
export async function renderReadme(current: string): Promise<string> {
  const path = join(root, 'README.md');
  const options = { ...(await resolveConfig(path)), filepath: path };
  return format(await insert(current), options);
}

async function insert(current: string): Promise<string> {
  const examples = new Map<string, string>();
  for (const match of current.matchAll(EXAMPLE)) {
    const path = match[1]!;
    examples.set(path, (await readFile(join(root, path), 'utf8')).trimEnd());
  }
  return current
    .replace(
      EXAMPLE,
      (_all, path: string) => `<!-- example: ${path} -->\n\`\`\`ts\n${examples.get(path)}\n\`\`\``,
    )
    .replace(TABLE, `<!-- error-codes -->\n${errorTable()}\n<!-- /error-codes -->`);
}

function errorTable(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, meta]) => {
    const oauth = 'oauthError' in meta ? `\`${meta.oauthError}\`` : '';
    return `| \`${code}\` | ${meta.status} | ${oauth} | ${meta.message} |`;
  });
  return [
    '| code | HTTP status | OAuth error | message |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

if (process.argv[1] === import.meta.filename) {
  const path = join(root, 'README.md');
  await writeFile(path, await renderReadme(await readFile(path, 'utf8')));
}
