import assert from 'node:assert/strict';
import type { LookupAddress, LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { describe, test } from 'node:test';
import {
  AddressRefusedError,
  guardedLookup,
  isPublicAddress,
  refusedLiteralHost,
} from '../../src/webhooks/address-guard.js';

const NOT_PUBLIC: [string, string][] = [
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', '"this network"'],
  ['10.0.0.1', 'private 10/8'],
  ['10.255.255.255', 'private 10/8, last'],
  ['100.64.0.1', 'CGNAT, first'],
  ['100.127.255.255', 'CGNAT, last'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback /8'],
  ['169.254.169.254', 'link-local (cloud metadata)'],
  ['172.16.0.1', 'private 172.16/12, first'],
  ['172.31.255.255', 'private 172.16/12, last'],
  ['192.0.0.8', 'IETF protocol assignments'],
  ['192.0.2.1', 'TEST-NET-1'],
  ['192.88.99.1', '6to4 relay anycast'],
  ['192.168.1.1', 'private 192.168/16'],
  ['198.18.0.1', 'benchmarking'],
  ['198.19.255.255', 'benchmarking, last'],
  ['198.51.100.7', 'TEST-NET-2'],
  ['203.0.113.9', 'TEST-NET-3'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast (SSDP)'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.255', 'broadcast'],
  ['::', 'IPv6 unspecified'],
  ['::1', 'IPv6 loopback'],
  ['0:0:0:0:0:0:0:1', 'IPv6 loopback, long form'],
  ['[::1]', 'IPv6 loopback in brackets'],
  ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
  ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
  ['::FFFF:10.1.2.3', 'IPv4-mapped private, upper case'],
  ['::ffff:169.254.169.254', 'IPv4-mapped link-local'],
  ['::ffff:0.0.0.0', 'IPv4-mapped unspecified'],
  ['::127.0.0.1', 'deprecated IPv4-compatible'],
  ['64:ff9b::10.0.0.1', 'NAT64 to a private address'],
  ['64:ff9b:1::1', 'NAT64 local use'],
  ['2002:7f00:0001::1', '6to4 of loopback'],
  ['2002:c0a8:0101::1', '6to4 of 192.168.1.1'],
  ['fc00::1', 'unique local'],
  ['fd12:3456:789a::1', 'unique local fd'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local with zone id'],
  ['febf:ffff::1', 'link-local, last'],
  ['fec0::1', 'deprecated site-local'],
  ['ff02::1', 'multicast'],
  ['ff05::1:3', 'multicast site'],
  ['100::1', 'discard-only'],
  ['2001::1', 'Teredo'],
  ['2001:2::1', 'benchmarking'],
  ['2001:db8::1', 'documentation'],
  ['3fff::1', 'documentation (RFC 9637)'],
  ['1:2:3:4:5:6:7:8', 'outside global unicast'],
  ['4000::1', 'outside global unicast, above'],
  ['::ffff:0:7f00:1', 'IPv4-translated'],
];

const PUBLIC: string[] = [
  '1.1.1.1',
  '8.8.8.8',
  '9.255.255.255',
  '11.0.0.1',
  '100.63.255.255',
  '100.128.0.0',
  '126.255.255.255',
  '128.0.0.1',
  '169.253.255.255',
  '172.15.255.255',
  '172.32.0.0',
  '192.0.3.1',
  '192.167.255.255',
  '192.169.0.1',
  '198.17.255.255',
  '198.20.0.1',
  '223.255.255.255',
  '2606:4700:4700::1111',
  '2001:4860:4860::8888',
  '2a00:1450:4001:82a::200e',
  '[2a00:1450:4001:82a::200e]',
  '2A00:1450:4001:082A:0000:0000:0000:200E',
  '::ffff:8.8.8.8',
  '::ffff:808:808',
  '64:ff9b::8.8.8.8',
  '2002:0808:0808::1',
  '2c0f:fb50:4003::1',
];

const NOT_ADDRESSES = [
  '',
  'localhost',
  'example.com',
  '256.1.1.1',
  '1.2.3',
  '01.2.3.4',
  '1::2::3',
  ':::1',
  '12345::1',
  'fe80::1%',
];

describe('isPublicAddress', () => {
  for (const [ip, why] of NOT_PUBLIC) {
    test(`${ip} is not public (${why})`, () => {
      assert.equal(isPublicAddress(ip), false);
    });
  }
  test('public unicast addresses are public, at the edges of every refused block', () => {
    const wrong = PUBLIC.filter((ip) => !isPublicAddress(ip));
    assert.deepEqual(wrong, []);
  });
  test('what is not an IP address is never public', () => {
    const wrong = NOT_ADDRESSES.filter((text) => isPublicAddress(text));
    assert.deepEqual(wrong, []);
  });
});

describe('refusedLiteralHost', () => {
  test('refuses private IP literals, in URL hostname form, with the recorded message', () => {
    for (const [host, shown] of [
      ['127.0.0.1', '127.0.0.1'],
      ['[::1]', '::1'],
      ['[::ffff:7f00:1]', '::ffff:7f00:1'],
      ['10.0.0.5', '10.0.0.5'],
    ] as const) {
      const refused = refusedLiteralHost(host);
      assert.ok(refused instanceof AddressRefusedError, host);
      assert.equal(refused.address, shown);
      assert.equal(refused.message, `target address refused: ${shown} is not a public address`);
    }
  });
  test('lets public literals and names through (names are judged when resolved)', () => {
    assert.equal(refusedLiteralHost('8.8.8.8'), null);
    assert.equal(refusedLiteralHost('[2606:4700:4700::1111]'), null);
    assert.equal(refusedLiteralHost('localhost'), null);
    assert.equal(refusedLiteralHost('hooks.example.com'), null);
  });
  test('the URL parser normalises odd IPv4 spellings before the check sees them', () => {
    for (const url of ['http://2130706433/', 'http://0x7f.1/', 'http://017700000001/', 'http://127.1/']) {
      const refused = refusedLiteralHost(new URL(url).hostname);
      assert.equal(refused?.address, '127.0.0.1', url);
    }
  });
});

/** A resolver that answers each call with the next entry, in the shape the caller asked for. */
function scriptedResolver(answers: string[][]): { lookup: LookupFunction; calls: number } {
  const state = { calls: 0, lookup: null as unknown as LookupFunction };
  state.lookup = (_hostname: string, options: LookupOptions, callback) => {
    const addresses = answers[Math.min(state.calls, answers.length - 1)] ?? [];
    state.calls++;
    const all: LookupAddress[] = addresses.map((address) => ({
      address,
      family: address.includes(':') ? 6 : 4,
    }));
    if (options.all) callback(null, all);
    else callback(null, all[0]?.address ?? '', all[0]?.family ?? 4);
  };
  return state;
}

function resolveWith(
  lookup: LookupFunction,
  all: boolean,
): Promise<{ err: NodeJS.ErrnoException | null; address: string | LookupAddress[] }> {
  return new Promise((resolve) => {
    lookup('hooks.example.com', { all }, (err, address) => resolve({ err, address }));
  });
}

describe('guardedLookup', () => {
  test('passes public answers through unchanged, in both callback shapes', async () => {
    const resolver = scriptedResolver([['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c']]);
    const lookup = guardedLookup(resolver.lookup);
    const one = await resolveWith(lookup, false);
    assert.equal(one.err, null);
    assert.equal(one.address, '93.184.215.14');
    const all = await resolveWith(lookup, true);
    assert.equal(all.err, null);
    assert.deepEqual(all.address, [
      { address: '93.184.215.14', family: 4 },
      { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
    ]);
  });

  test('checks every resolution: a name that rebinds to loopback is refused on the next connect', async () => {
    const resolver = scriptedResolver([['93.184.215.14'], ['127.0.0.1']]);
    const lookup = guardedLookup(resolver.lookup);
    assert.equal((await resolveWith(lookup, false)).err, null);
    const second = await resolveWith(lookup, false);
    assert.ok(second.err instanceof AddressRefusedError);
    assert.equal(second.err.message, 'target address refused: 127.0.0.1 is not a public address');
    assert.equal(resolver.calls, 2);
  });

  test('refuses a name when any of its addresses is private (happy eyeballs could pick it)', async () => {
    const resolver = scriptedResolver([['93.184.215.14', 'fd00::1']]);
    const result = await resolveWith(guardedLookup(resolver.lookup), true);
    assert.ok(result.err instanceof AddressRefusedError);
    assert.equal(result.err.address, 'fd00::1');
  });

  test('passes resolver errors through untouched', async () => {
    const failing: LookupFunction = (_h, _o, callback) => {
      const err: NodeJS.ErrnoException = new Error('getaddrinfo ENOTFOUND nowhere.invalid');
      err.code = 'ENOTFOUND';
      callback(err, '', 4);
    };
    const result = await resolveWith(guardedLookup(failing), false);
    assert.equal(result.err?.code, 'ENOTFOUND');
    assert.ok(!(result.err instanceof AddressRefusedError));
  });
});
