/**
 * Host patterns for egress policies: `example.com` (that host only), `*.example.com` (its subdomains, not
 * itself), either with `:port` to allow one port only; IPv6 in brackets (`[2001:db8::1]`). Hosts are compared
 * after WHATWG URL normalisation (lower case, punycode), the same the fetch uses, so `EXAMPLE.com` and a
 * Unicode name cannot slip past a pattern written differently.
 */
import { z } from 'zod';

const PATTERN = /^(\*\.)?(\[[0-9a-fA-F:.]+\]|[^\s:/?#@[\]*]+)(?::(\d{1,5}))?$/;

interface HostPattern {
  hostname: string;
  subdomains: boolean;
  port?: string;
}

function parseHostPattern(entry: string): HostPattern | undefined {
  const match = PATTERN.exec(entry.trim());
  if (!match) return undefined;
  const [, wildcard, host, port] = match;
  if (port !== undefined && Number(port) > 65_535) return undefined;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}`).hostname;
  } catch {
    return undefined;
  }
  return { hostname, subdomains: wildcard !== undefined, ...(port !== undefined ? { port } : {}) };
}

export const hostPatternSchema = z.string().refine((entry) => parseHostPattern(entry) !== undefined, {
  message: 'must be a host such as example.com, *.example.com or 127.0.0.1:8080 (no scheme, no path)',
});

/** The port a URL connects to, default ports included: `http://a` and `http://a:80` are the same place. */
function portOf(url: URL): string {
  return url.port || (url.protocol === 'https:' ? '443' : '80');
}

/** Where a call sends data, as the policy compares it: host and effective port. */
export function egressTarget(url: URL): string {
  return `${url.hostname}:${portOf(url)}`;
}

/** True when the URL's host matches one of the patterns; an empty list allows every host. */
export function hostAllowed(url: URL, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((entry) => {
    const pattern = parseHostPattern(entry);
    if (!pattern) return false;
    if (pattern.port !== undefined && pattern.port !== portOf(url)) return false;
    return pattern.subdomains ? url.hostname.endsWith(`.${pattern.hostname}`) : url.hostname === pattern.hostname;
  });
}
