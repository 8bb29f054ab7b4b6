import { createServer, type Server } from 'node:http';
import { registry } from '../metrics.js';

/** A worker process's /metrics (the API serves its own through Koa). */
export function serveMetrics(host: string, port: number): Server {
  return createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (error: Error) => res.writeHead(500).end(error.message),
    );
  }).listen(port, host);
}
