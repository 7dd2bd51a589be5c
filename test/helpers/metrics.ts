/** Reads one sample from the server's /metrics text; 0 when the series has no sample yet. */
import { metric as sample } from './metrics-text.js';

export async function metric(httpUrl: string, series: string): Promise<number> {
  return sample(await (await fetch(`${httpUrl}/metrics`)).text(), series);
}
