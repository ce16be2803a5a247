/**
 * Every failure the core reports has one of these codes. The UI words them; `detail` carries the
 * technical text (server text, errno, TLS reason) for the "details" disclosure.
 */
export type ErrorCode =
  // reaching the server
  | 'dns-failed' // the domain (or its SRV target) does not resolve
  | 'unreachable' // connection refused / no route / reset before the stream opened
  | 'timeout' // a step took too long (connect, TLS, stream, login)
  | 'connection-lost' // the connection dropped after it was up
  // TLS
  | 'tls-required' // the server offers no TLS: we never send credentials in clear text
  | 'tls-failed' // handshake failed (protocol, cipher, reset during handshake)
  | 'tls-untrusted' // certificate not trusted; `cert` says why and what it is
  | 'tls-pin-mismatch' // the certificate changed since the user trusted one; `cert` and `pinned`
  // login
  | 'not-authorized' // wrong password (or, for PLAIN, unknown account)
  | 'account-not-found' // the server says the account does not exist
  | 'account-disabled'
  | 'credentials-expired'
  | 'no-mechanism' // no SASL mechanism we accept
  | 'server-not-authentic' // SCRAM server proof wrong, bad nonce, weak iteration count: possible MITM
  | 'resource-conflict' // another session took our resource and the server kicked us
  // registration (XEP-0077)
  | 'registration-conflict' // username taken
  | 'registration-closed' // server does not allow in-band registration
  | 'registration-invalid' // missing or invalid fields (not-acceptable / bad-request / jid-malformed)
  | 'registration-throttled' // too many attempts
  | 'registration-form-required' // the server asks for fields we must show the user (CAPTCHA, e-mail…)
  // group chats: the room refused to let us in (XEP-0045 §7.2), or a nick change; `condition` keeps the stanza error
  | 'room-password-required' // not-authorized, and we gave no password
  | 'room-password-wrong' // not-authorized although we gave one
  | 'room-banned' // forbidden: we are an outcast
  | 'room-members-only' // registration-required: only members may enter
  | 'room-nick-conflict' // conflict: someone else has the nick (or reserved it)
  | 'room-nick-rejected' // not-acceptable / jid-malformed / policy-violation: the room does not take the nick
  | 'room-not-found' // item-not-found / gone / remote-server-not-found: no such room (or it is locked) or service
  | 'room-unavailable' // service-unavailable: the room is full or the service is down
  | 'room-creation-restricted' // not-allowed: the service does not let us create the room
  // protocol
  | 'stream-error' // the server ended the stream; `condition` says why
  | 'bad-input' // the server sent XML we refuse (malformed, restricted, oversized); we ended the stream
  | 'unsupported' // the server lacks the feature (e.g. XEP-0191 blocking)
  | 'stanza-error' // an IQ/message came back with an error; `condition` says which
  | 'not-connected' // the account is offline
  | 'invalid-argument'
  | 'forbidden' // the caller may not make this call (an IPC request that is not from Parley's own page)
  // local storage
  | 'storage-full' // the disk (or the history's quota) is full: nothing new was stored
  | 'storage-failed' // the history could not be written (read-only, corrupt, locked)
  | 'internal'

/** What a certificate looked like when we refused it: enough for a trust-on-first-use dialog. */
export interface CertificateView {
  /** SHA-256 of the DER, uppercase hex with colons (Node's `fingerprint256`). */
  fingerprint256: string
  subject: string
  issuer: string
  /** Subject alternative names as Node prints them (`DNS:example.org, IP Address:…`). */
  subjectAltName: string
  validFrom: number // epoch ms
  validTo: number // epoch ms
  /** The OpenSSL / Node reason: `DEPTH_ZERO_SELF_SIGNED_CERT`, `ERR_TLS_CERT_ALTNAME_INVALID`, `CERT_HAS_EXPIRED`… */
  reason: string
}

/** An error as plain data (it crosses IPC). */
export interface ErrorView {
  code: ErrorCode
  /** Technical detail for the disclosure: server text, errno, condition. Never contains a password. */
  detail: string
  /** RFC 6120 stream or stanza error condition, SASL failure condition, when there is one. */
  condition?: string
  cert?: CertificateView
  /** For `tls-pin-mismatch`: the fingerprint the user had trusted. */
  pinned?: string
  /** For `registration-form-required`: the form to show. */
  form?: RegistrationFormView
}

/** XEP-0077 registration form, plain fields and/or an XEP-0004 data form. */
export interface RegistrationFormView {
  instructions: string
  /** Legacy fields (`username`, `password`, `email`, …) that the server lists. */
  fields: RegistrationField[]
  /** True when the fields come from an XEP-0004 data form (then `formType` is its FORM_TYPE). */
  dataForm: boolean
  formType?: string
  /** Out-of-band URL (XEP-0066) when the server wants registration on a web page. */
  url?: string
  /** Media for CAPTCHA fields (XEP-0158 / XEP-0221), as data URLs. */
  media?: { field: string; dataUrl: string; type: string }[]
}

export interface RegistrationField {
  name: string // `var` for data forms
  label: string
  type: 'text-single' | 'text-private' | 'hidden' | 'boolean' | 'list-single' | 'fixed' | 'text-multi'
  required: boolean
  value: string
  options?: { label: string; value: string }[]
}
