/**
 * What docker-compose.yml exposes beyond the machine it runs on: only the API. Postgres (a known password),
 * Redis (no auth) and Temporal (gRPC and UI, no auth) are published on 127.0.0.1 only, for tools on the host.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect, it } from 'vitest';
import { z } from 'zod';

// js-yaml ships no types; what it returns is checked with the schema below.
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };

const portEntry = z.union([
  z.string(),
  z.number(),
  z.looseObject({ host_ip: z.string().optional(), published: z.union([z.string(), z.number()]).optional() }),
]);
const composeFile = z.object({
  services: z.record(z.string(), z.looseObject({ ports: z.array(portEntry).optional() })),
});

/** The host address a published port binds, or undefined for every interface (Compose's default). */
function hostIpOf(entry: z.infer<typeof portEntry>): string | undefined {
  if (typeof entry === 'number') return undefined;
  if (typeof entry === 'object') return entry.host_ip;
  // Short syntax: [HOST_IP:]HOST_PORT:CONTAINER_PORT[/PROTOCOL]; only the three-part form names an address.
  return /^(\[[^\]]*\]|[^:]+):[^:]+:[^:]+$/.exec(entry)?.[1];
}

const compose = composeFile.parse(
  yaml.load(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')),
);

function publishedPorts() {
  return Object.entries(compose.services).flatMap(([service, { ports = [] }]) =>
    ports.map((entry) => ({ service, entry, hostIp: hostIpOf(entry) })),
  );
}

it('publishes every port except the API on 127.0.0.1 only', () => {
  const beyondLoopback = publishedPorts().filter(({ service, hostIp }) => service !== 'api' && hostIp !== '127.0.0.1');

  expect(beyondLoopback).toEqual([]);
});

it('publishes the API, the one service users reach', () => {
  expect(publishedPorts().filter(({ service }) => service === 'api')).toEqual([
    { service: 'api', entry: '3000:3000', hostIp: undefined },
  ]);
});
