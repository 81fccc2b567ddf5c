// Scrapes a /metrics endpoint and parses it with the official Python client's parser
// (prom-parse.py), so tests read the exposition the way Prometheus tooling does.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const PARSER = join(__dirname, '..', '..', '..', 'test', 'harness', 'prom-parse.py');

export interface Sample {
  family: string;
  type: string;
  name: string;
  labels: Record<string, string>;
  value: number;
}

export class Scrape {
  constructor(readonly samples: Sample[]) {}

  /** The one sample of `name` whose labels include `labels`; undefined when there is none. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const found = this.samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
    if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
    return found[0]?.value;
  }
}

/** How prom-parse.py writes the values JSON has no number for. */
type NonFinite = 'NaN' | '+Inf' | '-Inf';
const NON_FINITE: Record<NonFinite, number> = { NaN: Number.NaN, '+Inf': Infinity, '-Inf': -Infinity };

/** Parses text-format exposition as Prometheus tooling does (a malformed text throws). */
export function parseExposition(text: string): Scrape {
  const json = execFileSync('/usr/bin/python3', [PARSER], {
    input: text,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const parsed = JSON.parse(json) as (Omit<Sample, 'value'> & { value: number | NonFinite })[];
  return new Scrape(parsed.map((s) => ({ ...s, value: typeof s.value === 'number' ? s.value : NON_FINITE[s.value] })));
}

export async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return parseExposition(await res.text());
}
