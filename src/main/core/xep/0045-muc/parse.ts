// XEP-0045 stanzas → plain data. Nothing here throws on hostile input; what cannot be read is null.
// Identity comes only from the room: the `from` it stamps (`room/nick`), the items and status codes
// in its presence, the XEP-0421 id it vouches for. Bodies are text and never looked into for it.
import { bare, jidToString, parseJid } from '../../../../shared/jid'
import type { ErrorCode } from '../../../../shared/model/errors'
import { CoreError } from '../../errors'
import { bodyOf, isAction } from '../../im/message/parse'
import { parseAvailable, presenceKind, statusText } from '../../im/presence/parse'
import { stanzaError } from '../../stream/IqCaller'
import type { Element } from '../../xml'
import { fieldValue, NS_DATA, parseDataForm } from '../0004-data-forms'
import { parseInfo } from '../0030-disco'
import { delayedAt } from '../0203-delay'
import { sharesFile } from '../0066-oob'
import { parseDirectInvitation } from '../0249-direct-invitations'
import { replacedId } from '../0308-correction'
import { NS_MAM } from '../0313-mam'
import { NS_SID, parseOriginId, parseStanzaId } from '../0359-unique-ids'
import { NS_OCCUPANT_ID, parseOccupantId } from '../0421-occupant-id'
import { NS_RETRACT, retractedId } from '../0424-retraction'
import { stripFallback } from '../0428-fallback'
import { parseReactions } from '../0444-reactions'
import { NS_REPLY, parseReply } from '../0461-replies'
import { mentionsNick } from './mention'
import type { Affiliation, Occupant, OccupantExit, Role, RoomEdit, RoomInfo, RoomInvite, RoomMessage } from './types'

export const NS_MUC = 'http://jabber.org/protocol/muc'
export const NS_MUC_USER = `${NS_MUC}#user`
export const NS_MUC_ADMIN = `${NS_MUC}#admin`
export const NS_MUC_OWNER = `${NS_MUC}#owner`
export const NS_MUC_ROOMINFO = `${NS_MUC}#roominfo`
export const NS_MODERATE = 'urn:xmpp:message-moderate:1'

/** XEP-0045 §15.6 status codes Parley acts on. */
export const STATUS = {
  NON_ANONYMOUS: 100,
  CONFIG_CHANGED: 104,
  SELF: 110,
  NOW_NON_ANONYMOUS: 172,
  CREATED: 201,
  NICK_ASSIGNED: 210,
  BANNED: 301,
  NICK_CHANGED: 303,
  KICKED: 307,
  AFFILIATION_CHANGED: 321,
  MEMBERS_ONLY: 322,
  SHUTDOWN: 332,
  TECHNICAL: 333
} as const

const ROLES = new Set<Role>(['moderator', 'participant', 'visitor', 'none'])
const AFFILIATIONS = new Set<Affiliation>(['owner', 'admin', 'member', 'outcast', 'none'])
const MAX_TEXT = 4096
const SHA1 = /^[0-9a-f]{40}$/

export const parseRole = (s: unknown): Role | null => (typeof s === 'string' && ROLES.has(s as Role) ? (s as Role) : null)
export const parseAffiliation = (s: unknown): Affiliation | null => (typeof s === 'string' && AFFILIATIONS.has(s as Affiliation) ? (s as Affiliation) : null)

export interface MucItem {
  role: Role | null
  affiliation: Affiliation | null
  /** Real JID (full as the room gives it, normalised). */
  jid?: string
  nick?: string
  /** Who acted (kick, ban): the actor's nick or JID as the room reports it. */
  actor?: string
  reason?: string
}

export interface MucUser {
  statuses: number[]
  item: MucItem | null
  destroy?: { alternate?: string; reason: string }
}

/** The `<x xmlns='…muc#user'/>` a room adds to presence and some messages, or null. */
export function parseMucUser(stanza: Element): MucUser | null {
  const x = stanza.getChild('x', NS_MUC_USER)
  if (!x) return null
  const statuses = [
    ...new Set(
      x
        .getChildren('status')
        .map((s) => Number(s.attrs.code))
        .filter((c) => Number.isInteger(c) && c >= 100 && c <= 999)
    )
  ]
  const itemEl = x.getChild('item')
  const destroyEl = x.getChild('destroy')
  const alternate = parseJid(String(destroyEl?.attrs.jid ?? ''))
  return {
    statuses,
    item: itemEl ? parseItem(itemEl) : null,
    ...(destroyEl
      ? { destroy: { ...(alternate && alternate.local ? { alternate: jidToString(bare(alternate)) } : {}), reason: text(destroyEl.getChildText('reason')) } }
      : {})
  }
}

export function parseItem(el: Element): MucItem {
  const jid = parseJid(String(el.attrs.jid ?? ''))
  const nick = typeof el.attrs.nick === 'string' && el.attrs.nick !== '' ? el.attrs.nick : undefined
  const actorEl = el.getChild('actor')
  const actor = actorEl ? String(actorEl.attrs.nick ?? actorEl.attrs.jid ?? '') : ''
  const reason = el.getChildText('reason')
  return {
    role: parseRole(el.attrs.role),
    affiliation: parseAffiliation(el.attrs.affiliation),
    ...(jid ? { jid: jidToString(jid) } : {}),
    ...(nick ? { nick } : {}),
    ...(actor ? { actor: actor.slice(0, MAX_TEXT) } : {}),
    ...(reason ? { reason: text(reason) } : {})
  }
}

export interface OccupantPresence {
  kind: 'available' | 'unavailable' | 'error' | 'other'
  occupant: Occupant
  statuses: number[]
  item: MucItem | null
  destroy?: { alternate?: string; reason: string }
}

/** A presence from `room/nick` as the occupant it describes; `trustOccupantId` = the room announces XEP-0421. */
export function parseOccupantPresence(stanza: Element, nick: string, trustOccupantId: boolean): OccupantPresence {
  const kind = presenceKind(stanza)
  const user = parseMucUser(stanza)
  const item = user?.item ?? null
  const available = parseAvailable(stanza, nick)
  const occupantId = parseOccupantId(stanza, trustOccupantId)
  const real = item?.jid ? parseJid(item.jid) : null
  const occupant: Occupant = {
    nick,
    role: item?.role ?? (kind === 'unavailable' ? 'none' : 'participant'),
    affiliation: item?.affiliation ?? 'none',
    show: available.show,
    status: statusText(stanza),
    ...(real ? { jid: jidToString(bare(real)) } : {}),
    ...(occupantId ? { occupantId } : {})
  }
  return {
    kind: kind === 'available' || kind === 'unavailable' || kind === 'error' ? kind : 'other',
    occupant,
    statuses: user?.statuses ?? [],
    item,
    ...(user?.destroy ? { destroy: user.destroy } : {})
  }
}

/** Why an occupant's unavailable presence says they left; `destroyed` only for the room going away. */
export function exitOf(p: Pick<OccupantPresence, 'statuses' | 'item' | 'destroy'>): OccupantExit | 'destroyed' {
  const has = (code: number) => p.statuses.includes(code)
  if (p.destroy) return 'destroyed'
  if (has(STATUS.NICK_CHANGED) && p.item?.nick) return 'nick-changed'
  if (has(STATUS.BANNED)) return 'banned'
  if (has(STATUS.KICKED)) return 'kicked'
  if (has(STATUS.AFFILIATION_CHANGED)) return 'affiliation'
  if (has(STATUS.MEMBERS_ONLY)) return 'members-only'
  if (has(STATUS.SHUTDOWN)) return 'shutdown'
  if (has(STATUS.TECHNICAL)) return 'error'
  return 'left'
}

/** The ErrorCodes of a refused join (XEP-0045 §7.2) or nick change. */
export type RoomErrorCode = Extract<ErrorCode, `room-${string}`>

const JOIN_ERRORS: Readonly<Record<string, RoomErrorCode>> = {
  'not-authorized': 'room-password-required', // §7.2.6 (`room-password-wrong` when we gave one)
  forbidden: 'room-banned', // §7.2.7
  conflict: 'room-nick-conflict', // §7.2.8
  'registration-required': 'room-members-only', // §7.2.5
  'service-unavailable': 'room-unavailable', // §7.2.9 (max users), or the service is down
  'item-not-found': 'room-not-found', // §7.2.10 (locked or missing room)
  gone: 'room-not-found', // a destroyed room that some services keep as a tombstone
  'remote-server-not-found': 'room-not-found', // no such group chat service
  'not-allowed': 'room-creation-restricted', // §10.1.1
  'not-acceptable': 'room-nick-rejected', // §7.2.8 (reserved nick) and nick policies
  'jid-malformed': 'room-nick-rejected',
  'policy-violation': 'room-nick-rejected'
}

/** The room code for a stanza error condition; `passwordGiven` tells a wrong password from a missing one. */
export function roomErrorCode(condition: string | undefined, passwordGiven = false): RoomErrorCode | null {
  const code = condition === undefined ? null : (JOIN_ERRORS[condition] ?? null)
  return code === 'room-password-required' && passwordGiven ? 'room-password-wrong' : code
}

/**
 * A join (or nick change) refused by the room: a room-* code when the condition is one XEP-0045
 * names, else `stanza-error`; `condition` and the server's text stay for the details.
 */
export function joinError(stanza: Element, passwordGiven = false): CoreError {
  const e = stanzaError(stanza)
  const code = roomErrorCode(e.condition, passwordGiven) ?? 'stanza-error'
  return new CoreError(code, e.detail, e.condition === undefined ? {} : { condition: e.condition })
}

/** An invitation a message carries: XEP-0249 (direct) or XEP-0045 §7.8.2 (mediated), or a decline. */
export type InviteRead = { invite: RoomInvite } | { declined: { room: string; from: string; reason: string } } | null

/**
 * Reads an invitation. `isRoom(bare)` says whether an address is a room we are in: a direct
 * invitation sent from inside a room keeps the sender's `room/nick` (its bare JID would be the room).
 */
export function readInvite(message: Element, isRoom: (bareJid: string) => boolean): InviteRead {
  const from = parseJid(String(message.attrs.from ?? ''))
  if (!from) return null
  // Mediated invitations and declines come from the room itself: a bare JID, never a person's.
  // They are read first: rooms (Prosody) add a XEP-0249 element to them for older clients.
  const x = from.resource === '' && from.local !== '' ? message.getChild('x', NS_MUC_USER) : undefined
  const mediated = x?.getChild('invite') !== undefined || x?.getChild('decline') !== undefined
  const direct = mediated ? null : parseDirectInvitation(message)
  if (direct) {
    const sender = jidToString(bare(from))
    return { invite: { kind: 'direct', ...direct, from: isRoom(sender) ? jidToString(from) : sender } }
  }
  if (!x) return null
  const room = jidToString(from)
  const invite = x.getChild('invite')
  if (invite) {
    const password = x.getChildText('password')
    return {
      invite: {
        kind: 'mediated',
        room,
        from: claimedBy(invite, room),
        reason: text(invite.getChildText('reason')),
        ...(password ? { password: password.slice(0, MAX_TEXT) } : {}),
        ...(invite.getChild('continue') ? { continue: true } : {})
      }
    }
  }
  const decline = x.getChild('decline')
  if (decline) return { declined: { room, from: claimedBy(decline, room), reason: text(decline.getChildText('reason')) } }
  return null
}

/** The `from` a room puts on an invite or decline: a real JID (shown bare), or `room/nick` in anonymous rooms. */
function claimedBy(el: Element, room: string): string {
  const who = parseJid(String(el.attrs.from ?? ''))
  if (!who) return ''
  return jidToString(jidToString(bare(who)) === room ? who : bare(who))
}

/** What we know about the room when reading one of its group chat messages. */
export interface GroupchatView {
  room: string
  /** Our nick in the room now, and every nick we had there in this session. */
  ownNick: string
  ownNicks: ReadonlySet<string>
  selfOccupantId: string | undefined
  /** The room announces urn:xmpp:sid:0: its stanza-ids are its own. */
  trustStanzaId: boolean
  /** The room announces XEP-0421: its occupant ids are its own. */
  trustOccupantId: boolean
  /** Real bare JID of an occupant as the room's presence said (live messages only). */
  occupantJid(nick: string): string | undefined
  /** We sent a message with this origin-id in this room. */
  sentByUs(originId: string): boolean
  source: 'live' | 'archive'
  /** For archive results: the archive's id (trusted: MamModule checked it) and time. */
  archived?: { id: string; at: number }
  now: number
}

export type Groupchat =
  | { kind: 'subject'; subject: string; nick: string; at: number }
  | { kind: 'message'; message: RoomMessage; reflection: boolean }
  | { kind: 'edit'; edit: RoomEdit }
  | { kind: 'status'; codes: number[] }
  | null

/** A `type='groupchat'` message from `room/nick` (or from the room itself, nick ''). */
export function readGroupchat(stanza: Element, nick: string, view: GroupchatView): Groupchat {
  const live = view.source === 'live'
  const delayed = live ? delayedAt(stanza, (by) => by === view.room) : null
  const at = view.archived?.at ?? delayed ?? view.now
  const body = bodyOf(stanza)
  const subject = stanza.getChild('subject')
  // §8.1: only a message with a subject and no body changes the subject.
  if (subject && body === null) return { kind: 'subject', subject: subject.text().slice(0, MAX_TEXT), nick, at }
  const occupantId = nick === '' ? null : parseOccupantId(stanza, view.trustOccupantId)
  const jid = live && nick !== '' ? view.occupantJid(nick) : undefined
  const originId = parseOriginId(stanza)
  const byOccupantId = occupantId && view.selfOccupantId ? occupantId === view.selfOccupantId : null
  const fromUs = nick !== '' && (byOccupantId ?? (nick === view.ownNick || (originId !== null && view.sentByUs(originId) && view.ownNicks.has(nick))))
  const sender = nick === '' ? view.room : occupantId ? `occupant-id:${occupantId}` : (jid ?? `${view.room}/${nick}`)
  const stanzaId = view.archived?.id ?? (view.trustStanzaId ? parseStanzaId(stanza, view.room) : null)
  const id = typeof stanza.attrs.id === 'string' ? stanza.attrs.id.slice(0, 256) : ''
  const who = { room: view.room, nick, sender, ...(occupantId ? { occupantId } : {}) }
  const edit = readEdit(stanza, nick, body)
  if (edit) {
    return { kind: 'edit', edit: { ...who, fromUs, id, ...(stanzaId ? { stanzaId } : {}), at, ...edit, source: view.source } }
  }
  if (body === null) {
    const codes = nick === '' ? (parseMucUser(stanza)?.statuses ?? []) : []
    return codes.length > 0 ? { kind: 'status', codes } : null
  }
  const reply = parseReply(stanza)
  const text = reply ? (stripFallback(stanza, body, NS_REPLY) ?? body) : body
  const replyTo = reply ? parseJid(reply.to) : null
  const message: RoomMessage = {
    ...who,
    ...(jid ? { jid } : {}),
    body: text,
    id,
    ...(originId ? { originId } : {}),
    ...(stanzaId ? { stanzaId } : {}),
    at,
    atIsLocal: view.archived === undefined && delayed === null,
    fromUs,
    mentions: !fromUs && nick !== '' && mentionsNick(text, view.ownNick),
    ...(isAction(text) ? { action: true as const } : {}),
    ...(reply ? { replyTo: { id: reply.id, nick: replyTo && jidToString(bare(replyTo)) === view.room ? replyTo.resource : '' } } : {}),
    ...(sharesFile(stanza) ? { attachment: true as const } : {}),
    source: view.source
  }
  return { kind: 'message', message, reflection: fromUs && originId !== null && view.sentByUs(originId) }
}

/** Corrections keep XEP-0308's `id`; retractions and reactions in rooms name the room's stanza-id. */
function readEdit(stanza: Element, nick: string, body: string | null): Pick<RoomEdit, 'targetBy' | 'targetId' | 'change'> | null {
  const retract = stanza.getChild('retract', NS_RETRACT)
  const moderated = retract?.getChild('moderated', NS_MODERATE)
  if (moderated) {
    // XEP-0425: only the room itself announces a moderator's retraction.
    const target = retractedId(stanza)
    if (nick !== '' || !target) return null
    return {
      targetBy: 'stanza-id',
      targetId: target,
      change: { kind: 'retract', moderated: { by: String(moderated.attrs.by ?? '').slice(0, MAX_TEXT), reason: text(retract?.getChildText('reason')) } }
    }
  }
  if (nick === '') return null
  const reactions = parseReactions(stanza)
  if (reactions) return { targetBy: 'stanza-id', targetId: reactions.targetId, change: { kind: 'react', emojis: reactions.emojis } }
  const retracted = retractedId(stanza)
  if (retracted) return { targetBy: 'stanza-id', targetId: retracted, change: { kind: 'retract' } }
  const replaced = replacedId(stanza)
  if (replaced && body !== null) return { targetBy: 'id', targetId: replaced, change: { kind: 'correct', body } }
  return null
}

/** disco#info of a room (XEP-0045 §6.4) with its muc#roominfo form. */
export function parseRoomInfo(room: string, query: Element): RoomInfo {
  const info = parseInfo(query)
  const features = new Set(info.features)
  const form = query
    .getChildren('x', NS_DATA)
    .map(parseDataForm)
    .find((f) => f.formType === NS_MUC_ROOMINFO)
  const value = (name: string): string => fieldValue(form, name) ?? ''
  const count = Number.parseInt(value('muc#roominfo_occupants'), 10)
  const identity = info.identities.find((i) => i.category === 'conference')
  const avatar = form?.fields.find((f) => f.var === 'muc#roominfo_avatarhash')
  const avatarHash = avatar ? (avatar.values.map((v) => v.trim().toLowerCase()).find((v) => SHA1.test(v)) ?? null) : undefined
  return {
    room,
    name: text(identity?.name || value('muc#roomconfig_roomname')),
    description: text(value('muc#roominfo_description')),
    subject: text(value('muc#roominfo_subject')),
    occupants: Number.isFinite(count) && count >= 0 ? count : null,
    features: info.features,
    passwordProtected: features.has('muc_passwordprotected'),
    membersOnly: features.has('muc_membersonly'),
    nonAnonymous: features.has('muc_nonanonymous'),
    moderated: features.has('muc_moderated'),
    persistent: features.has('muc_persistent'),
    public: features.has('muc_public') || !features.has('muc_hidden'),
    archived: features.has(NS_MAM),
    stableIds: features.has(NS_SID),
    occupantIds: features.has(NS_OCCUPANT_ID),
    ...(avatarHash !== undefined ? { avatarHash } : {})
  }
}

/** The occupants of a room, for the one reset event after joining: ourselves first. */
export function occupantList(occupants: Iterable<Occupant>): Occupant[] {
  return [...occupants].sort((a, b) => (a.self ? -1 : b.self ? 1 : 0))
}

function text(s: string | null | undefined): string {
  return (s ?? '').slice(0, MAX_TEXT)
}
