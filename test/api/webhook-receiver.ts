// A subscriber's endpoint for tests: a real HTTP server on a free port that records every
// request and answers each path with the statuses a test scripts (then 200).
import { createServer, type IncomingHttpHeaders } from 'node:http';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

export interface WebhookReceiver {
  url(path: string): string;
  /** Answers the next requests to `path` with these statuses, in order, then `otherwise`. */
  script(path: string, statuses: number[], otherwise?: number): void;
  received(path: string): ReceivedRequest[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const scripts = new Map<string, { statuses: number[]; otherwise: number }>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      requests.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now() });
      const script = scripts.get(path);
      const status = script?.statuses.shift() ?? script?.otherwise ?? 200;
      response.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'thanks' : `scripted ${status}`);
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: (path) => `${base}${path}`,
    script: (path, statuses, otherwise = 200) => scripts.set(path, { statuses: [...statuses], otherwise }),
    received: (path) => requests.filter((request) => request.path === path),
    close: () => {
      server.closeAllConnections();
      return new Promise((done) => server.close(() => done()));
    },
  };
}
