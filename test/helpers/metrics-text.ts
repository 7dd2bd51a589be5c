/** One sample from Prometheus text; 0 when the series has no sample yet. */
export function metric(text: string, series: string): number {
  const line = text.split('\n').find((row) => row.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}
