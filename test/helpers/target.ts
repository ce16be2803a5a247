// The XMPP server that the integration tests talk to, as provided by test/integration/globalSetup.ts:
// a private Prosody started for the run, or an external server named by XMPP_TEST_* environment variables.
import { inject } from 'vitest'

export interface XmppTestTarget {
  host: string
  port: number // STARTTLS (c2s)
  directTlsPort: number | null // XEP-0368 direct TLS, null when unknown
  domain: string // main test domain; in-band registration is open there
  // Special virtual hosts of the private Prosody; null against an external server
  domains: {
    noReg: string | null // allow_registration = false: no <register/> stream feature
    sha256: string | null // offers SCRAM-SHA-256 + PLAIN (no SCRAM-SHA-1)
    plainOnly: string | null // offers only PLAIN (after TLS)
    noBlocking: string | null // does not advertise urn:xmpp:blocking
  }
  caPem: string // PEM to trust for TLS; '' = the system CAs
  fingerprint256: string | null // of the server certificate, colon-separated uppercase hex
  external: boolean
}

declare module 'vitest' {
  export interface ProvidedContext {
    xmpp: XmppTestTarget
  }
}

export function target(): XmppTestTarget {
  return inject('xmpp')
}
