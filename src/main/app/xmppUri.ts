import type { UriAction, UriRefusal } from '../../shared/ipc/contract'
import { jidToString, parseJid } from '../../shared/jid'

// xmpp: URIs (RFC 5122) arrive from other programs: a web page, a mail, a chat. Parley only reads
// three harmless query actions (XEP-0147 registry), never acts on one by itself (the window asks
// the user), and refuses anything unusual instead of guessing what it means.

/** Longest URI read at all; a real one is an address and perhaps a short text. */
export const MAX_URI_LENGTH = 16_384
export const MAX_BODY_LENGTH = 4096
export const MAX_NAME_LENGTH = 1024
const MAX_PAIRS = 8

/** Keys XEP-0147 registers for each action we act on; others are refused. */
const ACTION_KEYS: Record<string, readonly string[]> = {
  message: ['body', 'subject', 'thread', 'type', 'id', 'from'],
  roster: ['name', 'group'],
  subscribe: []
}

// Raw text may hold only URI/IRI characters: no spaces, controls or bidi controls, even encoded
// later. Non-ASCII is allowed (IRIs), percent-decoding happens per component below.
const RAW_FORBIDDEN = /[\s\p{Cc}\p{Co}\p{Cn}\p{Cs}<>"{}|\\^`]|(?![\u200C\u200D])\p{Cf}/u
// After decoding: controls other than line breaks and tabs, and everything invisible that can make
// text look like something else (bidi overrides and isolates, zero-width spaces). The joiners
// U+200C/U+200D stay allowed: emoji sequences and Persian text need them.
const TEXT_FORBIDDEN = /[^\P{Cc}\t\n\r]|[\p{Co}\p{Cn}\p{Cs}\u2028\u2029]|(?![\u200C\u200D])\p{Cf}/u
const LINE_FORBIDDEN = /[\p{Cc}\p{Co}\p{Cn}\p{Cs}\u2028\u2029]|(?![\u200C\u200D])\p{Cf}/u

const refuse = (reason: UriRefusal): UriAction => ({ kind: 'refused', reason })

/** Reads an xmpp: URI into what it asks for, or the reason it is refused. Never throws. */
export function parseXmppUri(input: unknown): UriAction {
  if (typeof input !== 'string') return refuse('not-xmpp')
  if (input.length > MAX_URI_LENGTH) return refuse('too-long')
  const colon = input.indexOf(':')
  if (colon < 0 || input.slice(0, colon).toLowerCase() !== 'xmpp') return refuse('not-xmpp')
  if (RAW_FORBIDDEN.test(input)) return refuse('malformed')

  let rest = input.slice(colon + 1)
  // A fragment means nothing to Parley; it is dropped, not interpreted.
  const hash = rest.indexOf('#')
  if (hash >= 0) rest = rest.slice(0, hash)
  if (rest.startsWith('//')) return refuse('authority')

  const question = rest.indexOf('?')
  const path = question < 0 ? rest : rest.slice(0, question)
  const query = question < 0 ? null : rest.slice(question + 1)

  const jid = readJid(path)
  if (typeof jid !== 'string') return jid
  if (query === null) return { kind: 'open-chat', jid }

  const [action = '', ...pairs] = query.split(';')
  const keys = ACTION_KEYS[action]
  if (!Object.hasOwn(ACTION_KEYS, action) || !keys) return refuse('unsupported-action')
  if (pairs.length > MAX_PAIRS) return refuse('invalid-parameter')
  const params = new Map<string, string>()
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    const key = eq < 0 ? pair : pair.slice(0, eq)
    if (!keys.includes(key) || params.has(key)) return refuse('invalid-parameter')
    const value = decode(eq < 0 ? '' : pair.slice(eq + 1))
    if (value === null) return refuse('malformed')
    params.set(key, value)
  }

  switch (action) {
    case 'message': {
      const body = params.get('body') ?? ''
      if (body.length > MAX_BODY_LENGTH || TEXT_FORBIDDEN.test(body)) return refuse('invalid-parameter')
      for (const key of ['subject', 'thread', 'type', 'id', 'from']) {
        const v = params.get(key) ?? ''
        if (v.length > MAX_NAME_LENGTH || LINE_FORBIDDEN.test(v)) return refuse('invalid-parameter')
      }
      return body.trim() === '' ? { kind: 'open-chat', jid } : { kind: 'compose', jid, body }
    }
    case 'roster':
    case 'subscribe': {
      const name = params.get('name') ?? ''
      const group = params.get('group') ?? ''
      for (const v of [name, group]) if (v.length > MAX_NAME_LENGTH || LINE_FORBIDDEN.test(v)) return refuse('invalid-parameter')
      return { kind: 'add-contact', jid, name: name.trim(), group: group.trim() }
    }
    default:
      return refuse('unsupported-action')
  }
}

/** The bare JID of a user (`local@domain`); a resource is accepted and dropped. */
function readJid(path: string): string | UriAction {
  if (path === '') return refuse('invalid-address')
  const decoded = decode(path)
  if (decoded === null) return refuse('malformed')
  if (LINE_FORBIDDEN.test(decoded)) return refuse('invalid-address')
  const jid = parseJid(decoded)
  // A domain alone (a server, a gateway) is not someone to chat with from a link.
  if (!jid || jid.local === '') return refuse('invalid-address')
  return jidToString({ local: jid.local, domain: jid.domain, resource: '' })
}

/** Percent-decoding that fails (null) on broken escapes or bytes that are not UTF-8. */
function decode(s: string): string | null {
  try {
    return decodeURIComponent(s)
  } catch {
    return null
  }
}

/** The first xmpp: URI among command-line arguments (Windows and Linux pass links this way). */
export function uriFromArgv(argv: readonly string[]): string | null {
  for (const arg of argv) {
    if (typeof arg === 'string' && /^xmpp:/i.test(arg)) return arg
  }
  return null
}
