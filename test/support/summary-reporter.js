/* global process */
// A jest reporter that ends the run with one plain line, "jest: N passed, N failed, N skipped",
// which CI and people can read without knowing jest's own summary format; when tests were skipped,
// a second line names the suites that did not (all) run, and why when the run knows (no MongoDB
// server: jest-global-setup.ts puts the reason in SSO_TEST_SKIP_REASON). Both are written when the
// process exits, so that they come after jest's own summary.
const NAMED = 8;

export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const lines = [
      `jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped`,
    ];
    if (skipped > 0) {
      const groups = new Map();
      for (const file of results.testResults) {
        for (const test of file.testResults) {
          if (test.status !== 'pending' && test.status !== 'todo') continue;
          const group = test.ancestorTitles[0] ?? file.testFilePath;
          groups.set(group, (groups.get(group) ?? 0) + 1);
        }
      }
      const named = [...groups].slice(0, NAMED).map(([group, count]) => `"${group}" (${count})`);
      const more = groups.size > NAMED ? ` and ${groups.size - NAMED} more` : '';
      const reason = process.env.SSO_TEST_SKIP_REASON
        ? ` (${process.env.SSO_TEST_SKIP_REASON})`
        : '';
      lines.push(`jest: not run: ${named.join(', ')}${more}${reason}`);
    }
    process.once('exit', () => process.stdout.write(`${lines.join('\n')}\n`));
  }
}
