/**
 * fetch_url: lets the model read a web page. The server fetches on the model's say-so, and the model's input can
 * come from anything it read (prompt injection), so every hop is treated as hostile: the host is resolved and
 * checked against internal address ranges before each request, redirects are followed here rather than by
 * fetch so each target is checked too, and size and time are capped.
 *
 * DNS rebinding: the connection does not resolve the name again. Each hop's answers are checked and then pinned
 * in the call's own undici dispatcher, whose `lookup` hands the socket only those, so a DNS server that answers
 * a public address for the check and an internal one a moment later gains nothing. The Host header and the TLS
 * name stay the URL's own.
 */
import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { Agent, fetch, type Response } from 'undici';
import { compile } from 'html-to-text';
import { z } from 'zod';
import { createHash } from 'node:crypto';
import { defineTool } from '../tool-definition.js';
import { hostAllowed } from '../egress-hosts.js';
import { isInternalAddress } from './internal-address.js';

export interface FetchUrlOptions {
  /** Lets the tool reach loopback and private ranges: for tests and single-machine setups only. */
  allowPrivateNetworks: boolean;
  maxBytes: number;
  timeoutMs: number;
  maxRedirects: number;
  /**
   * The deployment's allowed hosts (LONGHAUL_FETCH_ALLOWED_HOSTS; empty = any). A call is settled against it
   * before it runs; this checks every redirect too, so an open redirect on an allowed host leads nowhere else.
   */
  allowedHosts?: readonly string[];
}

const USER_AGENT = 'Longhaul/0.1 (+fetch_url tool)';
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// URL' })
  .max(2048)
  .describe('Absolute http:// or https:// URL of the page to read.');

const fetchUrlInput = z.object({ url: httpUrl });

const htmlToText = compile({
  wordwrap: false,
  selectors: [
    { selector: 'img', format: 'skip' },
    { selector: 'a', options: { ignoreHref: true } },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
  ],
});
const titleText = compile({ wordwrap: false, baseElements: { selectors: ['title'], returnDomByDefault: false } });

function bareHost(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * Resolves the host and refuses if any answer is internal (one bad record is enough to be steered there); the
 * request then connects only to the answers returned.
 */
async function resolvePublicAddresses(url: URL, signal: AbortSignal): Promise<LookupAddress[]> {
  const host = bareHost(url.hostname);
  let addresses: LookupAddress[];
  try {
    addresses = await untilAborted(lookup(host, { all: true }), signal);
  } catch (error) {
    if (signal.aborted) throw error;
    throw new Error(`fetch_url could not resolve ${host}: ${messageOf(error)}`, { cause: error });
  }
  const internal = addresses.find(({ address }) => isInternalAddress(address));
  if (internal || addresses.length === 0) {
    throw new Error(
      `fetch_url refused ${url.origin}: ${host} resolves to ${internal?.address ?? 'no address'}, ` +
        'a loopback, private, link-local or otherwise internal address that this tool may not reach',
    );
  }
  return addresses;
}

/** One tool call's connections: a socket gets the addresses pinned for its host, and a host never checked none. */
function createPinnedConnections() {
  const pinned = new Map<string, LookupAddress[]>();
  const pinnedLookup: LookupFunction = (hostname, options, callback) => {
    const addresses = pinned.get(bareHost(hostname));
    // Asynchronous like dns.lookup: net expects the answer after connect() has returned.
    process.nextTick(() => {
      if (!addresses?.[0]) return callback(new Error(`${hostname} was not checked before connecting`), '', 0);
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
  return {
    dispatcher: new Agent({ connect: { lookup: pinnedLookup } }),
    pin(url: URL, addresses: LookupAddress[]) {
      pinned.set(bareHost(url.hostname), addresses);
    },
  };
}

type PinnedConnections = ReturnType<typeof createPinnedConnections>;

/** dns.lookup takes no signal, and a stuck resolver must not outlive the timeout. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // undici reports every network failure as "fetch failed"; the useful part is the cause.
  return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}

async function fetchOnce(url: URL, signal: AbortSignal, connections: PinnedConnections | undefined): Promise<Response> {
  try {
    return await fetch(url, {
      redirect: 'manual',
      signal,
      ...(connections ? { dispatcher: connections.dispatcher } : {}),
      headers: {
        'user-agent': USER_AGENT,
        accept: 'text/html, application/xhtml+xml, text/*;q=0.9, application/json;q=0.9',
      },
    });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new Error(`fetch_url could not fetch ${url.href}: ${messageOf(error)}`, { cause: error });
  }
}

async function fetchFollowingRedirects(
  start: URL,
  options: FetchUrlOptions,
  signal: AbortSignal,
  connections: PinnedConnections | undefined,
): Promise<{ url: URL; response: Response }> {
  let url = start;
  for (let redirects = 0; ; redirects++) {
    if (options.allowedHosts && !hostAllowed(url, options.allowedHosts)) {
      throw new Error(`fetch_url refused ${url.origin}: ${url.hostname} is not an allowed host of this deployment`);
    }
    if (connections) connections.pin(url, await resolvePublicAddresses(url, signal));
    const response = await fetchOnce(url, signal, connections);
    const location = response.headers.get('location');
    if (!REDIRECT_STATUSES.has(response.status) || location === null) return { url, response };
    await response.body?.cancel();
    if (redirects >= options.maxRedirects) {
      throw new Error(`fetch_url gave up at ${url.href}: more than ${options.maxRedirects} redirects`);
    }
    url = redirectTarget(location, url);
  }
}

function redirectTarget(location: string, base: URL): URL {
  let target: URL;
  try {
    target = new URL(location, base);
  } catch {
    throw new Error(`fetch_url got an invalid redirect from ${base.href}: ${JSON.stringify(location)}`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new Error(`fetch_url refused a redirect from ${base.href} to a non-http URL (${target.protocol})`);
  }
  return target;
}

/** Stops reading at maxBytes and drops the connection: a huge page must not fill memory or the context window. */
async function readCapped(body: ReadableStream<Uint8Array>, maxBytes: number) {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: Buffer.concat(chunks), truncated: false };
    if (size + value.byteLength > maxBytes) {
      chunks.push(value.subarray(0, maxBytes - size));
      await reader.cancel();
      return { bytes: Buffer.concat(chunks), truncated: true };
    }
    chunks.push(value);
    size += value.byteLength;
  }
}

/** Honours the declared charset; an unknown label falls back to UTF-8 rather than failing the whole fetch. */
function decode(bytes: Uint8Array, contentType: string): string {
  const charset = /charset="?([^";\s]+)/i.exec(contentType)?.[1] ?? 'utf-8';
  let decoder;
  try {
    decoder = new TextDecoder(charset);
  } catch {
    decoder = new TextDecoder('utf-8');
  }
  return decoder.decode(bytes);
}

type BodyKind = 'html' | 'text';

function bodyKindOf(mediaType: string): BodyKind | undefined {
  if (mediaType === 'text/html' || mediaType === 'application/xhtml+xml') return 'html';
  if (mediaType.startsWith('text/') || mediaType === 'application/json' || mediaType.endsWith('+json')) return 'text';
  return undefined;
}

async function toOutput(url: URL, response: Response, maxBytes: number) {
  const contentType = response.headers.get('content-type') ?? '';
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  const base = { url: url.href, status: response.status, contentType: mediaType };
  if (response.body === null) return { ...base, text: '', truncated: false };
  const kind = bodyKindOf(mediaType);
  if (!kind) {
    await response.body.cancel();
    throw new Error(
      `fetch_url cannot read ${url.href}: unsupported content type "${mediaType || 'none'}" ` +
        '(only HTML, other text and JSON are supported)',
    );
  }
  const { bytes, truncated } = await readCapped(response.body, maxBytes);
  const raw = decode(bytes, contentType);
  if (kind === 'text') return { ...base, text: raw, truncated };
  const title = titleText(raw).replace(/\s+/g, ' ').trim();
  return { ...base, ...(title ? { title } : {}), text: htmlToText(raw), truncated };
}

type FetchUrlOutput = Awaited<ReturnType<typeof toOutput>>;

/** Options come from config (LONGHAUL_FETCH_*), so the same tool is strict in production and open in tests. */
export function createFetchUrlTool(options: FetchUrlOptions) {
  return defineTool({
    name: 'fetch_url',
    description:
      'Fetches a public web page or document with an HTTP GET and returns its readable text. Use it to read a ' +
      'URL the user gave you or one you need to check facts against; it cannot reach internal or private ' +
      `network addresses. HTML is converted to plain text; other text and JSON come back as is; at most ` +
      `${options.maxBytes} bytes are read (truncated: true when the page was longer). ` +
      'Returns { url (after redirects), status (HTTP status; read it, a 404 is still returned), contentType, ' +
      'title (HTML only), text, truncated }.',
    input: fetchUrlInput,
    mode: 'inline',
    egress: ({ url }) => url,
    uiParts: (output: FetchUrlOutput) => [
      {
        type: 'source-url',
        sourceId: `source-${createHash('sha256').update(output.url).digest('hex').slice(0, 16)}`,
        url: output.url,
        ...(output.title ? { title: output.title } : {}),
      },
    ],
    // Our own deadline fires first, with a message that says what timed out.
    timeoutMs: options.timeoutMs + 5_000,
    async execute({ url }, context) {
      const deadline = AbortSignal.timeout(options.timeoutMs);
      const signal = AbortSignal.any([context.signal, deadline]);
      const connections = options.allowPrivateNetworks ? undefined : createPinnedConnections();
      try {
        const final = await fetchFollowingRedirects(new URL(url), options, signal, connections);
        return await toOutput(final.url, final.response, options.maxBytes);
      } catch (error) {
        if (deadline.aborted && !context.signal.aborted) {
          throw new Error(`fetch_url timed out after ${options.timeoutMs} ms fetching ${url}`, { cause: error });
        }
        throw error;
      } finally {
        await connections?.dispatcher.destroy();
      }
    },
  });
}
