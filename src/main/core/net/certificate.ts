import { X509Certificate } from 'node:crypto'
import tls, { type PeerCertificate, type TLSSocket } from 'node:tls'
import type { CertificateView } from '../../../shared/model/errors'
import { CoreError } from '../errors'

/** Normalises user- or store-supplied fingerprints: `ab:cd…`, `ABCD…`, with or without spaces. */
export function normalizeFingerprint(fp: string): string {
  const hex = fp.replace(/[^0-9a-f]/gi, '').toUpperCase()
  return hex.match(/.{2}/g)?.join(':') ?? ''
}

export function certificateView(cert: PeerCertificate, reason: string): CertificateView {
  return {
    fingerprint256: normalizeFingerprint(cert.fingerprint256 ?? ''),
    subject: formatName(cert.subject),
    issuer: formatName(cert.issuer),
    subjectAltName: cert.subjectaltname ?? '',
    validFrom: Date.parse(cert.valid_from),
    validTo: Date.parse(cert.valid_to),
    reason
  }
}

function formatName(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return ''
  return Object.entries(name)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ')
}

/**
 * Decides whether a finished TLS handshake may carry our stream. The socket was opened with Node's
 * own chain check reported (not enforced) so that we can show the certificate to the user; nothing
 * is written to it until this returns.
 *
 * Trusted: the chain verifies against the system (and configured) CAs AND the certificate names the
 * JID domain (RFC 9525 DNS-ID, checked by Node's `checkServerIdentity`). Otherwise trusted only when
 * the user pinned exactly this certificate's SHA-256 fingerprint.
 */
export function verifyPeer(socket: TLSSocket, domain: string, pinned: string | undefined): void {
  const cert = socket.getPeerCertificate(false)
  if (!cert || Object.keys(cert).length === 0) {
    throw new CoreError('tls-failed', 'The server presented no certificate')
  }
  const identityError = tls.checkServerIdentity(domain, cert)
  const chainError = socket.authorized ? undefined : String(socket.authorizationError ?? 'UNABLE_TO_VERIFY')
  const reason = chainError ?? (identityError ? (identityError as NodeJS.ErrnoException).code ?? identityError.message : '')
  const fingerprint = normalizeFingerprint(cert.fingerprint256)
  if (pinned !== undefined && pinned !== '') {
    const want = normalizeFingerprint(pinned)
    if (fingerprint === want) return
    // A pin overrides a failing check only for that exact certificate. A different certificate
    // that does not verify on its own is a changed certificate: show both fingerprints.
    if (!reason) return
    throw new CoreError('tls-pin-mismatch', `Certificate changed: trusted ${want}, presented ${fingerprint} (${reason})`, {
      cert: certificateView(cert, reason),
      pinned: want
    })
  }
  if (!reason) return
  throw new CoreError('tls-untrusted', `${reason} for ${domain}`, { cert: certificateView(cert, reason) })
}

/** The DER of a PEM or Node-returned certificate, for channel binding and tests. */
export function fingerprintOfPem(pem: string): string {
  return normalizeFingerprint(new X509Certificate(pem).fingerprint256)
}
