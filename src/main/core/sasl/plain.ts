// SASL PLAIN (RFC 4616). Only ever sent inside TLS; chooseMechanism keeps it off cleartext streams.
import { saslprepQuery } from './scram'

/** The raw PLAIN message `authzid NUL authcid NUL passwd` (the caller base64-encodes it). */
export function plainMessage(username: string, password: string, authzid = ''): string {
  const authcid = prepare(username, 'username')
  const passwd = prepare(password, 'password')
  // The authzid is a JID in XMPP, prepared by JID rules rather than SASLprep; only the framing matters here.
  if (authzid.includes('\0')) throw new Error('PLAIN authzid must not contain NUL')
  return `${authzid}\0${authcid}\0${passwd}`
}

function prepare(value: string, what: string): string {
  // Checked before SASLprep as well, which would otherwise report NUL as a generic prohibited character.
  if (value.includes('\0')) throw new Error(`PLAIN ${what} must not contain NUL`)
  const prepared = saslprepQuery(value, `PLAIN ${what}`)
  // RFC 4616 grammar: authcid and passwd are 1*SAFE, so they cannot be empty.
  if (prepared === '') throw new Error(`PLAIN ${what} is empty`)
  return prepared
}
