import { describe, expect, it } from 'vitest';
import { isInternalAddress } from '../../src/tools/builtin/internal-address.js';

/** Each IPv6 form that carries an IPv4 address: carrying 127.0.0.1 it is internal, carrying 8.8.8.8 it is not. */
const EMBEDDING_FORMS = [
  ['IPv4-mapped ::ffff:0:0/96', '::ffff:127.0.0.1', '::ffff:8.8.8.8'],
  ['IPv4-mapped, hex', '::ffff:7f00:1', '::ffff:808:808'],
  ['IPv4-compatible ::/96', '::127.0.0.1', '::8.8.8.8'],
  ['IPv4-translated ::ffff:0:0:0/96', '::ffff:0:127.0.0.1', '::ffff:0:8.8.8.8'],
  ['NAT64 well-known 64:ff9b::/96', '64:ff9b::127.0.0.1', '64:ff9b::8.8.8.8'],
  ['6to4 2002::/16', '2002:7f00:1::1', '2002:808:808::1'],
  ['Teredo 2001::/32, client', '2001:0:808:808::80ff:fffe', '2001:0:808:808::f7f7:f7f7'],
  ['Teredo 2001::/32, server', '2001:0:7f00:1::f7f7:f7f7', '2001:0:808:808::f7f7:f7f7'],
  ['ISATAP 0:5efe', '2001:db8::5efe:127.0.0.1', '2001:db8::5efe:8.8.8.8'],
  ['ISATAP 200:5efe', '2001:db8:1:2:200:5efe:7f00:1', '2001:db8:1:2:200:5efe:808:808'],
] as const;

describe('isInternalAddress', () => {
  it.each(EMBEDDING_FORMS)(
    '%s: internal when it carries 127.0.0.1 (%s), not when 8.8.8.8 (%s)',
    (_form, internal, external) => {
      expect(isInternalAddress(internal)).toBe(true);
      expect(isInternalAddress(external)).toBe(false);
    },
  );

  it.each([
    ['10.0.0.1', '6to4', '2002:a00:1::'],
    ['169.254.169.254', 'NAT64', '64:ff9b::a9fe:a9fe'],
    ['192.168.1.1', 'IPv4-translated', '::ffff:0:c0a8:101'],
    ['100.64.0.1', 'ISATAP', 'fd00::200:5efe:100.64.0.1'],
    ['224.0.0.1', 'Teredo client', '2001:0:808:808::1fff:fffe'],
  ])('classifies the carried IPv4 by the plain IPv4 rules (%s via %s)', (_ipv4, _form, address) => {
    expect(isInternalAddress(address)).toBe(true);
  });

  it('refuses the whole local-use NAT64 prefix 64:ff9b:1::/48, whatever the prefix length chosen inside it', () => {
    for (const address of [
      '64:ff9b:1::127.0.0.1',
      '64:ff9b:1::8.8.8.8',
      '64:ff9b:1:7f00:0:100::',
      '64:ff9b:1:ffff::1',
    ]) {
      expect(isInternalAddress(address)).toBe(true);
    }
    expect(isInternalAddress('64:ff9b:2::8.8.8.8')).toBe(false);
  });

  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '::',
    '::1',
    'fd12::1',
    'fe80::1',
    'fe80::1%eth0',
    'ff02::1',
    'not-an-address',
    '',
  ])('refuses %j', (address) => {
    expect(isInternalAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '93.184.215.14', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '2001:db8::1'])(
    'allows the public address %s',
    (address) => {
      expect(isInternalAddress(address)).toBe(false);
    },
  );
});
