import { execFileSync } from 'node:child_process'
import { createHash, X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  pickChannelBinding,
  serverEndPointOfCertificate,
  tlsExporter,
  tlsServerEndPoint,
  tlsUnique
} from '../../../../../src/main/core/sasl/channelBinding'

// Throwaway self-signed certificates, made with openssl for each run.
let dir = ''
const certs: Record<string, { key: Buffer; cert: Buffer; der: Buffer }> = {}

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
}

function selfSigned(name: string, keyArgs: string[], digestArgs: string[]): void {
  openssl('req', '-x509', ...keyArgs, ...digestArgs, '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-keyout', `${name}.key`, '-out', `${name}.crt`)
  const cert = readFileSync(join(dir, `${name}.crt`))
  certs[name] = { key: readFileSync(join(dir, `${name}.key`)), cert, der: new X509Certificate(cert).raw }
}

function cert(name: string): { key: Buffer; cert: Buffer; der: Buffer } {
  const found = certs[name]
  if (!found) throw new Error(`no certificate ${name}`)
  return found
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-cb-'))
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1']
  selfSigned('ec256', ec, ['-sha256'])
  selfSigned('ec384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp384r1'], ['-sha384'])
  openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'rsa.key')
  const rsa = ['-key', 'rsa.key']
  selfSigned('rsaSha1', rsa, ['-sha1'])
  selfSigned('rsaSha384', rsa, ['-sha384'])
  selfSigned('rsaSha512', rsa, ['-sha512'])
  selfSigned('pssSha384', rsa, ['-sha384', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32'])
  selfSigned('ed25519', ['-newkey', 'ed25519'], [])
}, 30_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

// ---- a real loopback TLS server ----

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn()
})

interface Pair {
  client: tls.TLSSocket
  server: tls.TLSSocket
}

async function startServer(options: tls.TlsOptions): Promise<{ port: number; next: () => Promise<tls.TLSSocket> }> {
  const server = tls.createServer(options)
  const waiting: Array<(s: tls.TLSSocket) => void> = []
  server.on('secureConnection', (s) => {
    cleanups.push(() => s.destroy())
    waiting.shift()?.(s)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => server.close())
  return {
    port: (server.address() as AddressInfo).port,
    next: () => new Promise((resolve) => waiting.push(resolve))
  }
}

async function connect(
  srv: { port: number; next: () => Promise<tls.TLSSocket> },
  options: tls.ConnectionOptions = {}
): Promise<Pair> {
  const serverSide = srv.next()
  const client = tls.connect({ host: '127.0.0.1', port: srv.port, rejectUnauthorized: false, ...options })
  cleanups.push(() => client.destroy())
  await new Promise<void>((resolve, reject) => {
    client.once('secureConnect', resolve)
    client.once('error', reject)
  })
  return { client, server: await serverSide }
}

async function pair(certName: string, serverOptions: tls.TlsOptions = {}): Promise<Pair> {
  const { key, cert: pem } = cert(certName)
  return connect(await startServer({ key, cert: pem, ...serverOptions }))
}

const TLS12: tls.TlsOptions = { maxVersion: 'TLSv1.2' }

describe('tls-exporter (RFC 9266)', () => {
  it('gives the same 32 bytes on both ends of a TLS 1.3 connection', async () => {
    const { client, server } = await pair('ec256')
    expect(client.getProtocol()).toBe('TLSv1.3')
    const data = tlsExporter(client)
    expect(data).toHaveLength(32)
    expect(data?.equals(server.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0)))).toBe(true)
  })

  it('in TLS 1.3 an empty context equals no context at all', async () => {
    const { client } = await pair('ec256')
    const noContext = Reflect.apply(client.exportKeyingMaterial, client, [32, 'EXPORTER-Channel-Binding']) as Buffer
    expect(tlsExporter(client)?.equals(noContext)).toBe(true)
  })

  it('differs between connections', async () => {
    const srv = await startServer({ key: cert('ec256').key, cert: cert('ec256').cert })
    const a = await connect(srv)
    const b = await connect(srv)
    expect(tlsExporter(a.client)?.equals(tlsExporter(b.client) ?? Buffer.alloc(0))).toBe(false)
  })

  it('is null on TLS 1.2', async () => {
    const { client } = await pair('ec256', TLS12)
    expect(client.getProtocol()).toBe('TLSv1.2')
    expect(tlsExporter(client)).toBeNull()
  })
})

describe('tls-server-end-point (RFC 5929 §4)', () => {
  it('is SHA-256 of the DER for an ecdsa-with-SHA256 certificate, over a real connection', async () => {
    const { client } = await pair('ec256')
    const der = cert('ec256').der
    expect(new X509Certificate(der).signatureAlgorithmOid).toBe('1.2.840.10045.4.3.2')
    expect(tlsServerEndPoint(client)?.equals(createHash('sha256').update(der).digest())).toBe(true)
  })

  it('works on TLS 1.2 as well', async () => {
    const { client } = await pair('ec256', TLS12)
    expect(tlsServerEndPoint(client)?.equals(createHash('sha256').update(cert('ec256').der).digest())).toBe(true)
  })

  it.each([
    ['ec256', 'sha256'],
    ['ec384', 'sha384'],
    ['rsaSha1', 'sha256'], // SHA-1 is replaced by SHA-256
    ['rsaSha384', 'sha384'],
    ['rsaSha512', 'sha512'],
    ['pssSha384', 'sha384'] // the hash sits in the RSASSA-PSS parameters
  ])('%s certificate is hashed with %s', (name, digest) => {
    const der = cert(name).der
    expect(serverEndPointOfCertificate(der)?.equals(createHash(digest).update(der).digest())).toBe(true)
  })

  it('the test certificates carry the signature algorithms the table above assumes', () => {
    // OIDs, not names: OpenSSL names vary ('RSASSA-PSS' vs 'rsassaPss'), which is why channelBinding maps OIDs.
    const expected: Record<string, string> = {
      ec256: '1.2.840.10045.4.3.2',
      ec384: '1.2.840.10045.4.3.3',
      rsaSha1: '1.2.840.113549.1.1.5',
      rsaSha384: '1.2.840.113549.1.1.12',
      rsaSha512: '1.2.840.113549.1.1.13',
      pssSha384: '1.2.840.113549.1.1.10',
      ed25519: '1.3.101.112'
    }
    for (const [name, oid] of Object.entries(expected)) {
      expect(new X509Certificate(cert(name).der).signatureAlgorithmOid, name).toBe(oid)
    }
  })

  it('is undefined (null) for Ed25519, which has no single hash function', () => {
    expect(serverEndPointOfCertificate(cert('ed25519').der)).toBeNull()
  })

  it('falls back to SHA-256 for data it cannot parse', () => {
    const junk = Buffer.from('not a certificate')
    expect(serverEndPointOfCertificate(junk)?.equals(createHash('sha256').update(junk).digest())).toBe(true)
  })
})

describe('tls-unique (RFC 5929 §3)', () => {
  it('is null on TLS 1.3', async () => {
    const { client } = await pair('ec256')
    expect(tlsUnique(client)).toBeNull()
  })

  it('is the 12-byte client Finished on a full TLS 1.2 handshake', async () => {
    const { client, server } = await pair('ec256', TLS12)
    const data = tlsUnique(client)
    expect(data).toHaveLength(12)
    expect(data?.equals(server.getPeerFinished() ?? Buffer.alloc(0))).toBe(true)
  })

  it('is the server Finished on a resumed TLS 1.2 handshake (the server sends first)', async () => {
    const srv = await startServer({ key: cert('ec256').key, cert: cert('ec256').cert, ...TLS12 })
    const first = await connect(srv)
    const session = first.client.getSession()
    expect(session).toBeDefined()
    const second = await connect(srv, { session })
    expect(second.client.isSessionReused()).toBe(true)
    const data = tlsUnique(second.client)
    expect(data).toHaveLength(12)
    expect(data?.equals(second.server.getFinished() ?? Buffer.alloc(0))).toBe(true)
  })
})

describe('pickChannelBinding (XEP-0440)', () => {
  it('uses tls-exporter on TLS 1.3 when the server announced nothing', async () => {
    const { client } = await pair('ec256')
    const picked = pickChannelBinding(client, null)
    expect(picked?.type).toBe('tls-exporter')
    expect(picked?.data.equals(tlsExporter(client) ?? Buffer.alloc(0))).toBe(true)
  })

  it('uses tls-unique on TLS 1.2 when the server announced nothing', async () => {
    const { client } = await pair('ec256', TLS12)
    expect(pickChannelBinding(client, null)?.type).toBe('tls-unique')
  })

  it('prefers our order over the order of the announcement', async () => {
    const { client } = await pair('ec256')
    const all = ['tls-unique', 'tls-server-end-point', 'tls-exporter']
    expect(pickChannelBinding(client, all)?.type).toBe('tls-exporter')
  })

  it('takes tls-server-end-point when that is all the server announced', async () => {
    const { client } = await pair('ec256')
    const picked = pickChannelBinding(client, ['tls-server-end-point'])
    expect(picked?.type).toBe('tls-server-end-point')
    expect(picked?.data.equals(createHash('sha256').update(cert('ec256').der).digest())).toBe(true)
  })

  it('skips announced types it cannot compute', async () => {
    const tls13 = await pair('ec256')
    expect(pickChannelBinding(tls13.client, ['tls-unique'])).toBeNull()
    expect(pickChannelBinding(tls13.client, ['tls-unique', 'tls-server-end-point'])?.type).toBe('tls-server-end-point')
    const tls12 = await pair('ec256', TLS12)
    expect(pickChannelBinding(tls12.client, ['tls-exporter', 'tls-server-end-point'])?.type).toBe('tls-server-end-point')
    expect(pickChannelBinding(tls12.client, ['tls-exporter'])).toBeNull()
  })

  it('returns null for an empty or unknown announcement', async () => {
    const { client } = await pair('ec256')
    expect(pickChannelBinding(client, [])).toBeNull()
    expect(pickChannelBinding(client, ['TLS-EXPORTER', 'tls-foo'])).toBeNull()
  })
})
