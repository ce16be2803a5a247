// Channel binding data for SCRAM-*-PLUS, computed on the client side of a TLS connection.
// tls-exporter: RFC 9266, tls-server-end-point: RFC 5929 §4, tls-unique: RFC 5929 §3; choice: XEP-0440.
import { createHash } from 'node:crypto'
import type { TLSSocket } from 'node:tls'
import type { ChannelBinding } from './scram'

export type ChannelBindingType = ChannelBinding['type']

/** Our preference: exporter is the only one defined for TLS 1.3 and covers the whole handshake. */
export const CHANNEL_BINDING_PREFERENCE: readonly ChannelBindingType[] = [
  'tls-exporter',
  'tls-server-end-point',
  'tls-unique'
]

const EXPORTER_LABEL = 'EXPORTER-Channel-Binding'
const EXPORTER_LENGTH = 32

/** RFC 9266; only defined for TLS 1.3 (on 1.2 the exporter is weak without extended master secret). */
export function tlsExporter(socket: TLSSocket): Buffer | null {
  if (socket.getProtocol() !== 'TLSv1.3') return null
  try {
    // RFC 9266 uses an empty context; TLS 1.3 (RFC 8446 §7.5) treats "no context" and an empty one alike,
    // and an empty Buffer is what Node's typings require.
    return socket.exportKeyingMaterial(EXPORTER_LENGTH, EXPORTER_LABEL, Buffer.alloc(0))
  } catch {
    return null
  }
}

/** RFC 5929 §4.1: hash of the server certificate; null without a certificate or an undefined hash. */
export function tlsServerEndPoint(socket: TLSSocket): Buffer | null {
  const raw = socket.getPeerCertificate().raw as Buffer | undefined
  return raw && raw.length > 0 ? serverEndPointOfCertificate(raw) : null
}

/** The tls-server-end-point data of a DER certificate (exported for tests and for server-side use). */
export function serverEndPointOfCertificate(der: Buffer): Buffer | null {
  const hash = endPointHash(der)
  return hash ? createHash(hash).update(der).digest() : null
}

/** RFC 5929 §3: the first Finished message of the latest handshake; TLS 1.3 has no such binding. */
export function tlsUnique(socket: TLSSocket): Buffer | null {
  const protocol = socket.getProtocol()
  if (!protocol || protocol === 'TLSv1.3' || protocol === 'unknown') return null
  // Full handshake: the client's Finished comes first; resumption: the server's does. Client sockets only.
  const finished = socket.isSessionReused() ? socket.getPeerFinished() : socket.getFinished()
  return finished ?? null
}

export function computeChannelBinding(socket: TLSSocket, type: ChannelBindingType): ChannelBinding | null {
  const data = COMPUTE[type](socket)
  return data ? { type, data } : null
}

/**
 * serverTypes: the XEP-0440 <sasl-channel-binding/> types, or null when the server announced none.
 * Without an announcement we use the type the TLS version defines (RFC 9266 for 1.3, RFC 5802's tls-unique before).
 */
export function pickChannelBinding(socket: TLSSocket, serverTypes: string[] | null): ChannelBinding | null {
  if (serverTypes === null) {
    return computeChannelBinding(socket, socket.getProtocol() === 'TLSv1.3' ? 'tls-exporter' : 'tls-unique')
  }
  for (const type of CHANNEL_BINDING_PREFERENCE) {
    if (!serverTypes.includes(type)) continue
    const binding = computeChannelBinding(socket, type)
    if (binding) return binding
  }
  return null
}

const COMPUTE: Record<ChannelBindingType, (socket: TLSSocket) => Buffer | null> = {
  'tls-exporter': tlsExporter,
  'tls-server-end-point': tlsServerEndPoint,
  'tls-unique': tlsUnique
}

// Signature algorithm OID -> digest. MD5 and SHA-1 are upgraded to SHA-256 as RFC 5929 §4.1 demands.
const SIGNATURE_HASH: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'sha256', // md5WithRSAEncryption
  '1.2.840.113549.1.1.5': 'sha256', // sha1WithRSAEncryption
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha256', // ecdsa-with-SHA1
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.10040.4.3': 'sha256', // dsa-with-sha1
  '2.16.840.1.101.3.4.3.1': 'sha224', // dsa-with-sha224
  '2.16.840.1.101.3.4.3.2': 'sha256', // dsa-with-sha256
  '2.16.840.1.101.3.4.3.10': 'sha3-256', // ecdsa-with-SHA3-256
  '2.16.840.1.101.3.4.3.11': 'sha3-384',
  '2.16.840.1.101.3.4.3.12': 'sha3-512',
  '2.16.840.1.101.3.4.3.14': 'sha3-256', // RSASSA-PKCS1-v1_5 with SHA3-256
  '2.16.840.1.101.3.4.3.15': 'sha3-384',
  '2.16.840.1.101.3.4.3.16': 'sha3-512'
}

// Digest OIDs, for the hashAlgorithm inside RSASSA-PSS parameters.
const DIGEST_OID: Record<string, string> = {
  '1.3.14.3.2.26': 'sha256', // SHA-1, upgraded
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '2.16.840.1.101.3.4.2.8': 'sha3-256',
  '2.16.840.1.101.3.4.2.9': 'sha3-384',
  '2.16.840.1.101.3.4.2.10': 'sha3-512'
}

const RSASSA_PSS = '1.2.840.113549.1.1.10'
// EdDSA hashes inside the algorithm with no single hash function: RFC 5929 leaves the binding undefined.
const NO_SINGLE_HASH = new Set(['1.3.101.112', '1.3.101.113'])
const FALLBACK_HASH = 'sha256'

/**
 * Reads Certificate.signatureAlgorithm from the DER ourselves: X509Certificate only exposes it
 * from Node 24.9, and never the RSASSA-PSS hash parameter.
 */
function endPointHash(der: Buffer): string | null {
  const algorithm = signatureAlgorithm(der)
  if (!algorithm) return FALLBACK_HASH
  if (NO_SINGLE_HASH.has(algorithm.oid)) return null
  if (algorithm.oid === RSASSA_PSS) return pssHash(der, algorithm.params)
  return SIGNATURE_HASH[algorithm.oid] ?? FALLBACK_HASH
}

function pssHash(der: Buffer, params: Tlv | null): string {
  // RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] AlgorithmIdentifier DEFAULT sha1, ... }
  const first = params && params.tag === SEQUENCE ? readTlv(der, params.start, params.end) : null
  if (!first || first.tag !== CONTEXT_0) return 'sha256' // the default, SHA-1, upgraded
  const hashAlg = readTlv(der, first.start, first.end)
  const oid = hashAlg?.tag === SEQUENCE ? readTlv(der, hashAlg.start, hashAlg.end) : null
  return oid?.tag === OID ? (DIGEST_OID[decodeOid(der.subarray(oid.start, oid.end))] ?? FALLBACK_HASH) : FALLBACK_HASH
}

// Minimal DER walking: just enough for Certificate ::= SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING }.
const SEQUENCE = 0x30
const OID = 0x06
const CONTEXT_0 = 0xa0

interface Tlv {
  tag: number
  start: number // first content byte
  end: number // one past the last content byte
}

function signatureAlgorithm(der: Buffer): { oid: string; params: Tlv | null } | null {
  const cert = readTlv(der, 0, der.length)
  if (cert?.tag !== SEQUENCE) return null
  const tbs = readTlv(der, cert.start, cert.end)
  const alg = tbs ? readTlv(der, tbs.end, cert.end) : null
  if (alg?.tag !== SEQUENCE) return null
  const oid = readTlv(der, alg.start, alg.end)
  if (oid?.tag !== OID) return null
  return { oid: decodeOid(der.subarray(oid.start, oid.end)), params: readTlv(der, oid.end, alg.end) }
}

function readTlv(buf: Buffer, offset: number, limit: number): Tlv | null {
  const tag = buf[offset]
  const first = buf[offset + 1]
  if (tag === undefined || first === undefined || offset + 2 > limit) return null
  let start = offset + 2
  let length = first
  if (first & 0x80) {
    const count = first & 0x7f
    // Certificates are far below 2^32 bytes; longer length fields mean garbage.
    if (count === 0 || count > 4 || start + count > limit) return null
    length = 0
    for (let i = 0; i < count; i++) length = length * 256 + (buf[start + i] ?? 0)
    start += count
  }
  const end = start + length
  return end <= limit ? { tag, start, end } : null
}

function decodeOid(bytes: Buffer): string {
  const arcs: number[] = []
  let value = 0
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f)
    if (byte & 0x80) continue
    if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80)
    else arcs.push(value)
    value = 0
  }
  return arcs.join('.')
}
