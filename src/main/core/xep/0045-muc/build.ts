// XEP-0045 stanzas Parley sends. Callers pass canonical JIDs and nicks (see MucModule).
import { xml, type Child, type Element } from '../../xml'
import { fieldValue, NS_DATA, type DataForm } from '../0004-data-forms'
import { oobElement, type OobData } from '../0066-oob'
import { receiptFor, receiptRequest } from '../0184-receipts'
import { displayedMarker, markable } from '../0333-chat-markers'
import { replaceElement } from '../0308-correction'
import { originId } from '../0359-unique-ids'
import { fallback } from '../0428-fallback'
import { NS_REPLY, quoteFallback, replyElement } from '../0461-replies'
import { NS_MUC, NS_MUC_ADMIN, NS_MUC_OWNER, NS_MUC_USER } from './parse'
import type { Affiliation, JoinOptions, Role, RoomConfig } from './types'

/** §7.2: enter a room (or create it), with a password and how much history to replay. */
export function joinPresence(room: string, nick: string, opts: Pick<JoinOptions, 'password' | 'history'> = {}, extra: Child[] = []): Element {
  const history = opts.history === 'none' ? 0 : opts.history?.maxstanzas
  return xml(
    'presence',
    { to: `${room}/${nick}` },
    xml(
      'x',
      { xmlns: NS_MUC },
      history === undefined ? undefined : xml('history', { maxstanzas: String(Math.max(0, Math.trunc(history))) }),
      opts.password ? xml('password', {}, opts.password) : undefined
    ),
    ...extra
  )
}

/** §7.6: a presence to the new `room/nick` (without the muc element: that would be a join). */
export function nickPresence(room: string, nick: string, extra: Child[] = []): Element {
  return xml('presence', { to: `${room}/${nick}` }, ...extra)
}

/** §7.14. */
export function leavePresence(room: string, nick: string, status?: string): Element {
  return xml('presence', { to: `${room}/${nick}`, type: 'unavailable' }, status ? xml('status', {}, status) : undefined)
}

export interface GroupchatOptions {
  /** XEP-0461: the room's stanza-id of the message answered, its author's nick, and a quote for old clients. */
  replyTo?: { id: string; nick: string; quote: string } | undefined
  /** XEP-0308: corrects our earlier message with this `id`. */
  replaces?: string | undefined
  /** XEP-0066: the body is the link of a file we uploaded. */
  oob?: OobData | undefined
}

/**
 * A group chat message with `id` = XEP-0359 origin-id, so that the room's reflection can be matched
 * to it. No receipt request and no markers: XEP-0184 §5.3 advises against them in rooms.
 */
export function groupchatMessage(room: string, id: string, body: string, opts: GroupchatOptions = {}): Element {
  const quote = opts.replyTo ? quoteFallback(opts.replyTo.quote) : ''
  return xml(
    'message',
    { to: room, id, type: 'groupchat' },
    xml('body', {}, quote + body),
    originId(id),
    opts.replyTo ? replyElement({ id: opts.replyTo.id, to: `${room}/${opts.replyTo.nick}` }) : undefined,
    opts.replyTo ? fallback(NS_REPLY, { start: 0, end: [...quote].length }) : undefined,
    opts.replaces ? replaceElement(opts.replaces) : undefined,
    opts.oob ? oobElement(opts.oob.url, opts.oob.desc) : undefined
  )
}

/**
 * §7.5: a private message to an occupant, marked as such (and so carbon-copied, XEP-0280 §6); `oob`
 * as in group chat. Unlike group chat it asks for a receipt (XEP-0184) and is markable (XEP-0333):
 * it goes to one occupant, whose acknowledgements come back from `room/nick`.
 */
export function privateMessage(room: string, nick: string, id: string, body: string, oob?: OobData): Element {
  return xml(
    'message',
    { to: `${room}/${nick}`, id, type: 'chat' },
    xml('body', {}, body),
    originId(id),
    receiptRequest(),
    markable(),
    xml('x', { xmlns: NS_MUC_USER }),
    oob ? oobElement(oob.url, oob.desc) : undefined
  )
}

/** A message to an occupant made part of the room's private chat (§7.5: type chat, the muc#user marker). */
function asPrivate(message: Element): Element {
  message.attrs.type = 'chat'
  message.append(xml('x', { xmlns: NS_MUC_USER }))
  return message
}

/** XEP-0333 `displayed` to an occupant, through the room. */
export function privateDisplayed(room: string, nick: string, id: string): Element {
  const marker = displayedMarker(`${room}/${nick}`, id)
  marker.attrs.id = `displayed-${id}`
  return asPrivate(marker)
}

/** XEP-0184 §5: the receipt for an occupant's private message `id`, through the room. */
export function privateReceipt(room: string, nick: string, id: string): Element {
  return asPrivate(receiptFor(`${room}/${nick}`, id))
}

/** §8.1: set (or with '' clear) the subject. */
export function subjectMessage(room: string, id: string, subject: string): Element {
  return xml('message', { to: room, id, type: 'groupchat' }, xml('subject', {}, subject))
}

/** §7.8.2: an invitation through the room (it adds membership in members-only rooms that allow it). */
export function mediatedInvite(room: string, to: string, reason: string): Element {
  return xml('message', { to: room }, xml('x', { xmlns: NS_MUC_USER }, xml('invite', { to }, reason ? xml('reason', {}, reason) : undefined)))
}

/** §7.8.2: decline a mediated invitation. */
export function declineInvite(room: string, inviter: string, reason: string): Element {
  return xml('message', { to: room }, xml('x', { xmlns: NS_MUC_USER }, xml('decline', { to: inviter }, reason ? xml('reason', {}, reason) : undefined)))
}

/** §8.4–8.6, §9.6–9.7: change an occupant's role (kick = none, voice = participant, moderator). */
export function roleQuery(nick: string, role: Role, reason?: string): Element {
  return xml('query', { xmlns: NS_MUC_ADMIN }, xml('item', { nick, role }, reason ? xml('reason', {}, reason) : undefined))
}

/** §9.1–9.5, §10.3–10.7: change a user's affiliation (ban = outcast). */
export function affiliationQuery(jid: string, affiliation: Affiliation, reason?: string): Element {
  return xml('query', { xmlns: NS_MUC_ADMIN }, xml('item', { jid, affiliation }, reason ? xml('reason', {}, reason) : undefined))
}

/** §9.2, §9.5, §10.5: ask for everyone with one affiliation (the ban list, the members…). */
export function affiliationListQuery(affiliation: Affiliation): Element {
  return xml('query', { xmlns: NS_MUC_ADMIN }, xml('item', { affiliation }))
}

export const ownerQuery = (...children: Child[]): Element => xml('query', { xmlns: NS_MUC_OWNER }, ...children)

/** §10.1.2: accept the default configuration (an "instant room"). */
export const instantRoom = (): Element => ownerQuery(xml('x', { xmlns: NS_DATA, type: 'submit' }))

/** §10.9: destroy the room, optionally pointing at where it moved. */
export function destroyQuery(reason?: string, alternate?: string): Element {
  return ownerQuery(xml('destroy', alternate ? { jid: alternate } : {}, reason ? xml('reason', {}, reason) : undefined))
}

/**
 * Friendly settings → `var` values of the muc#roomconfig form. Only fields the room's form offers
 * are sent (buildSubmit skips the rest), so this may name the variants servers use.
 */
export function roomConfigValues(cfg: RoomConfig, form?: DataForm): Record<string, string | string[]> {
  const bool = (b: boolean) => (b ? '1' : '0')
  const v: Record<string, string | string[]> = {}
  if (cfg.name !== undefined) v['muc#roomconfig_roomname'] = cfg.name
  if (cfg.description !== undefined) v['muc#roomconfig_roomdesc'] = cfg.description
  if (cfg.password !== undefined) {
    v['muc#roomconfig_roomsecret'] = cfg.password
    v['muc#roomconfig_passwordprotectedroom'] = bool(cfg.password !== '')
  }
  if (cfg.membersOnly !== undefined) v['muc#roomconfig_membersonly'] = bool(cfg.membersOnly)
  if (cfg.moderated !== undefined) v['muc#roomconfig_moderatedroom'] = bool(cfg.moderated)
  if (cfg.persistent !== undefined) v['muc#roomconfig_persistentroom'] = bool(cfg.persistent)
  if (cfg.public !== undefined) v['muc#roomconfig_publicroom'] = bool(cfg.public)
  if (cfg.archive !== undefined) {
    v['muc#roomconfig_enablearchiving'] = bool(cfg.archive) // Prosody
    v['mam'] = bool(cfg.archive) // ejabberd
  }
  if (cfg.nonAnonymous !== undefined) {
    const field = form?.fields.find((f) => f.var === 'muc#roomconfig_whois')
    // Servers spell "only moderators" as 'moderators' (Prosody, ejabberd) and list it as an option.
    const hidden = field?.options.find((o) => o.value !== 'anyone')?.value ?? 'moderators'
    v['muc#roomconfig_whois'] = cfg.nonAnonymous ? 'anyone' : hidden
  }
  return { ...v, ...cfg.fields }
}

/**
 * The other way: what a room's muc#roomconfig form (§10.2, its current values) says, as friendly
 * settings. Only what the form offers is set; `archive` reads either server's switch.
 */
export function roomConfigFromForm(form: DataForm): RoomConfig {
  const value = (name: string): string | undefined => fieldValue(form, name)
  const flag = (name: string): boolean | undefined => {
    const v = value(name)
    return v === undefined ? undefined : v === '1' || v === 'true'
  }
  const cfg: RoomConfig = {}
  const text = (key: 'name' | 'description' | 'password', name: string): void => {
    if (form.fields.some((f) => f.var === name)) cfg[key] = value(name) ?? ''
  }
  text('name', 'muc#roomconfig_roomname')
  text('description', 'muc#roomconfig_roomdesc')
  text('password', 'muc#roomconfig_roomsecret')
  // A room that says it is not protected has no password, whatever stale secret it keeps.
  if (flag('muc#roomconfig_passwordprotectedroom') === false) cfg.password = ''
  const bools = { membersOnly: 'muc#roomconfig_membersonly', moderated: 'muc#roomconfig_moderatedroom', persistent: 'muc#roomconfig_persistentroom', public: 'muc#roomconfig_publicroom' } as const
  for (const [key, name] of Object.entries(bools) as [keyof typeof bools, string][]) {
    const b = flag(name)
    if (b !== undefined) cfg[key] = b
  }
  const archive = flag('muc#roomconfig_enablearchiving') ?? flag('mam')
  if (archive !== undefined) cfg.archive = archive
  const whois = value('muc#roomconfig_whois')
  if (whois !== undefined) cfg.nonAnonymous = whois === 'anyone'
  return cfg
}
