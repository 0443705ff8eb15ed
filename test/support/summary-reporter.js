/* global process */
// A jest reporter that ends the run with one plain line, "jest: N passed, N failed, N skipped",
// which CI and people can read without knowing jest's own summary format. It is written when the
// process exits, so that it comes after jest's own summary.
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped`;
    process.once('exit', () => process.stdout.write(`${line}\n`));
  }
}
