import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls, { type PeerCertificate, type TLSSocket } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CoreError } from '../../../../../src/main/core/errors'
import { fingerprintOfPem, normalizeFingerprint, verifyPeer } from '../../../../../src/main/core/net/certificate'

describe('normalizeFingerprint', () => {
  it.each([
    ['ab:cd:ef:01', 'AB:CD:EF:01'],
    ['ABCDEF01', 'AB:CD:EF:01'],
    ['ab cd ef 01', 'AB:CD:EF:01'],
    ['  Ab-Cd-eF-01\n', 'AB:CD:EF:01'],
    ['AB:CD:EF:01', 'AB:CD:EF:01'],
    ['', ''],
    ['xyz', '']
  ])('%j → %j', (input, want) => {
    expect(normalizeFingerprint(input)).toBe(want)
  })

  it('normalises a full SHA-256 fingerprint to 32 colon-separated bytes', () => {
    const hex = 'a'.repeat(30) + '0123456789abcdef' + 'f'.repeat(18)
    const out = normalizeFingerprint(hex)
    expect(out.split(':')).toHaveLength(32)
    expect(out.replaceAll(':', '')).toBe(hex.toUpperCase())
  })
})

/** A certificate made by openssl and what a real TLS handshake reports for it. */
interface Peer {
  pem: string
  x509: X509Certificate
  cert: PeerCertificate
  /** The chain check of a client that does not trust it (self-signed). */
  untrustedError: string
}

let dir = ''
let peer: Peer

/** Connects to a local TLS server presenting the certificate; returns what the client saw. */
async function handshake(key: string, pem: string, ca?: string): Promise<{ cert: PeerCertificate; authorized: boolean; authorizationError: string | undefined }> {
  const server = tls.createServer({ key, cert: pem }, (s) => s.end())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const { port } = server.address() as AddressInfo
    return await new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, servername: 'example.test', rejectUnauthorized: false, ...(ca ? { ca } : {}) }, () => {
        const result = {
          cert: socket.getPeerCertificate(false),
          authorized: socket.authorized,
          authorizationError: socket.authorizationError as unknown as string | undefined
        }
        socket.destroy()
        resolve(result)
      })
      socket.on('error', reject)
    })
  } finally {
    await new Promise((resolve) => server.close(resolve))
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-cert-'))
  execFileSync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=example.test', '-addext', 'subjectAltName=DNS:example.test',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')
    ],
    { stdio: 'ignore' }
  )
  const key = readFileSync(join(dir, 'key.pem'), 'utf8')
  const pem = readFileSync(join(dir, 'cert.pem'), 'utf8')
  const trusted = await handshake(key, pem, pem)
  const untrusted = await handshake(key, pem)
  // The handshake itself must agree with the cases below.
  expect(trusted.authorized).toBe(true)
  expect(untrusted.authorized).toBe(false)
  peer = { pem, x509: new X509Certificate(pem), cert: untrusted.cert, untrustedError: String(untrusted.authorizationError) }
})

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** What verifyPeer reads of a TLSSocket. */
function socketLike(authorized: boolean, authorizationError?: string, cert: PeerCertificate | object = peer.cert): TLSSocket {
  return { getPeerCertificate: () => cert, authorized, authorizationError } as unknown as TLSSocket
}

function thrown(run: () => void): CoreError {
  try {
    run()
  } catch (err) {
    expect(err).toBeInstanceOf(CoreError)
    return err as CoreError
  }
  throw new Error('expected verifyPeer to throw')
}

describe('verifyPeer', () => {
  it('the handshake without the CA reports a self-signed certificate', () => {
    expect(peer.untrustedError).toBe('DEPTH_ZERO_SELF_SIGNED_CERT')
  })

  it('accepts a verified chain naming the domain', () => {
    expect(() => verifyPeer(socketLike(true), 'example.test', undefined)).not.toThrow()
    expect(() => verifyPeer(socketLike(true), 'EXAMPLE.test', undefined)).not.toThrow()
  })

  it('refuses a verified chain for another domain (RFC 9525 DNS-ID)', () => {
    const err = thrown(() => verifyPeer(socketLike(true), 'other.test', undefined))
    expect(err.code).toBe('tls-untrusted')
    expect(err.detail).toBe('ERR_TLS_CERT_ALTNAME_INVALID for other.test')
    expect(err.cert?.reason).toBe('ERR_TLS_CERT_ALTNAME_INVALID')
  })

  it('refuses an unverified chain and describes the certificate for the user', () => {
    const err = thrown(() => verifyPeer(socketLike(false, peer.untrustedError), 'example.test', undefined))
    expect(err.code).toBe('tls-untrusted')
    expect(err.detail).toBe('DEPTH_ZERO_SELF_SIGNED_CERT for example.test')
    expect(err.cert).toEqual({
      fingerprint256: peer.x509.fingerprint256,
      subject: 'CN=example.test',
      issuer: 'CN=example.test',
      subjectAltName: 'DNS:example.test',
      validFrom: peer.x509.validFromDate.getTime(),
      validTo: peer.x509.validToDate.getTime(),
      reason: 'DEPTH_ZERO_SELF_SIGNED_CERT'
    })
    expect(err.cert!.validTo - err.cert!.validFrom).toBe(86_400_000)
    expect(err.toView().cert).toEqual(err.cert)
  })

  it('names a missing chain error UNABLE_TO_VERIFY', () => {
    expect(thrown(() => verifyPeer(socketLike(false), 'example.test', undefined)).cert?.reason).toBe('UNABLE_TO_VERIFY')
  })

  it('the chain reason wins over the name reason', () => {
    expect(thrown(() => verifyPeer(socketLike(false, 'CERT_HAS_EXPIRED'), 'other.test', undefined)).cert?.reason).toBe('CERT_HAS_EXPIRED')
  })

  it('accepts an unverified certificate whose fingerprint is pinned, in any spelling', () => {
    const fp = peer.x509.fingerprint256
    for (const pinned of [fp, fp.toLowerCase(), fp.replaceAll(':', ''), fp.replaceAll(':', ' ').toLowerCase()]) {
      expect(() => verifyPeer(socketLike(false, peer.untrustedError), 'example.test', pinned)).not.toThrow()
    }
    // The pin covers a name mismatch too: the user trusted exactly this certificate.
    expect(() => verifyPeer(socketLike(false, peer.untrustedError), 'other.test', fp)).not.toThrow()
  })

  it('refuses a different certificate than the pinned one, showing both', () => {
    const pinned = 'aa'.repeat(32)
    const err = thrown(() => verifyPeer(socketLike(false, peer.untrustedError), 'example.test', pinned))
    expect(err.code).toBe('tls-pin-mismatch')
    expect(err.pinned).toBe(normalizeFingerprint(pinned))
    expect(err.cert?.fingerprint256).toBe(peer.x509.fingerprint256)
    expect(err.cert?.reason).toBe('DEPTH_ZERO_SELF_SIGNED_CERT')
    expect(err.detail).toContain(peer.x509.fingerprint256)
    expect(err.toView()).toMatchObject({ code: 'tls-pin-mismatch', pinned: normalizeFingerprint(pinned) })
  })

  it('accepts a different certificate than the pinned one when it verifies on its own (a pin only overrides a failing check)', () => {
    expect(() => verifyPeer(socketLike(true), 'example.test', 'aa'.repeat(32))).not.toThrow()
  })

  it('a pin mismatch on a chain that verifies but names another domain is still a mismatch', () => {
    const err = thrown(() => verifyPeer(socketLike(true), 'other.test', 'aa'.repeat(32)))
    expect(err.code).toBe('tls-pin-mismatch')
    expect(err.cert?.reason).toBe('ERR_TLS_CERT_ALTNAME_INVALID')
  })

  it('an empty pin is no pin', () => {
    expect(thrown(() => verifyPeer(socketLike(false, peer.untrustedError), 'example.test', '')).code).toBe('tls-untrusted')
  })

  it('fails when the server presented no certificate', () => {
    const err = thrown(() => verifyPeer(socketLike(true, undefined, {}), 'example.test', undefined))
    expect(err.code).toBe('tls-failed')
  })
})

describe('fingerprintOfPem', () => {
  it('is the normalised SHA-256 fingerprint of the certificate', () => {
    expect(fingerprintOfPem(peer.pem)).toBe(peer.x509.fingerprint256)
    expect(fingerprintOfPem(peer.pem)).toBe(normalizeFingerprint(peer.cert.fingerprint256))
    expect(fingerprintOfPem(peer.pem)).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
  })
})
