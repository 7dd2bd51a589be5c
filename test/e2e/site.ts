/**
 * A stand-in for a third-party website: serves one HTML page from its own
 * origin (another port), so the embed is exercised cross-origin as a web
 * developer would use it.
 */
import { createServer, type Server } from 'node:http';

export interface Site {
  origin: string;
  /** The page it serves at `/`; set once the video-call server's URL is known. */
  html: string;
  close(): Promise<void>;
}

export async function serveSite(): Promise<Site> {
  const server: Server = createServer((request, response) => {
    if (request.url !== '/') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(site.html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  const site: Site = {
    // "localhost" rather than 127.0.0.1: another host as well as another port.
    origin: `http://localhost:${address.port}`,
    html: '',
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return site;
}

/** The two lines the embedding docs promise, plus a name. */
export function embedPage(scriptUrl: string, room: string, attributes = ''): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Some other site</title>
<link rel="icon" href="data:,">
<script type="module" src="${scriptUrl}"></script></head>
<body><h1>Our team page</h1><video-call room="${room}" ${attributes}></video-call></body></html>`;
}
