// The bench's callers: JSON over node:http on kept-alive connections. The load runs in the process
// it measures, on the same two cores, so what the client costs counts against Tenure; Node 20's
// fetch spent more CPU per request than Koa's whole handling of it (issue 13's profile).
import { Agent, request } from 'node:http';

export interface LoadAnswer {
  status: number;
  // What the API answered, parsed as the tests read it.
  body: any;
}

export interface LoadClient {
  send(method: string, path: string, body?: unknown): Promise<LoadAnswer>;
  close(): void;
}

export function loadClient(baseUrl: string, apiKey: string, connections: number): LoadClient {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const { hostname, port } = new URL(baseUrl);
  return {
    send: (method, path, body) =>
      new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const headers: Record<string, string | number> = { authorization: `Bearer ${apiKey}` };
        if (payload !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
        const sent = request({ agent, hostname, port, path, method, headers }, (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('error', reject);
          answer.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({ status: answer.statusCode ?? 0, body: text && answer.headers['content-type']?.includes('json') ? JSON.parse(text) : text });
            } catch (error) {
              reject(error);
            }
          });
        });
        sent.on('error', reject);
        sent.end(payload);
      }),
    close: () => agent.destroy(),
  };
}
