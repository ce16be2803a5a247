import type { AccountId } from './ids'

export type TlsMode = 'starttls' | 'direct'

/** How to reach the server when DNS (SRV) should not decide. */
export interface ServerOverride {
  host: string
  port: number
  tls: TlsMode
}

/** An account's settings as stored (never the password: that lives in the secret store). */
export interface AccountConfig {
  id: AccountId
  /** Bare JID, normalised. */
  jid: string
  /** Optional host/port/TLS override; without it SRV decides, then the domain on 5222. */
  server?: ServerOverride
  /** Resource to bind; a random one is chosen when empty. */
  resource?: string
  /** SHA-256 fingerprint of a certificate the user chose to trust (trust on first use). */
  pinnedCertificate?: string
  enabled: boolean
  /** Colour hint for the UI (XEP-0392 otherwise). */
  color?: string
}
