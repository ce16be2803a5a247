import { describe, expect, it } from 'vitest'
import { classifyAddress, hostAddress, isLoopbackName, isPublicAddress, parseIPv6, type AddressClass } from '../../../../../src/main/core/files/address'

const TABLE: [string, AddressClass][] = [
  // IPv4
  ['8.8.8.8', 'public'],
  ['1.1.1.1', 'public'],
  ['93.184.216.34', 'public'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['10.0.0.1', 'private'],
  ['10.255.255.255', 'private'],
  ['100.63.255.255', 'public'],
  ['100.64.0.1', 'private'],
  ['100.127.255.255', 'private'],
  ['100.128.0.0', 'public'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['169.254.169.254', 'link-local'],
  ['172.15.255.255', 'public'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['172.32.0.0', 'public'],
  ['192.0.0.8', 'reserved'],
  ['192.0.2.1', 'reserved'],
  ['192.168.1.1', 'private'],
  ['198.18.0.1', 'reserved'],
  ['198.51.100.7', 'reserved'],
  ['203.0.113.9', 'reserved'],
  ['224.0.0.251', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.255', 'reserved'],
  // IPv6
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['[::1]', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::ffff:10.1.2.3', 'private'],
  ['::ffff:8.8.8.8', 'public'],
  ['::127.0.0.1', 'reserved'], // IPv4-compatible, deprecated
  ['64:ff9b::7f00:1', 'loopback'], // NAT64 to 127.0.0.1
  ['64:ff9b::808:808', 'public'],
  ['64:ff9b:1::1', 'private'],
  ['100::1', 'reserved'],
  ['2001:db8::1', 'reserved'],
  ['2001::1', 'reserved'], // Teredo
  ['2002:7f00:1::1', 'reserved'], // 6to4 of 127.0.0.1
  ['2002:808:808::1', 'public'],
  ['2606:4700:4700::1111', 'public'],
  ['2a00:1450:4001:80b::200e', 'public'],
  ['fc00::1', 'private'],
  ['fd12:3456:789a::1', 'private'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['febf::1', 'link-local'],
  ['fec0::1', 'private'],
  ['ff02::1', 'multicast'],
  ['4000::1', 'reserved'],
  // not addresses
  ['localhost', 'invalid'],
  ['example.org', 'invalid'],
  ['0x7f.1', 'invalid'],
  ['2130706433', 'invalid'],
  ['1::2::3', 'invalid'],
  ['', 'invalid']
]

describe('classifyAddress', () => {
  it.each(TABLE)('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind)
  })

  it('only public addresses are public', () => {
    expect(isPublicAddress('8.8.8.8')).toBe(true)
    expect(isPublicAddress('::ffff:192.168.0.1')).toBe(false)
  })
})

describe('what URL parsing makes of odd IPv4 and IPv6 forms', () => {
  // WHATWG URL parsing normalises these before we classify, so `hostAddress` sees a dotted quad.
  const URLS: [string, string, AddressClass][] = [
    ['http://0x7f.1/', '127.0.0.1', 'loopback'],
    ['http://0x7f000001/', '127.0.0.1', 'loopback'],
    ['http://2130706433/', '127.0.0.1', 'loopback'],
    ['http://017700000001/', '127.0.0.1', 'loopback'],
    ['http://127.1/', '127.0.0.1', 'loopback'],
    ['http://0/', '0.0.0.0', 'unspecified'],
    ['http://3232235777/', '192.168.1.1', 'private'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1', 'loopback'],
    ['http://[0:0:0:0:0:ffff:a9fe:a9fe]/', '::ffff:a9fe:a9fe', 'link-local'],
    ['http://[::1]:8080/', '::1', 'loopback'],
    ['http://[fe80::1]/', 'fe80::1', 'link-local']
  ]
  it.each(URLS)('%s → %s (%s)', (url, literal, kind) => {
    const host = hostAddress(new URL(url))
    expect(host).toBe(literal)
    expect(classifyAddress(host ?? '')).toBe(kind)
  })

  it('names are left to DNS', () => {
    expect(hostAddress(new URL('https://example.org/x'))).toBeNull()
    expect(hostAddress(new URL('http://localhost:5280/'))).toBeNull()
  })
})

describe('parseIPv6', () => {
  it('expands :: and embedded dotted quads', () => {
    expect(Buffer.from(parseIPv6('::ffff:1.2.3.4') ?? []).toString('hex')).toBe('00000000000000000000ffff01020304')
    expect(Buffer.from(parseIPv6('1::') ?? []).toString('hex')).toBe('00010000000000000000000000000000')
    expect(Buffer.from(parseIPv6('1:2:3:4:5:6:7:8') ?? []).toString('hex')).toBe('00010002000300040005000600070008')
    expect(parseIPv6('1:2:3:4:5:6:7')).toBeNull()
  })
})

describe('isLoopbackName', () => {
  it('knows localhost and its subdomains (RFC 6761)', () => {
    expect(isLoopbackName('localhost')).toBe(true)
    expect(isLoopbackName('upload.LOCALHOST.')).toBe(true)
    expect(isLoopbackName('localhost.example')).toBe(false)
  })
})
