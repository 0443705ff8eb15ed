// Reads Prometheus' text exposition format (what a scraper reads): samples by name and labels.

/** One scrape: the value of `name` with exactly `labels`, or undefined when it is not there. */
export interface Scrape {
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Every sample of `name`, with its labels. */
  samples(name: string): { labels: Record<string, string>; value: number }[];
}

/** Parses exposition text (`# HELP`/`# TYPE` lines skipped). */
export function parseExposition(text: string): Scrape {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  const same = (a: Record<string, string>, b: Record<string, string>) =>
    Object.keys(a).length === Object.keys(b).length &&
    Object.entries(b).every(([key, value]) => a[key] === value);
  return {
    value: (name, labels = {}) =>
      samples.find((sample) => sample.name === name && same(sample.labels, labels))?.value,
    samples: (name) =>
      samples
        .filter((sample) => sample.name === name)
        .map(({ labels, value }) => ({ labels, value })),
  };
}
