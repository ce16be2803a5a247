import { promises as dns, type SrvRecord } from 'node:dns'
import type { ServerOverride, TlsMode } from '../../../shared/model/account'

/** One place to try: where to connect, and which name the certificate must carry. */
export interface Endpoint {
  host: string
  port: number
  tls: TlsMode
}

export type SrvResolver = (name: string) => Promise<SrvRecord[]>

const DEFAULT_PORT = 5222

/**
 * RFC 6120 §3.2 and XEP-0368: with an override use exactly it; otherwise ask SRV for Direct TLS
 * (`_xmpps-client`) and STARTTLS (`_xmpp-client`), merge by priority (Direct TLS first on a tie),
 * and fall back to the domain itself on 5222.
 */
export async function resolveEndpoints(
  domain: string,
  override: ServerOverride | undefined,
  resolveSrv: SrvResolver = (name) => dns.resolveSrv(name)
): Promise<Endpoint[]> {
  if (override) return [{ host: override.host, port: override.port, tls: override.tls }]
  if (isIpLiteral(domain) || domain === 'localhost') return [{ host: domain, port: DEFAULT_PORT, tls: 'starttls' }]
  const [direct, starttls] = await Promise.all([
    lookup(resolveSrv, `_xmpps-client._tcp.${domain}`),
    lookup(resolveSrv, `_xmpp-client._tcp.${domain}`)
  ])
  // RFC 2782: a single record with target "." means "the service is decidedly not available here".
  // RFC 6120 §3.2.1: that is an answer, so no fallback to the domain either; only Direct TLS records remain.
  if (isDecidedlyAbsent(starttls) && !direct.some(usable)) return []
  const merged = [
    ...orderSrv(direct.filter(usable)).map((r) => ({ r, tls: 'direct' as const })),
    ...orderSrv(starttls.filter(usable)).map((r) => ({ r, tls: 'starttls' as const }))
  ].sort((a, b) => a.r.priority - b.r.priority || (a.tls === b.tls ? 0 : a.tls === 'direct' ? -1 : 1))
  const endpoints = merged.map(({ r, tls }) => ({ host: r.name.replace(/\.$/, ''), port: r.port, tls }))
  if (endpoints.length === 0) endpoints.push({ host: domain, port: DEFAULT_PORT, tls: 'starttls' })
  return dedupe(endpoints)
}

export function describeEndpoint(e: Endpoint): string {
  const host = e.host.includes(':') ? `[${e.host}]` : e.host
  return `${host}:${e.port} (${e.tls === 'direct' ? 'Direct TLS' : 'STARTTLS'})`
}

async function lookup(resolveSrv: SrvResolver, name: string): Promise<SrvRecord[]> {
  try {
    return await resolveSrv(name)
  } catch {
    // No SRV record (ENODATA/ENOTFOUND) is the common case: fall back, do not fail here.
    return []
  }
}

const usable = (r: SrvRecord): boolean => r.name !== '' && r.name !== '.' && r.port > 0

const isDecidedlyAbsent = (records: SrvRecord[]): boolean =>
  records.length === 1 && (records[0]?.name === '.' || records[0]?.name === '')

/** RFC 2782 order: ascending priority; within one priority a weighted random draw. */
export function orderSrv(records: SrvRecord[], random: () => number = Math.random): SrvRecord[] {
  const byPriority = new Map<number, SrvRecord[]>()
  for (const r of records) byPriority.set(r.priority, [...(byPriority.get(r.priority) ?? []), r])
  const ordered: SrvRecord[] = []
  for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
    const pool = [...(byPriority.get(priority) ?? [])]
    while (pool.length > 0) {
      const total = pool.reduce((sum, r) => sum + r.weight, 0)
      let pick = random() * total
      let index = pool.findIndex((r) => (pick -= r.weight) < 0)
      if (index < 0) index = 0
      ordered.push(...pool.splice(index, 1))
    }
  }
  return ordered
}

function dedupe(endpoints: Endpoint[]): Endpoint[] {
  const seen = new Set<string>()
  return endpoints.filter((e) => {
    const key = `${e.host}|${e.port}|${e.tls}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

export function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':') || host.startsWith('[')
}
