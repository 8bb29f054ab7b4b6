/**
 * Which addresses fetch_url may not reach. An IPv6 address can carry an IPv4 address inside it, and a host or
 * relay on the path turns it back into that IPv4 address (6to4, Teredo, NAT64, ISATAP, the mapped and
 * compatible forms), so such an address is internal exactly when the IPv4 address it carries is; every IPv4
 * address it may carry is checked against the same rules as plain IPv4.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

const INTERNAL_IPV4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", incl. the unspecified address
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, incl. the cloud metadata service
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. broadcast
] as const) {
  INTERNAL_IPV4.addSubnet(network, prefix, 'ipv4');
}

const INTERNAL_IPV6 = new BlockList();
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  // Local-use NAT64 (RFC 8215): where the IPv4 address sits depends on the prefix length the local network
  // chose (/48 to /96), so what it reaches cannot be read off the address; it is the local network's anyway.
  ['64:ff9b:1::', 48],
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  INTERNAL_IPV6.addSubnet(network, prefix, 'ipv6');
}

/** True for addresses fetch_url must refuse; anything that is not a well-formed IP address counts as internal. */
export function isInternalAddress(address: string): boolean {
  if (isIPv4(address)) return INTERNAL_IPV4.check(address, 'ipv4');
  const bytes = parseIPv6(address);
  if (!bytes) return true;
  if (INTERNAL_IPV6.check(withoutZone(address), 'ipv6')) return true;
  return embeddedIPv4(bytes).some((ipv4) => INTERNAL_IPV4.check(ipv4, 'ipv4'));
}

/** Every IPv4 address an IPv6 address carries, by each form that embeds one (both ends of a Teredo address). */
function embeddedIPv4(bytes: Uint8Array): string[] {
  const word = (index: number) => (bytes[2 * index]! << 8) | bytes[2 * index + 1]!;
  const zeros = (from: number, to: number) => bytes.subarray(2 * from, 2 * to).every((byte) => byte === 0);
  const ipv4At = (offset: number, mask = 0) =>
    Array.from(bytes.subarray(offset, offset + 4), (byte) => byte ^ mask).join('.');
  const found: string[] = [];
  // ::a.b.c.d (IPv4-compatible), ::ffff:a.b.c.d (IPv4-mapped), ::ffff:0:a.b.c.d (IPv4-translated)
  if (zeros(0, 5) && (word(5) === 0 || word(5) === 0xffff)) found.push(ipv4At(12));
  if (zeros(0, 4) && word(4) === 0xffff && word(5) === 0) found.push(ipv4At(12));
  // NAT64 well-known prefix 64:ff9b::/96
  if (word(0) === 0x64 && word(1) === 0xff9b && zeros(2, 6)) found.push(ipv4At(12));
  // 6to4 2002::/16: the site's IPv4 address follows the prefix
  if (word(0) === 0x2002) found.push(ipv4At(2));
  // Teredo 2001::/32: the server's IPv4 address, then the client's, stored inverted in the last 32 bits
  if (word(0) === 0x2001 && word(1) === 0) found.push(ipv4At(4), ipv4At(12, 0xff));
  // ISATAP interface identifier, under any prefix: 0:5efe:a.b.c.d, or 200:5efe:a.b.c.d (u bit set)
  if ((word(4) === 0 || word(4) === 0x200) && word(5) === 0x5efe) found.push(ipv4At(12));
  return found;
}

/** The 16 bytes of an IPv6 address (a trailing dotted quad and a zone id allowed), or undefined. */
function parseIPv6(address: string): Uint8Array | undefined {
  const text = withoutZone(address);
  if (!isIPv6(text)) return undefined;
  const quad = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  const hex = quad
    ? `${quad[1]}${((+quad[2]! << 8) | +quad[3]!).toString(16)}:${((+quad[4]! << 8) | +quad[5]!).toString(16)}`
    : text;
  const [head = '', tail] = hex.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const words =
    tail === undefined
      ? groups(head)
      : [
          ...groups(head),
          ...new Array<string>(8 - groups(head).length - groups(tail).length).fill('0'),
          ...groups(tail),
        ];
  const bytes = new Uint8Array(16);
  words.forEach((word, index) => {
    const value = parseInt(word, 16);
    bytes[2 * index] = value >> 8;
    bytes[2 * index + 1] = value & 0xff;
  });
  return bytes;
}

function withoutZone(address: string): string {
  return address.replace(/%.*$/, '');
}
