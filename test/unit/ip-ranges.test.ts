import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addressInList, isForbiddenAddress, isIpLiteral, parseCidr } from '../../src/util/ip-ranges.js';

// [address, expected reason fragment]; each range is probed at its first and last address.
const forbidden: Array<[string, string]> = [
  ['0.0.0.0', 'unspecified'],
  ['0.255.255.255', 'unspecified'],
  ['127.0.0.1', 'loopback'],
  ['127.0.0.0', 'loopback'],
  ['127.255.255.255', 'loopback'],
  ['10.0.0.0', 'private (10.0.0.0/8)'],
  ['10.255.255.255', 'private (10.0.0.0/8)'],
  ['172.16.0.0', 'private (172.16.0.0/12)'],
  ['172.31.255.255', 'private (172.16.0.0/12)'],
  ['192.168.0.0', 'private (192.168.0.0/16)'],
  ['192.168.255.255', 'private (192.168.0.0/16)'],
  ['169.254.0.0', 'link-local'],
  ['169.254.255.255', 'link-local'],
  ['169.254.169.254', 'cloud metadata'],
  ['100.64.0.0', 'carrier-grade NAT'],
  ['100.127.255.255', 'carrier-grade NAT'],
  ['198.18.0.0', 'benchmarking'],
  ['198.19.255.255', 'benchmarking'],
  ['192.0.0.0', 'IETF protocol assignments'],
  ['192.0.0.170', 'IETF protocol assignments'],
  ['192.0.2.0', 'documentation (192.0.2.0/24)'],
  ['192.0.2.255', 'documentation (192.0.2.0/24)'],
  ['198.51.100.0', 'documentation (198.51.100.0/24)'],
  ['198.51.100.255', 'documentation (198.51.100.0/24)'],
  ['203.0.113.0', 'documentation (203.0.113.0/24)'],
  ['203.0.113.255', 'documentation (203.0.113.0/24)'],
  ['224.0.0.0', 'multicast'],
  ['239.255.255.255', 'multicast'],
  ['240.0.0.0', 'reserved'],
  ['254.255.255.255', 'reserved'],
  ['255.255.255.254', 'reserved'],
  ['255.255.255.255', 'broadcast'],
  // IPv6
  ['::', 'unspecified'],
  ['0:0:0:0:0:0:0:0', 'unspecified'],
  ['::1', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['fc00::', 'unique local'],
  ['fd12:3456:789a::1', 'unique local'],
  ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'unique local'],
  ['fe80::', 'link-local'],
  ['fe80::1', 'link-local'],
  ['febf:ffff::1', 'link-local'],
  ['fec0::1', 'site-local'],
  ['2001:db8::', 'documentation'],
  ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 'documentation'],
  ['ff00::', 'multicast'],
  ['ff02::1', 'multicast'],
  ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'multicast'],
  ['2001::1', 'Teredo'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
  ['2001:2::1', 'benchmarking'],
  ['2001:1::1', 'IETF special purpose'],
  ['2001:1ff:ffff::1', 'IETF special purpose'],
  ['3fff::1', 'documentation'],
  ['64:ff9b:1::1', 'local-use NAT64'],
  ['100::1', 'discard-only'],
  ['::2', 'IPv4-compatible unspecified'],
  ['1::', 'reserved (outside 2000::/3)'],
  ['4000::1', 'reserved (outside 2000::/3)'],
  // IPv4 inside IPv6
  ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
  ['::ffff:7f00:1', 'IPv4-mapped loopback'],
  ['::ffff:10.1.2.3', 'IPv4-mapped private'],
  ['::ffff:169.254.169.254', 'IPv4-mapped cloud metadata'],
  ['0:0:0:0:0:ffff:192.168.1.1', 'IPv4-mapped private'],
  ['::127.0.0.1', 'IPv4-compatible loopback'],
  ['64:ff9b::127.0.0.1', 'NAT64 loopback'],
  ['64:ff9b::a00:1', 'NAT64 private'],
  ['64:ff9b::a9fe:a9fe', 'NAT64 cloud metadata'],
  ['2002:7f00:1::', '6to4 loopback'],
  ['2002:a9fe:a9fe::1', '6to4 cloud metadata'],
  ['2002:c0a8:0101:1::1', '6to4 private'],
];

const allowed: string[] = [
  // just outside each IPv4 range
  '1.0.0.0',
  '9.255.255.255',
  '11.0.0.0',
  '126.255.255.255',
  '128.0.0.0',
  '172.15.255.255',
  '172.32.0.0',
  '192.167.255.255',
  '192.169.0.0',
  '169.253.255.255',
  '169.255.0.0',
  '100.63.255.255',
  '100.128.0.0',
  '198.17.255.255',
  '198.20.0.0',
  '192.0.1.0',
  '192.0.3.0',
  '198.51.99.255',
  '198.51.101.0',
  '203.0.112.255',
  '203.0.114.0',
  '223.255.255.255',
  // public
  '1.1.1.1',
  '8.8.8.8',
  '93.184.216.34',
  '2606:4700::1111',
  '2606:4700:4700::1111',
  '2001:4860:4860::8888',
  '2a00:1450:4001::200e',
  // public IPv4 in the wrappers
  '::ffff:8.8.8.8',
  '::ffff:808:808',
  '64:ff9b::1.1.1.1',
  '2002:0808:0808::1',
  // just outside the IPv6 ranges next to global space
  '2001:200::1',
  '2001:db7:ffff::1',
  '2001:db9::1',
];

const garbage: string[] = [
  '',
  ' ',
  'localhost',
  'example.com',
  '1.2.3',
  '1.2.3.4.5',
  '256.0.0.1',
  '127.1',
  '0x7f.0.0.1',
  '0177.0.0.1',
  '010.0.0.1',
  '2130706433',
  '1.2.3.4 ',
  '-1.2.3.4',
  '1.2.3.4/32',
  '[::1]',
  ':::',
  '1::2::3',
  '1:2:3:4:5:6:7:8:9',
  '1:2:3:4:5:6:7::8',
  '12345::',
  'g::1',
  '::ffff:1.2.3',
  '::1.2.3.4:5',
  'fe80::1%eth0',
];

describe('isForbiddenAddress', () => {
  for (const [ip, reason] of forbidden) {
    test(`forbids ${ip} (${reason})`, () => {
      const verdict = isForbiddenAddress(ip);
      assert.equal(verdict.forbidden, true);
      assert.ok(verdict.reason?.startsWith(reason), `reason was ${verdict.reason}`);
    });
  }
  for (const ip of allowed) {
    test(`allows ${ip}`, () => {
      assert.deepEqual(isForbiddenAddress(ip), { forbidden: false });
    });
  }
  for (const text of garbage) {
    test(`forbids unparseable ${JSON.stringify(text)}`, () => {
      const verdict = isForbiddenAddress(text);
      assert.equal(verdict.forbidden, true);
      assert.ok(verdict.reason);
    });
  }
  test('accepts IPv6 in any case and with leading zeros in groups', () => {
    assert.equal(isForbiddenAddress('FE80::ABCD').forbidden, true);
    assert.equal(isForbiddenAddress('2606:4700:0000:0000:0000:0000:0000:1111').forbidden, false);
  });
});

describe('parseCidr', () => {
  test('parses addresses and networks, clearing host bits', () => {
    assert.deepEqual(parseCidr('10.1.2.3/8'), { family: 4, network: 0x0a000000n, prefix: 8 });
    assert.deepEqual(parseCidr('1.2.3.4'), { family: 4, network: 0x01020304n, prefix: 32 });
    assert.deepEqual(parseCidr('0.0.0.0/0'), { family: 4, network: 0n, prefix: 0 });
    assert.deepEqual(parseCidr('::1'), { family: 6, network: 1n, prefix: 128 });
    assert.deepEqual(parseCidr('2001:db8::1/32'), { family: 6, network: 0x20010db8n << 96n, prefix: 32 });
  });
  for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/08', 'host/8', '1.2.3.4/8/8', 'example.com']) {
    test(`rejects ${bad}`, () => assert.equal(parseCidr(bad), undefined));
  }
});

describe('addressInList', () => {
  const list = ['127.0.0.1', '10.0.0.0/8', 'fd00::/8', 'hooks.internal', 'not/a/cidr'];
  const cases: Array<[string, boolean]> = [
    ['127.0.0.1', true],
    ['127.0.0.2', false],
    ['10.200.3.4', true],
    ['11.0.0.1', false],
    ['fd00::5', true],
    ['fe80::1', false],
    ['::ffff:127.0.0.1', true],
    ['::ffff:10.9.9.9', true],
    ['hooks.internal', false],
    ['garbage', false],
  ];
  for (const [ip, expected] of cases) {
    test(`${ip} → ${expected}`, () => assert.equal(addressInList(ip, list), expected));
  }
  test('an empty list matches nothing', () => assert.equal(addressInList('1.1.1.1', []), false));
  test('0.0.0.0/0 matches every IPv4 address but no IPv6 one', () => {
    assert.equal(addressInList('203.0.113.9', ['0.0.0.0/0']), true);
    assert.equal(addressInList('2606:4700::1111', ['0.0.0.0/0']), false);
  });
});

test('isIpLiteral', () => {
  assert.equal(isIpLiteral('1.2.3.4'), true);
  assert.equal(isIpLiteral('::1'), true);
  assert.equal(isIpLiteral('example.com'), false);
  assert.equal(isIpLiteral('127.1'), false);
});
