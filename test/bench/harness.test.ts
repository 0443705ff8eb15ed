// The benchmark harness still works (`npm run bench -- --smoke`): every target starts, answers every
// scenario correctly (the harness checks each answer and stops at the first wrong one), and the
// report is written as JSON and Markdown with a figure in every cell it promises. Figures from so
// short a run mean nothing, so none is compared with anything.
import { describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { failMongoRequired, mongoRequired, mongoTestUri } from '../support/mongodb-server.ts';

const run = promisify(execFile);

interface Row {
  scenario: string;
  ssoPerSecond?: number;
  ceilingPerSecond?: number;
  ssoOverCeiling?: number;
  ssoP99AtSeventyPercentMs?: number;
  mongoPerSecond?: number;
  rawDriverPerSecond?: number;
  mongoOverRawDriver?: number;
}

describe('npm run bench -- --smoke', () => {
  test('measures every scenario on every target and writes the table', async () => {
    const uri = mongoTestUri();
    if (!uri && mongoRequired()) failMongoRequired();
    const out = await mkdtemp(join(tmpdir(), 'sso-bench-smoke-'));
    try {
      const { stdout } = await run(process.execPath, ['bench/run.ts', '--smoke', '--out', out], {
        env: { ...process.env, ...(uri ? { MONGODB_URI: uri } : {}) },
        timeout: 120_000,
      });
      const report = JSON.parse(await readFile(join(out, 'smoke.json'), 'utf8')) as {
        rows: Row[];
        peakRssMiB: Record<string, number>;
        machine: { mongodb: string };
      };
      expect(report.rows.map((row) => row.scenario[0])).toEqual(['A', 'B', 'C', 'D', 'E']);
      for (const row of report.rows) {
        expect(row.ssoPerSecond).toBeGreaterThan(0);
        expect(row.ceilingPerSecond).toBeGreaterThan(0);
        expect(row.ssoOverCeiling).toBeGreaterThan(0);
      }
      // p99 in the open loop for the token and introspection paths.
      for (const row of report.rows.slice(0, 3)) {
        expect(row.ssoP99AtSeventyPercentMs).toBeGreaterThan(0);
      }
      expect(report.peakRssMiB.sso).toBeGreaterThan(0);
      expect(report.peakRssMiB.bare).toBeGreaterThan(0);
      if (uri) {
        expect(report.machine.mongodb).not.toBe('none');
        for (const key of ['A', 'B', 'C', 'E']) {
          expect(
            report.rows.find((row) => row.scenario.startsWith(key))!.mongoPerSecond,
          ).toBeGreaterThan(0);
        }
        for (const row of report.rows.slice(1, 3)) {
          expect(row.rawDriverPerSecond).toBeGreaterThan(0);
          expect(row.mongoOverRawDriver).toBeGreaterThan(0);
        }
      }
      const markdown = await readFile(join(out, 'smoke.md'), 'utf8');
      expect(markdown).toContain('| scenario | SSO embedded | ceiling | SSO ÷ ceiling |');
      expect(markdown.match(/^\| [A-E] /gm)).toHaveLength(5);
      expect(stdout).toContain(markdown.split('\n')[0]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 150_000);
});
