import { createServer, type Server } from 'node:http';
import { allowsMetricsScrape } from '../auth/metrics-token.js';
import { registry } from '../metrics.js';

/** A worker process's /metrics (the API serves its own through Koa), behind LONGHAUL_METRICS_TOKEN when set. */
export function serveMetrics(host: string, port: number, token?: string): Server {
  return createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    if (!allowsMetricsScrape(req.headers.authorization, token)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (error: Error) => res.writeHead(500).end(error.message),
    );
  }).listen(port, host);
}
