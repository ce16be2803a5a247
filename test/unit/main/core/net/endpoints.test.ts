import type { SrvRecord } from 'node:dns'
import { describe, expect, it } from 'vitest'
import { describeEndpoint, isIpLiteral, orderSrv, resolveEndpoints, type SrvResolver } from '../../../../../src/main/core/net/endpoints'

const srv = (name: string, port: number, priority = 0, weight = 0): SrvRecord => ({ name, port, priority, weight })

/** A resolver answering from a table; unknown names fail like Node does for NXDOMAIN. */
function fakeResolver(table: Record<string, SrvRecord[]>) {
  const asked: string[] = []
  const resolve: SrvResolver = async (name) => {
    asked.push(name)
    const records = table[name]
    if (!records) throw Object.assign(new Error(`querySrv ENOTFOUND ${name}`), { code: 'ENOTFOUND' })
    return records
  }
  return { resolve, asked }
}

const DIRECT = '_xmpps-client._tcp.example.org'
const STARTTLS = '_xmpp-client._tcp.example.org'

describe('resolveEndpoints', () => {
  it('uses exactly the override and asks no DNS', async () => {
    const { resolve, asked } = fakeResolver({ [STARTTLS]: [srv('xmpp.example.org', 5222)] })
    expect(await resolveEndpoints('example.org', { host: '10.0.0.5', port: 5223, tls: 'direct' }, resolve)).toEqual([{ host: '10.0.0.5', port: 5223, tls: 'direct' }])
    expect(asked).toEqual([])
  })

  it.each(['192.0.2.1', '::1', '[2001:db8::1]', 'localhost'])('connects to %s on 5222 without SRV', async (domain) => {
    const { resolve, asked } = fakeResolver({})
    expect(await resolveEndpoints(domain, undefined, resolve)).toEqual([{ host: domain, port: 5222, tls: 'starttls' }])
    expect(asked).toEqual([])
  })

  it('asks both SRV names (RFC 6120 §3.2.1, XEP-0368)', async () => {
    const { resolve, asked } = fakeResolver({})
    await resolveEndpoints('example.org', undefined, resolve)
    expect([...asked].sort()).toEqual([STARTTLS, DIRECT])
  })

  it('falls back to the domain on 5222 when there are no records', async () => {
    const { resolve } = fakeResolver({})
    expect(await resolveEndpoints('example.org', undefined, resolve)).toEqual([{ host: 'example.org', port: 5222, tls: 'starttls' }])
  })

  it('merges Direct TLS and STARTTLS by priority, Direct TLS first on a tie', async () => {
    const { resolve } = fakeResolver({
      [DIRECT]: [srv('tls.example.org.', 443, 10), srv('late.example.org.', 5223, 30)],
      [STARTTLS]: [srv('backup.example.org.', 5222, 20), srv('xmpp.example.org.', 5222, 10)]
    })
    expect(await resolveEndpoints('example.org', undefined, resolve)).toEqual([
      { host: 'tls.example.org', port: 443, tls: 'direct' },
      { host: 'xmpp.example.org', port: 5222, tls: 'starttls' },
      { host: 'backup.example.org', port: 5222, tls: 'starttls' },
      { host: 'late.example.org', port: 5223, tls: 'direct' }
    ])
  })

  it('strips the trailing dot of targets', async () => {
    const { resolve } = fakeResolver({ [STARTTLS]: [srv('xmpp.example.org.', 5222)] })
    expect(await resolveEndpoints('example.org', undefined, resolve)).toEqual([{ host: 'xmpp.example.org', port: 5222, tls: 'starttls' }])
  })

  it('removes duplicates', async () => {
    const { resolve } = fakeResolver({
      [DIRECT]: [srv('xmpp.example.org', 5223, 5)],
      [STARTTLS]: [srv('xmpp.example.org.', 5222, 5), srv('xmpp.example.org', 5222, 10), srv('xmpp.example.org', 5269, 10)]
    })
    expect(await resolveEndpoints('example.org', undefined, resolve)).toEqual([
      { host: 'xmpp.example.org', port: 5223, tls: 'direct' },
      { host: 'xmpp.example.org', port: 5222, tls: 'starttls' },
      { host: 'xmpp.example.org', port: 5269, tls: 'starttls' }
    ])
  })

  it('returns nothing when both services are decidedly not available (target ".")', async () => {
    const { resolve } = fakeResolver({ [DIRECT]: [srv('.', 0)], [STARTTLS]: [srv('.', 0)] })
    expect(await resolveEndpoints('example.org', undefined, resolve)).toEqual([])
  })

  it('returns nothing when STARTTLS is decidedly not available and there is no Direct TLS (RFC 2782: abort)', async () => {
    const { resolve } = fakeResolver({ [STARTTLS]: [srv('.', 0)] })
    expect(await resolveEndpoints('example.org', undefined, resolve)).toEqual([])
  })

  it('uses Direct TLS when only STARTTLS is decidedly not available', async () => {
    const { resolve } = fakeResolver({ [DIRECT]: [srv('xmpps.example.org', 5223)], [STARTTLS]: [srv('.', 0)] })
    expect(await resolveEndpoints('example.org', undefined, resolve)).toEqual([{ host: 'xmpps.example.org', port: 5223, tls: 'direct' }])
  })

  it('falls back to the domain when only Direct TLS is decidedly not available', async () => {
    const { resolve } = fakeResolver({ [DIRECT]: [srv('.', 0)] })
    expect(await resolveEndpoints('example.org', undefined, resolve)).toEqual([{ host: 'example.org', port: 5222, tls: 'starttls' }])
  })

  it('skips records with port 0 or an empty target', async () => {
    const { resolve } = fakeResolver({ [STARTTLS]: [srv('zero.example.org', 0), srv('', 5222), srv('ok.example.org', 5222, 1)] })
    expect(await resolveEndpoints('example.org', undefined, resolve)).toEqual([{ host: 'ok.example.org', port: 5222, tls: 'starttls' }])
  })

  it('a failing lookup of one name does not hide the other', async () => {
    const resolve: SrvResolver = async (name) => {
      if (name === DIRECT) throw Object.assign(new Error('timeout'), { code: 'ETIMEOUT' })
      return [srv('xmpp.example.org', 5222)]
    }
    expect(await resolveEndpoints('example.org', undefined, resolve)).toEqual([{ host: 'xmpp.example.org', port: 5222, tls: 'starttls' }])
  })
})

describe('orderSrv (RFC 2782)', () => {
  /** A random source that returns the given values in turn. */
  const sequence = (...values: number[]) => {
    let i = 0
    return () => values[i++ % values.length]!
  }

  it('orders by ascending priority first', () => {
    const ordered = orderSrv([srv('c', 1, 30, 1), srv('a', 1, 10, 1), srv('b', 1, 20, 1)], sequence(0))
    expect(ordered.map((r) => r.name)).toEqual(['a', 'b', 'c'])
  })

  it('draws by weight within a priority', () => {
    const records = [srv('a', 1, 0, 10), srv('b', 1, 0, 30), srv('c', 1, 0, 60)]
    // 0.5·100 = 50 lands in c's range [40, 100); then 0.5·40 = 20 in b's [10, 40); a is left.
    expect(orderSrv(records, sequence(0.5)).map((r) => r.name)).toEqual(['c', 'b', 'a'])
    // 0 picks the first record with weight each time.
    expect(orderSrv(records, sequence(0)).map((r) => r.name)).toEqual(['a', 'b', 'c'])
    // 0.05·100 = 5 → a; then 0.9·90 = 81 → c; then b.
    expect(orderSrv(records, sequence(0.05, 0.9)).map((r) => r.name)).toEqual(['a', 'c', 'b'])
  })

  it('draws within each priority group separately', () => {
    const records = [srv('p2-light', 1, 2, 1), srv('p1-light', 1, 1, 1), srv('p2-heavy', 1, 2, 99), srv('p1-heavy', 1, 1, 99)]
    expect(orderSrv(records, sequence(0.5)).map((r) => r.name)).toEqual(['p1-heavy', 'p1-light', 'p2-heavy', 'p2-light'])
    expect(orderSrv(records, sequence(0.001)).map((r) => r.name)).toEqual(['p1-light', 'p1-heavy', 'p2-light', 'p2-heavy'])
  })

  it('handles all-zero weights and returns every record once', () => {
    const records = [srv('a', 1, 0, 0), srv('b', 1, 0, 0), srv('c', 1, 0, 0)]
    const ordered = orderSrv(records, sequence(0.7))
    expect(ordered.map((r) => r.name)).toEqual(['a', 'b', 'c'])
    expect(orderSrv([], sequence(0.5))).toEqual([])
  })

  it('does not change its input', () => {
    const records = [srv('b', 1, 2, 1), srv('a', 1, 1, 1)]
    orderSrv(records, sequence(0.5))
    expect(records.map((r) => r.name)).toEqual(['b', 'a'])
  })
})

describe('describeEndpoint and isIpLiteral', () => {
  it('describes an endpoint, bracketing IPv6', () => {
    expect(describeEndpoint({ host: 'xmpp.example.org', port: 5222, tls: 'starttls' })).toBe('xmpp.example.org:5222 (STARTTLS)')
    expect(describeEndpoint({ host: '2001:db8::1', port: 5223, tls: 'direct' })).toBe('[2001:db8::1]:5223 (Direct TLS)')
  })

  it('recognises IP literals', () => {
    expect(isIpLiteral('192.0.2.1')).toBe(true)
    expect(isIpLiteral('::1')).toBe(true)
    expect(isIpLiteral('[::1]')).toBe(true)
    expect(isIpLiteral('example.org')).toBe(false)
    expect(isIpLiteral('1.2.3.example')).toBe(false)
  })
})
