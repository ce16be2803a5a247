import { xml, type Element } from '../xml'
import { CoreError } from '../errors'
import { pickChannelBinding } from '../sasl/channelBinding'
import { chooseMechanism, isPlus, scramHashOf } from '../sasl/mechanisms'
import { plainMessage } from '../sasl/plain'
import { ScramClient, ScramError, type ScramKeys } from '../sasl/scram'
import { nextElement } from './waitFor'
import type { XmppConnection } from './XmppConnection'

export const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl'
const NS_SASL_CB = 'urn:xmpp:sasl-cb:0'
const STEP_TIMEOUT_MS = 20_000

export interface SaslOptions {
  credentials: () => { username: string; password: string }
  /** Runs on the encrypted stream before authentication: in-band registration goes here. */
  beforeAuth?: (() => Promise<void>) | undefined
  onMechanism: (mechanism: string) => void
  /** SCRAM keys from an earlier login to this server (RFC 5802 §5.1 allows caching them). */
  keyCache?: { get: () => ScramKeys | undefined; set: (keys: ScramKeys) => void } | undefined
}

type StreamFeatures = {
  use: (name: string, ns: string, fn: (ctx: { stanza: Element; entity: XmppConnection }, next: () => Promise<unknown>, feature: Element) => unknown) => void
}

/**
 * SASL (RFC 6120 §6) driven by Parley instead of xmpp.js: SCRAM-SHA-256(-PLUS) first, SCRAM-SHA-1
 * next, PLAIN only when no SCRAM is offered, and only on TLS. The server's SCRAM proof is verified
 * before the session goes on: a wrong one is treated as an impostor, not as a login.
 */
export function sasl(streamFeatures: StreamFeatures, options: SaslOptions): void {
  streamFeatures.use('mechanisms', NS_SASL, async ({ stanza, entity }, _next, feature) => {
    if (!entity.isSecure()) throw new CoreError('tls-required', 'Refusing to authenticate on an unencrypted stream')
    await options.beforeAuth?.()
    const offered = feature.getChildren('mechanism').map((m) => m.text().trim())
    const tlsSocket = entity.socket?.tls ?? null
    const serverCbTypes = stanza.getChild('sasl-channel-binding', NS_SASL_CB)?.getChildren('channel-binding').map((c) => String(c.attrs.type)) ?? null
    const binding = tlsSocket ? pickChannelBinding(tlsSocket, serverCbTypes) : null
    const mechanism = chooseMechanism(offered, { secure: true, canBind: binding !== null })
    if (!mechanism) throw new CoreError('no-mechanism', `The server offers no mechanism Parley accepts (${offered.join(', ') || 'none'})`)
    options.onMechanism(mechanism)
    const { username, password } = options.credentials()
    if (mechanism === 'PLAIN') await authenticatePlain(entity, username, password)
    else await authenticateScram(entity, mechanism, username, password, binding, options)
    await entity.restart()
  })
}

async function authenticatePlain(entity: XmppConnection, username: string, password: string): Promise<void> {
  const outcome = await exchange(entity, xml('auth', { xmlns: NS_SASL, mechanism: 'PLAIN' }, encode(plainMessage(username, password))))
  if (!outcome.is('success', NS_SASL)) throw failure(outcome, false)
}

async function authenticateScram(
  entity: XmppConnection,
  mechanism: string,
  username: string,
  password: string,
  binding: ReturnType<typeof pickChannelBinding>,
  options: SaslOptions
): Promise<void> {
  const hash = scramHashOf(mechanism)
  if (!hash) throw new CoreError('no-mechanism', `Unknown SCRAM variant ${mechanism}`)
  const client = new ScramClient({
    hash,
    username,
    password,
    channelBinding: isPlus(mechanism) ? binding : null,
    clientSupportsBinding: binding !== null,
    cachedKeys: options.keyCache?.get()
  })
  try {
    const first = await exchange(entity, xml('auth', { xmlns: NS_SASL, mechanism }, encode(client.clientFirst())))
    if (!first.is('challenge', NS_SASL)) throw failure(first, true)
    const final = await client.clientFinal(decode(first.text()))
    let outcome = await exchange(entity, xml('response', { xmlns: NS_SASL }, encode(final)))
    if (outcome.is('challenge', NS_SASL)) {
      // Some servers send server-final as a challenge and <success/> without data (RFC 6120 §6.4.6).
      client.verifyServerFinal(decode(outcome.text()))
      outcome = await exchange(entity, xml('response', { xmlns: NS_SASL }))
      if (!outcome.is('success', NS_SASL)) throw failure(outcome, false)
    } else if (outcome.is('success', NS_SASL)) {
      client.verifyServerFinal(decode(outcome.text()))
    } else {
      throw failure(outcome, false)
    }
    if (client.keys) options.keyCache?.set(client.keys)
  } catch (err) {
    if (err instanceof ScramError) {
      throw new CoreError('server-not-authentic', `SCRAM check failed (${err.reason}): ${err.message}`, { condition: err.reason })
    }
    throw err
  }
}

/** Sends one SASL element and waits for the server's next SASL element. */
async function exchange(entity: XmppConnection, element: Element): Promise<Element> {
  const answer = nextElement(entity, (el) => el.attrs.xmlns === NS_SASL, STEP_TIMEOUT_MS, 'answer from the authentication server')
  await entity.send(element)
  return answer
}

const FAILURE_CODES: Record<string, CoreError['code']> = {
  'not-authorized': 'not-authorized',
  'account-disabled': 'account-disabled',
  'credentials-expired': 'credentials-expired',
  'invalid-mechanism': 'no-mechanism',
  'mechanism-too-weak': 'no-mechanism',
  'encryption-required': 'tls-required'
}

/**
 * A <failure/> as a CoreError. With SCRAM, a server that refuses the very first message (before any
 * challenge) has not found the account: Prosody and ejabberd answer an unknown user there, while a
 * wrong password is only known after the proof.
 */
function failure(el: Element, beforeChallenge: boolean): CoreError {
  if (!el.is('failure', NS_SASL)) return new CoreError('not-authorized', `Unexpected answer <${el.name}/> during authentication`)
  const condition = el.getChildElements().find((c) => c.name !== 'text')?.name ?? 'not-authorized'
  const text = el.getChildText('text') ?? ''
  const detail = text ? `${condition}: ${text}` : condition
  if (condition === 'not-authorized' && beforeChallenge) return new CoreError('account-not-found', detail, { condition })
  return new CoreError(FAILURE_CODES[condition] ?? 'not-authorized', detail, { condition })
}

const encode = (s: string): string => (s === '' ? '=' : Buffer.from(s, 'utf8').toString('base64'))
const decode = (s: string): string => Buffer.from(s.trim(), 'base64').toString('utf8')
