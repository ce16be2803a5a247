import { randomUUID } from 'node:crypto'
import { bare, jidToString, parseJid, toBareJid } from '../../../../shared/jid'
import { asMessageId, type MessageId } from '../../../../shared/model/ids'
import type { DeliveryState } from '../../../../shared/model/message'
import type { OwnPresence } from '../../../../shared/model/presence'
import { sendFromOutbox, type AccountModule } from '../../account/module'
import { CoreError, toCoreError } from '../../errors'
import { acknowledgements, bodyOf, messageType } from '../../im/message/parse'
import { stanzaError } from '../../stream/IqCaller'
import { BoundedMap } from '../../util/BoundedMap'
import { xml, type Child, type Element } from '../../xml'
import { buildSubmit, NS_DATA, parseDataForm, type DataForm } from '../0004-data-forms'
import { NS_DISCO_INFO, type DiscoInfo, type DiscoModule } from '../0030-disco'
import { sharesFile, type OobData } from '../0066-oob'
import { wantsReceipt } from '../0184-receipts'
import { delayedAt } from '../0203-delay'
import { directInvitation, NS_CONFERENCE } from '../0249-direct-invitations'
import type { CarbonDirection } from '../0280-carbons'
import { isMarkable } from '../0333-chat-markers'
import type { ArchivedMessage, MamModule, MamPage } from '../0313-mam'
import { NS_SID, parseOriginId } from '../0359-unique-ids'
import { NS_OCCUPANT_ID, parseOccupantId } from '../0421-occupant-id'
import { retraction } from '../0424-retraction'
import { reactionsMessage } from '../0444-reactions'
import {
  affiliationListQuery,
  affiliationQuery,
  declineInvite,
  destroyQuery,
  groupchatMessage,
  instantRoom,
  joinPresence,
  leavePresence,
  mediatedInvite,
  nickPresence,
  ownerQuery,
  privateDisplayed,
  privateMessage,
  privateReceipt,
  roleQuery,
  roomConfigValues,
  subjectMessage,
  type GroupchatOptions
} from './build'
import {
  exitOf,
  joinError,
  NS_MUC,
  NS_MUC_ADMIN,
  NS_MUC_OWNER,
  NS_MUC_USER,
  occupantList,
  parseItem,
  parseMucUser,
  parseOccupantPresence,
  parseRoomInfo,
  readGroupchat,
  readInvite,
  STATUS,
  type GroupchatView,
  type OccupantPresence
} from './parse'
import type {
  Affiliation,
  JoinOptions,
  JoinResult,
  MucContext,
  Occupant,
  OccupantLeft,
  Role,
  RoomConfig,
  RoomExit,
  RoomInfo,
  RoomPrivateMessage,
  RoomState
} from './types'

export * from './types'
export { mentionsNick } from './mention'
export { NS_MUC, NS_MUC_ADMIN, NS_MUC_OWNER, NS_MUC_USER, roomErrorCode, type RoomErrorCode } from './parse'
export { roomConfigFromForm, roomConfigValues } from './build'

const JOIN_TIMEOUT_MS = 30_000
const NICK_TIMEOUT_MS = 30_000
const LEAVE_TIMEOUT_MS = 5_000
/** Our recent message ids per room, to recognise the room's reflections of them. */
const SENT_MEMORY = 1_000

interface Waiter<T> {
  resolve: (value: T) => void
  reject: (err: CoreError) => void
  timer: NodeJS.Timeout
}

interface RoomEntry {
  readonly jid: string
  /** Our nick: asked for while joining, the room's word once joined. */
  nick: string
  password: string | undefined
  /** The user wants to be in the room: join it again after a new session. */
  wanted: boolean
  /** A join that must not create the room (see `JoinOptions.mustExist`). */
  mustExist: boolean
  phase: 'joining' | 'joined' | 'out'
  rejoining: boolean
  occupants: Map<string, Occupant>
  features: Set<string>
  /** Our XEP-0421 id in the room, once the room announces the feature (see `adoptSelfOccupantId`). */
  selfOccupantId: string | undefined
  /** The id on our self-presence while the room's features were unknown (a room we just created). */
  unconfirmedSelfOccupantId: string | undefined
  nonAnonymous: boolean
  subject: string
  ownNicks: Set<string>
  sent: BoundedMap<string, true>
  join: (Waiter<JoinResult> & { promise: Promise<JoinResult> }) | null
  nickChange: (Waiter<void> & { from: string; to: string }) | null
  leave: Waiter<void> | null
  /** Role and affiliation last reported, to report changes only. */
  reported: string
}

export interface OutgoingRoomMessage extends GroupchatOptions {
  id: MessageId
  room: string
  body: string
}

export interface HistoryQuery {
  /** RSM: messages before this archive id; '' = the newest page (the default). */
  before?: string
  /** RSM: messages after this archive id (catch-up). */
  after?: string
  /** XEP-0313 'start': only messages the room archived at or after this time (epoch ms). */
  start?: number
  max: number
  /** Our nick there, to tell our messages when we are not in the room. */
  nick?: string
}

/**
 * Group chats (XEP-0045) as a protocol module: discovering services and rooms, joining (with
 * password, nick and history choice) and creating rooms, configuring them, the occupant list from
 * the room's presence, subjects, messages and their edits, private messages, invitations
 * (XEP-0249 and mediated), moderation, leaving, history from the room's archive (XEP-0313), and
 * joining again after a new session.
 *
 * Whom a stanza is from is what the room says: its `from` (`room/nick`), its status codes, its
 * items, the XEP-0421 id it vouches for. Stanzas claiming to come from a room we are not in are
 * dropped. This module must see stanzas before the presence and chat modules, which would take
 * room presence for contacts' and private messages for one-to-one chats.
 */
export class MucModule implements AccountModule {
  /** XEP-0045 §6.2 (we do group chat) and XEP-0249 §4 (send us invitations directly). */
  readonly features = [NS_MUC, NS_CONFERENCE]
  private readonly rooms = new Map<string, RoomEntry>()
  private own: Pick<OwnPresence, 'show' | 'status'> = { show: 'available', status: '' }
  private service: Promise<string | null> | null = null

  constructor(
    private readonly ctx: MucContext,
    private readonly disco: DiscoModule,
    private readonly mam: MamModule
  ) {
    ctx.client.use(({ stanza }, next) => {
      if (stanza.name === 'presence') return this.onPresence(stanza) ? undefined : next()
      if (stanza.name === 'message') return this.onMessage(stanza) ? undefined : next()
      return next()
    })
  }

  // --- life cycle ------------------------------------------------------------------------------

  /**
   * A new session: join again the rooms we were in, without replaying history (the archive catches
   * up); a room that went meanwhile is not created again (see `refuseCreated`).
   */
  online(resumed: boolean): void {
    if (resumed) return
    for (const entry of this.rooms.values()) {
      if (!entry.wanted || entry.phase !== 'out') continue
      this.enter(entry, 'none', true).catch((err: unknown) => this.ctx.log.info('could not join a room again', { room: entry.jid, err: String(err) }))
    }
  }

  /** The session is gone and the rooms with it; the ones the user is in are remembered. */
  sessionLost(): void {
    this.service = null
    for (const entry of [...this.rooms.values()]) {
      const lost = new CoreError('not-connected', 'The session ended')
      this.settleJoin(entry, lost)
      this.settleNick(entry, lost)
      const leaving = entry.leave
      entry.leave = null
      if (leaving) clearTimeout(leaving.timer)
      const wasIn = entry.phase !== 'out'
      entry.phase = 'out'
      entry.occupants.clear()
      if (!entry.wanted || leaving) this.rooms.delete(entry.jid)
      if (wasIn) this.emitState(entry, { state: 'left', reason: leaving ? 'left' : 'disconnected' })
      leaving?.resolve()
    }
  }

  // --- discovery -------------------------------------------------------------------------------

  /** The server's group chat service: an item of its disco#items with identity conference/text. */
  findService(): Promise<string | null> {
    if (!this.service) {
      this.service = this.lookupService()
      this.service.catch(() => (this.service = null))
    }
    return this.service
  }

  /** The rooms a service lists (public ones). */
  async listRooms(service: string): Promise<{ jid: string; name: string }[]> {
    const items = await this.disco.items(requireJid(service))
    return items.flatMap((i) => {
      const jid = toBareJid(i.jid)
      return jid && jid.includes('@') ? [{ jid, name: i.name }] : []
    })
  }

  /** disco#info of a room: its features (password, members-only, archive…) and its roominfo form. */
  async roomInfo(room: string): Promise<RoomInfo> {
    const jid = roomJidOf(room)
    const iq = await this.ctx.client.iqCaller.get(xml('query', { xmlns: NS_DISCO_INFO }), jid)
    const query = iq.getChild('query', NS_DISCO_INFO)
    if (!query) throw new CoreError('bad-input', `disco#info of ${jid} had no query`)
    const info = parseRoomInfo(jid, query)
    const entry = this.rooms.get(jid)
    if (entry) {
      entry.features = new Set(info.features)
      this.adoptSelfOccupantId(entry)
    }
    return info
  }

  // --- joining and leaving ---------------------------------------------------------------------

  /**
   * Enters a room, creating it when it does not exist (`created`: configure it, or accept the
   * default, before others can enter) unless `mustExist`. Resolves on the room's presence for us
   * (status 110); rejects with the room's refusal (password, ban, nick taken, members only, full…).
   */
  async join(room: string, opts: JoinOptions): Promise<JoinResult> {
    const jid = roomJidOf(room)
    const nick = nickOf(jid, opts.nick)
    this.requireOnline()
    const existing = this.rooms.get(jid)
    if (existing?.phase === 'joined') return this.result(existing, false)
    if (existing?.join) return existing.join.promise
    const entry = existing ?? this.newEntry(jid)
    entry.nick = nick
    entry.password = opts.password || undefined
    entry.mustExist = opts.mustExist === true
    entry.wanted = true
    this.rooms.set(jid, entry)
    return this.enter(entry, opts.history, false)
  }

  /** Leaves a room (and stops joining it after reconnects). */
  async leave(room: string, status?: string): Promise<void> {
    const entry = this.rooms.get(roomJidOf(room))
    if (!entry) return
    entry.wanted = false
    if (entry.phase !== 'joined' || !this.ctx.isOnline()) {
      this.settleJoin(entry, new CoreError('not-connected', 'Left the room before entering it'))
      if (this.ctx.isOnline()) await this.ctx.client.send(leavePresence(entry.jid, entry.nick, status)).catch(() => undefined)
      this.forget(entry, { state: 'left', reason: 'left' })
      return
    }
    if (entry.leave) return
    const done = new Promise<void>((resolve, reject) => {
      // The room may never answer (it is gone, or slow): we are out either way.
      const timer = setTimeout(() => {
        entry.leave = null
        this.forget(entry, { state: 'left', reason: 'left' })
        resolve()
      }, LEAVE_TIMEOUT_MS)
      entry.leave = { resolve, reject, timer }
    })
    await this.ctx.client.send(leavePresence(entry.jid, entry.nick, status))
    await done
  }

  /** §7.6: resolves once the room shows us under the new nick; a taken nick rejects (the caller picks another). */
  async changeNick(room: string, nick: string): Promise<void> {
    const entry = this.joinedEntry(room)
    const to = nickOf(entry.jid, nick)
    if (to === entry.nick) return
    if (entry.nickChange) throw new CoreError('invalid-argument', 'A nick change is already under way')
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.settleNick(entry, new CoreError('timeout', 'The room did not answer the nick change')), NICK_TIMEOUT_MS)
      entry.nickChange = { resolve, reject, timer, from: entry.nick, to }
    })
    await this.ctx.client.send(nickPresence(entry.jid, to, this.presenceExtras()))
    await done
  }

  /** Our show and status, sent to every room we are in (rooms do not get the broadcast presence). */
  async setPresence(p: Pick<OwnPresence, 'show' | 'status'>): Promise<void> {
    this.own = { show: p.show, status: p.status.slice(0, 4096) }
    if (p.show === 'offline' || !this.ctx.isOnline()) return
    const joined = [...this.rooms.values()].filter((e) => e.phase === 'joined')
    if (joined.length > 0) await this.ctx.client.sendMany(joined.map((e) => nickPresence(e.jid, e.nick, this.presenceExtras())))
  }

  // --- what we know ----------------------------------------------------------------------------

  /** A room we are in or entering: its occupants' presence is theirs, per `room/nick`. */
  isInRoom(room: string): boolean {
    const entry = this.rooms.get(room)
    return entry !== undefined && entry.phase !== 'out'
  }

  joinedRooms(): string[] {
    return [...this.rooms.values()].filter((e) => e.phase === 'joined').map((e) => e.jid)
  }

  occupants(room: string): Occupant[] {
    const entry = this.rooms.get(roomJidOf(room))
    return entry ? occupantList(entry.occupants.values()) : []
  }

  subject(room: string): string {
    return this.rooms.get(roomJidOf(room))?.subject ?? ''
  }

  nick(room: string): string | null {
    return this.rooms.get(roomJidOf(room))?.nick ?? null
  }

  // --- messages --------------------------------------------------------------------------------

  /**
   * Hands a message to the room (for the outbox). Resolves true once written (or queued by stream
   * management), false when we are not in the room or offline: the caller keeps it queued.
   */
  async transmit(out: OutgoingRoomMessage): Promise<boolean> {
    const entry = this.rooms.get(roomJidOf(out.room))
    if (!entry || entry.phase !== 'joined' || !this.ctx.isOnline()) return false
    entry.sent.set(out.id, true)
    if (!(await sendFromOutbox(this.ctx, groupchatMessage(entry.jid, out.id, out.body, out), out.id))) return false
    this.state(entry.jid, out.id, 'sent')
    return true
  }

  /** Sends a message now; its reflection by the room reports it `delivered`. */
  async send(room: string, body: string, opts: GroupchatOptions = {}): Promise<MessageId> {
    const entry = this.joinedEntry(room)
    const id = asMessageId(randomUUID())
    if (!(await this.transmit({ ...opts, id, room: entry.jid, body }))) throw new CoreError('not-connected', 'The message could not be sent')
    return id
  }

  /** XEP-0308: replaces our message `targetId` (its stanza id) with `body`. */
  correct(room: string, targetId: string, body: string): Promise<MessageId> {
    return this.send(room, body, { replaces: targetId })
  }

  /** XEP-0424 in a room: `targetStanzaId` is the room's stanza-id of our message. */
  retract(room: string, targetStanzaId: string, fallbackText: string): Promise<MessageId> {
    return this.sendEdit(room, (to, id) => retraction(to, id, targetStanzaId, fallbackText))
  }

  /** XEP-0444 in a room: our complete set of reactions to the message with the room's stanza-id. */
  react(room: string, targetStanzaId: string, emojis: readonly string[]): Promise<MessageId> {
    return this.sendEdit(room, (to, id) => reactionsMessage(to, id, targetStanzaId, emojis))
  }

  /**
   * §7.5: hands a private message to an occupant to the room (for the outbox). True once written,
   * false when we are not in the room or offline: the caller keeps it queued. `oob`: the body is
   * the link of a file we uploaded (XEP-0066).
   */
  async transmitPrivate(out: { id: MessageId; room: string; nick: string; body: string; oob?: OobData | undefined }): Promise<boolean> {
    const entry = this.rooms.get(roomJidOf(out.room))
    if (!entry || entry.phase !== 'joined' || !this.ctx.isOnline()) return false
    const nick = nickOf(entry.jid, out.nick)
    const stanza = privateMessage(entry.jid, nick, out.id, out.body, out.oob)
    if (!(await sendFromOutbox(this.ctx, stanza, out.id))) return false
    this.state(`${entry.jid}/${nick}`, out.id, 'sent')
    return true
  }

  /** XEP-0333 in a private chat through the room: we read the occupant's messages up to `id`. False when it could not go out now. */
  async displayedPrivate(room: string, nick: string, id: string): Promise<boolean> {
    const entry = this.rooms.get(roomJidOf(room))
    if (!entry || entry.phase !== 'joined' || !this.ctx.isOnline()) return false
    return sendFromOutbox(this.ctx, privateDisplayed(entry.jid, nickOf(entry.jid, nick), id), `displayed-${id}`)
  }

  /** §7.5: a private message to an occupant, by nick. */
  async sendPrivate(room: string, nick: string, body: string): Promise<MessageId> {
    const entry = this.joinedEntry(room)
    const id = asMessageId(randomUUID())
    await this.ctx.client.send(privateMessage(entry.jid, nickOf(entry.jid, nick), id, body))
    return id
  }

  async setSubject(room: string, subject: string): Promise<void> {
    const entry = this.joinedEntry(room)
    await this.ctx.client.send(subjectMessage(entry.jid, randomUUID(), subject))
  }

  /**
   * One page of the room's archive (XEP-0313 on the room): each message is reported as a
   * `roomMessage` (or `roomMessageEdit`) with `source: 'archive'` and the archive's stanza-id, the
   * key that de-duplicates it against what arrived live.
   */
  async history(room: string, q: HistoryQuery): Promise<MamPage> {
    const jid = roomJidOf(room)
    const entry = this.rooms.get(jid)
    const features = entry && entry.features.size > 0 ? entry.features : new Set((await this.roomInfo(jid)).features)
    const view = { features, nick: entry?.nick ?? q.nick ?? '', entry }
    return this.mam.query(
      {
        archive: jid,
        max: q.max,
        ...(q.start !== undefined ? { start: q.start } : {}),
        // Forward from `start` without a position is the first page from then, not the newest page.
        ...(q.after !== undefined ? { after: q.after } : q.before !== undefined || q.start === undefined ? { before: q.before ?? '' } : {})
      },
      (result) => this.onArchived(jid, view, result)
    )
  }

  // --- moderation, invitations, configuration --------------------------------------------------

  /** §8.2–9.7: kick (`none`), voice (`participant`), revoke voice (`visitor`), moderator. */
  async setRole(room: string, nick: string, role: Role, reason?: string): Promise<void> {
    const jid = roomJidOf(room)
    await this.ctx.client.iqCaller.set(roleQuery(nickOf(jid, nick), role, reason), jid)
  }

  /** §9.1–10.7: ban (`outcast`), member, admin, owner, or `none`. */
  async setAffiliation(room: string, user: string, affiliation: Affiliation, reason?: string): Promise<void> {
    const jid = roomJidOf(room)
    await this.ctx.client.iqCaller.set(affiliationQuery(requireBare(user), affiliation, reason), jid)
  }

  /** Everyone with an affiliation (the ban list, members, admins, owners). */
  async affiliations(room: string, affiliation: Exclude<Affiliation, 'none'>): Promise<{ jid: string; affiliation: Affiliation; nick?: string; reason?: string }[]> {
    const jid = roomJidOf(room)
    const iq = await this.ctx.client.iqCaller.get(affiliationListQuery(affiliation), jid)
    return (iq.getChild('query', NS_MUC_ADMIN)?.getChildren('item') ?? []).flatMap((el) => {
      const item = parseItem(el)
      const who = item.jid ? parseJid(item.jid) : null
      if (!who) return []
      return [
        {
          jid: jidToString(bare(who)),
          affiliation: item.affiliation ?? affiliation,
          ...(item.nick ? { nick: item.nick } : {}),
          ...(item.reason ? { reason: item.reason } : {})
        }
      ]
    })
  }

  /**
   * Invites someone: a direct invitation (XEP-0249) with the password we used, and for a
   * members-only room also membership (when we may grant it) or else a mediated invitation,
   * through which the room may grant it.
   */
  async invite(room: string, user: string, reason = ''): Promise<void> {
    const entry = this.joinedEntry(room)
    const to = requireBare(user)
    if (entry.features.has('muc_membersonly')) {
      const ours = entry.occupants.get(entry.nick)?.affiliation
      if (ours === 'owner' || ours === 'admin') await this.setAffiliation(entry.jid, to, 'member', reason)
      else await this.ctx.client.send(mediatedInvite(entry.jid, to, reason))
    }
    await this.ctx.client.send(directInvitation(to, randomUUID(), { room: entry.jid, reason, ...(entry.password ? { password: entry.password } : {}) }))
  }

  /** §7.8.2: tells the room (and through it the inviter) that we decline a mediated invitation. */
  async declineInvite(room: string, inviter: string, reason = ''): Promise<void> {
    this.requireOnline()
    await this.ctx.client.send(declineInvite(roomJidOf(room), requireJid(inviter), reason))
  }

  /** §10.2: the room's configuration form. */
  async getConfig(room: string): Promise<DataForm> {
    const jid = roomJidOf(room)
    const iq = await this.ctx.client.iqCaller.get(ownerQuery(), jid)
    const x = iq.getChild('query', NS_MUC_OWNER)?.getChild('x', NS_DATA)
    if (!x) throw new CoreError('bad-input', `${jid} sent no configuration form`)
    return parseDataForm(x)
  }

  /** §10.2: changes the configuration; fields not given keep the room's values. */
  async configure(room: string, cfg: RoomConfig): Promise<void> {
    const jid = roomJidOf(room)
    const form = await this.getConfig(jid)
    await this.ctx.client.iqCaller.set(ownerQuery(buildSubmit(form, roomConfigValues(cfg, form))), jid)
    const entry = this.rooms.get(jid)
    if (entry && cfg.password !== undefined) entry.password = cfg.password || undefined
    await this.refreshFeatures(jid)
  }

  /** §10.1.2: an instant room with the server's default configuration. */
  async acceptDefaultConfig(room: string): Promise<void> {
    const jid = roomJidOf(room)
    await this.ctx.client.iqCaller.set(instantRoom(), jid)
    await this.refreshFeatures(jid)
  }

  /** §10.9: owners only. Occupants (we too) then see the room go with `reason` and `alternate`. */
  async destroy(room: string, reason?: string, alternate?: string): Promise<void> {
    const jid = roomJidOf(room)
    await this.ctx.client.iqCaller.set(destroyQuery(reason, alternate === undefined ? undefined : roomJidOf(alternate)), jid)
  }

  /**
   * Private messages (and their invitations) that our other devices sent or received, as message
   * carbons (XEP-0280 §6). True when it was one (then the one-to-one chat must not see it).
   */
  processCarbon(inner: Element, direction: CarbonDirection): boolean {
    const peer = parseJid(String((direction === 'sent' ? inner.attrs.to : inner.attrs.from) ?? ''))
    if (!peer || peer.local === '') return false
    const entry = this.rooms.get(jidToString(bare(peer)))
    if (!entry) {
      if (direction !== 'received') return false
      return this.onInvite(inner)
    }
    // Group chat messages are never carbons (XEP-0280 §6); a copy of one is not to be believed.
    if (messageType(inner) === 'groupchat' || peer.resource === '') return true
    this.onPrivate(entry.jid, entry.features, inner, peer.resource, direction === 'sent' ? 'out' : 'in', 'carbon')
    return true
  }

  /**
   * A private message through a room, as our account's archive (XEP-0313) returns it: `type='chat'`
   * from or to `room/nick` of a room we are in, that `isRoom` knows, or marked as one (§7.5).
   * True when it was one: then it is not a one-to-one message with the room.
   * `at` is the archive's time (MamModule checked the result).
   */
  processArchived(message: Element, at: number, isRoom: (bareJid: string) => boolean): boolean {
    if (messageType(message) === 'groupchat') return false
    const from = parseJid(String(message.attrs.from ?? ''))
    const out = from !== null && jidToString(bare(from)) === this.ctx.ownBareJid()
    const peer = out ? parseJid(String(message.attrs.to ?? '')) : from
    if (!peer || peer.local === '' || peer.resource === '') return false
    const room = jidToString(bare(peer))
    const entry = this.rooms.get(room)
    // At catch-up the rooms may not be known yet: then the §7.5 marker, which rooms add to private
    // messages both ways, says it. The address stays what it is (room/nick), whoever sent it.
    if (!entry && !isRoom(room) && !message.getChild('x', NS_MUC_USER)) return false
    this.onPrivate(room, entry?.features ?? new Set(), message, peer.resource, out ? 'out' : 'in', 'archive', at)
    return true
  }

  // --- incoming --------------------------------------------------------------------------------

  private onPresence(stanza: Element): boolean {
    const from = parseJid(String(stanza.attrs.from ?? ''))
    if (!from || from.local === '') return false
    const entry = this.rooms.get(jidToString(bare(from)))
    const marked = stanza.getChild('x', NS_MUC_USER) !== undefined
    if (!entry || entry.phase === 'out') {
      if (marked) this.ctx.log.debug('dropped room presence from a room we are not in', { from: jidToString(bare(from)) })
      return marked
    }
    const nick = from.resource
    const p = parseOccupantPresence(stanza, nick, entry.features.has(NS_OCCUPANT_ID))
    if (p.kind === 'error') {
      this.onPresenceError(entry, nick, stanza)
      return true
    }
    if (nick === '' || p.kind === 'other') return true
    // While joining only status 110 marks us (someone else may hold a nick like ours until the
    // room answers); once in, our nick is ours alone.
    const self = p.statuses.includes(STATUS.SELF) || (entry.phase === 'joined' && nick === entry.nick)
    // Our own presence as the room reflects it carries only the room's id (we send none): kept until
    // the room's features say whether it stamps them.
    if (self && p.kind === 'available' && !entry.features.has(NS_OCCUPANT_ID)) entry.unconfirmedSelfOccupantId = parseOccupantId(stanza, true) ?? undefined
    if (p.kind === 'available') this.onAvailable(entry, p, self)
    else this.onUnavailable(entry, nick, p, self)
    return true
  }

  private onAvailable(entry: RoomEntry, p: OccupantPresence, self: boolean): void {
    const occupant = p.occupant
    if (self) {
      occupant.self = true
      if (occupant.occupantId) entry.selfOccupantId = occupant.occupantId
      entry.nick = occupant.nick
      entry.ownNicks.add(occupant.nick)
      if (p.statuses.includes(STATUS.NON_ANONYMOUS) || p.statuses.includes(STATUS.NOW_NON_ANONYMOUS)) entry.nonAnonymous = true
    }
    entry.occupants.set(occupant.nick, occupant)
    if (entry.phase === 'joining') {
      if (!self) return
      const created = p.statuses.includes(STATUS.CREATED)
      // A join again after a new session never creates either: the room went while we were away.
      if (created && (entry.mustExist || entry.rejoining)) void this.refuseCreated(entry)
      else this.completeJoin(entry, created)
      return
    }
    this.emitOccupants(entry, [occupant], [])
    if (!self) return
    const change = entry.nickChange
    if (change && entry.nick !== change.from) this.settleNick(entry, null)
    const reported = `${occupant.nick}|${occupant.role}|${occupant.affiliation}`
    if (reported !== entry.reported) this.emitState(entry, this.joinedState(entry, false))
  }

  private onUnavailable(entry: RoomEntry, nick: string, p: OccupantPresence, self: boolean): void {
    const exit = exitOf(p)
    entry.occupants.delete(nick)
    const renamed = exit === 'nick-changed' ? parseJid(`${entry.jid}/${p.item?.nick ?? ''}`)?.resource : undefined
    if (self && renamed) {
      entry.nick = renamed
      entry.ownNicks.add(renamed)
    } else if (self) {
      this.onSelfGone(entry, exit === 'nick-changed' ? 'left' : exit, p)
      return
    }
    if (entry.phase !== 'joined') return
    const left: OccupantLeft = {
      nick,
      reason: exit === 'destroyed' ? 'left' : exit,
      ...(renamed ? { newNick: renamed } : {}),
      ...(p.item?.actor ? { actor: p.item.actor } : {}),
      ...(p.item?.reason ? { text: p.item.reason } : {})
    }
    this.emitOccupants(entry, [], [left])
  }

  /** The room let us go: we left, were kicked or banned, lost membership, or it was destroyed. */
  private onSelfGone(entry: RoomEntry, exit: RoomExit, p: OccupantPresence): void {
    const why = new CoreError('stanza-error', `The room removed us (${exit})`, { condition: exit })
    this.settleJoin(entry, why)
    this.settleNick(entry, why)
    const leaving = entry.leave
    entry.leave = null
    if (leaving) clearTimeout(leaving.timer)
    const state: RoomState =
      exit === 'destroyed'
        ? {
            state: 'left',
            reason: 'destroyed',
            ...(p.destroy?.reason ? { text: p.destroy.reason } : {}),
            ...(p.destroy?.alternate ? { alternate: p.destroy.alternate } : {})
          }
        : { state: 'left', reason: exit, ...(p.item?.actor ? { actor: p.item.actor } : {}), ...(p.item?.reason ? { text: p.item.reason } : {}) }
    this.forget(entry, state)
    leaving?.resolve()
  }

  private onPresenceError(entry: RoomEntry, nick: string, stanza: Element): void {
    const change = entry.nickChange
    if (change && nick === change.to) {
      this.settleNick(entry, joinError(stanza))
      return
    }
    if (entry.phase === 'joining' && (nick === '' || nick === entry.nick)) {
      this.failJoin(entry, joinError(stanza, entry.password !== undefined))
      return
    }
    this.ctx.log.debug('room sent a presence error', { room: entry.jid, err: stanzaError(stanza).detail })
  }

  private onMessage(stanza: Element): boolean {
    const type = messageType(stanza)
    const from = parseJid(String(stanza.attrs.from ?? ''))
    if (!from) return false
    if (type !== 'groupchat' && type !== 'error' && this.onInvite(stanza)) return true
    if (from.local === '') return false
    const entry = this.rooms.get(jidToString(bare(from)))
    const inRoom = entry !== undefined && entry.phase !== 'out'
    if (type === 'groupchat') {
      if (inRoom) this.onGroupchat(entry, stanza, from.resource)
      else this.ctx.log.debug('dropped a group chat message from a room we are not in', { from: jidToString(bare(from)) })
      return true
    }
    if (!inRoom) return false
    if (type === 'error') {
      this.onBounce(entry, stanza, from.resource)
      return true
    }
    if (from.resource === '') {
      // From the room itself: status notices (configuration changed). Anything else it sends us
      // that is not group chat (its archive's results, forms) belongs to other modules.
      const user = parseMucUser(stanza)
      if (!user) return false
      this.onRoomStatus(entry, user.statuses)
      return true
    }
    this.onPrivate(entry.jid, entry.features, stanza, from.resource, 'in', 'live')
    return true
  }

  private onInvite(stanza: Element): boolean {
    const read = readInvite(stanza, (jid) => this.rooms.get(jid)?.phase === 'joined')
    if (!read) return false
    if ('invite' in read) this.ctx.emit('roomInvite', { account: this.ctx.account, invite: read.invite })
    else this.ctx.emit('roomInviteDeclined', { account: this.ctx.account, ...read.declined })
    return true
  }

  private onGroupchat(entry: RoomEntry, stanza: Element, nick: string): void {
    const read = readGroupchat(stanza, nick, this.view(entry, entry.features, entry.nick, 'live'))
    if (!read) return
    const account = this.ctx.account
    switch (read.kind) {
      case 'subject':
        entry.subject = read.subject
        this.ctx.emit('roomSubject', { account, room: entry.jid, subject: read.subject, nick: read.nick, at: read.at })
        return
      case 'status':
        this.onRoomStatus(entry, read.codes)
        return
      case 'message':
        this.ctx.emit('roomMessage', { account, message: read.message })
        if (read.reflection && read.message.originId) this.state(entry.jid, read.message.originId, 'delivered')
        return
      case 'edit':
        this.ctx.emit('roomMessageEdit', { account, edit: read.edit })
        if (read.edit.fromUs && entry.sent.has(read.edit.id)) this.state(entry.jid, read.edit.id, 'delivered')
        return
    }
  }

  private onArchived(room: string, v: { features: Set<string>; nick: string; entry: RoomEntry | undefined }, result: ArchivedMessage): void {
    const from = parseJid(String(result.message.attrs.from ?? ''))
    if (!from || jidToString(bare(from)) !== room || messageType(result.message) !== 'groupchat') return
    const view = this.view(v.entry, v.features, v.entry?.nick ?? v.nick, 'archive', { id: result.archiveId, at: result.at }, room)
    const read = readGroupchat(result.message, from.resource, view)
    if (read?.kind === 'message') this.ctx.emit('roomMessage', { account: this.ctx.account, message: read.message })
    else if (read?.kind === 'edit') this.ctx.emit('roomMessageEdit', { account: this.ctx.account, edit: read.edit })
  }

  private view(
    entry: RoomEntry | undefined,
    features: Set<string>,
    ownNick: string,
    source: GroupchatView['source'],
    archived?: { id: string; at: number },
    room = entry?.jid ?? ''
  ): GroupchatView {
    return {
      room,
      ownNick,
      ownNicks: entry?.ownNicks ?? new Set(ownNick ? [ownNick] : []),
      selfOccupantId: entry?.selfOccupantId,
      trustStanzaId: features.has(NS_SID),
      trustOccupantId: features.has(NS_OCCUPANT_ID),
      occupantJid: (nick) => entry?.occupants.get(nick)?.jid,
      sentByUs: (id) => entry?.sent.has(id) ?? false,
      source,
      ...(archived ? { archived } : {}),
      now: Date.now()
    }
  }

  /**
   * Who wrote is the room-assigned address `room/nick` and nothing more: a private message's own
   * claims (a real JID in it, a nick in its body) are never taken for the sender. Receipts and
   * markers (usually without a body) are about the messages of that occupant's chat, `room/nick`;
   * an occupant's message that asks for a receipt gets one when it arrives live.
   */
  private onPrivate(room: string, features: Set<string>, stanza: Element, nick: string, direction: 'in' | 'out', source: RoomPrivateMessage['source'], archivedAt?: number): void {
    this.onAcknowledgements(`${room}/${nick}`, stanza, direction)
    const body = bodyOf(stanza)
    if (body === null) return
    const id = typeof stanza.attrs.id === 'string' ? stanza.attrs.id.slice(0, 256) : ''
    const originId = parseOriginId(stanza)
    const occupantId = direction === 'in' ? parseOccupantId(stanza, features.has(NS_OCCUPANT_ID)) : null
    const delayed = archivedAt === undefined ? delayedAt(stanza, (by) => by === this.ctx.domain() || by === this.ctx.ownBareJid() || by === room) : null
    const at = archivedAt ?? delayed ?? Date.now()
    this.ctx.emit('roomPrivateMessage', {
      account: this.ctx.account,
      message: {
        room,
        nick,
        ...(occupantId ? { occupantId } : {}),
        direction,
        body,
        id,
        ...(originId ? { originId } : {}),
        at,
        atIsLocal: archivedAt === undefined && delayed === null,
        ...(sharesFile(stanza) ? { attachment: true as const } : {}),
        ...(direction === 'in' && isMarkable(stanza) ? { markable: true as const } : {}),
        source
      }
    })
    // XEP-0184 allows receipts for private messages: the occupant sees our presence in the room anyway.
    if (source === 'live' && direction === 'in' && id !== '' && wantsReceipt(stanza) && this.ctx.isOnline()) {
      this.ctx.client.send(privateReceipt(room, nick, id)).catch(() => undefined)
    }
  }

  /** XEP-0184 receipts and XEP-0333 displayed markers in a private chat: from the occupant about ours, or from our other devices about theirs. */
  private onAcknowledgements(peer: string, stanza: Element, direction: 'in' | 'out'): void {
    const { states, readElsewhere } = acknowledgements(stanza, direction)
    for (const [id, state] of states) this.state(peer, id, state)
    if (readElsewhere !== null) this.ctx.emit('displayedElsewhere', { account: this.ctx.account, peer, id: readElsewhere })
  }

  private onBounce(entry: RoomEntry, stanza: Element, nick: string): void {
    const id = typeof stanza.attrs.id === 'string' ? stanza.attrs.id : ''
    if (id === '') return
    // Only our own messages can bounce back to us; an error about someone else's id is noise.
    if (nick === '' && !entry.sent.has(id)) return
    this.state(nick === '' ? entry.jid : `${entry.jid}/${nick}`, id, 'failed', stanzaError(stanza))
  }

  private onRoomStatus(entry: RoomEntry, codes: number[]): void {
    if (codes.includes(STATUS.NOW_NON_ANONYMOUS)) entry.nonAnonymous = true
    if (codes.includes(173) || codes.includes(174)) entry.nonAnonymous = false
    // 104: the configuration changed, and with it perhaps the ids the room stamps (archive on or off).
    if (codes.some((c) => c === STATUS.CONFIG_CHANGED || (c >= 170 && c <= 174))) {
      this.refreshFeatures(entry.jid).catch(() => undefined)
    }
    if (codes.includes(STATUS.CONFIG_CHANGED)) this.ctx.emit('roomConfigChanged', { account: this.ctx.account, room: entry.jid })
  }

  // --- helpers ---------------------------------------------------------------------------------

  private newEntry(jid: string): RoomEntry {
    return {
      jid,
      nick: '',
      password: undefined,
      wanted: false,
      mustExist: false,
      phase: 'out',
      rejoining: false,
      occupants: new Map(),
      features: new Set(),
      selfOccupantId: undefined,
      unconfirmedSelfOccupantId: undefined,
      nonAnonymous: false,
      subject: '',
      ownNicks: new Set(),
      sent: new BoundedMap(SENT_MEMORY),
      join: null,
      nickChange: null,
      leave: null,
      reported: ''
    }
  }

  private enter(entry: RoomEntry, history: JoinOptions['history'], rejoining: boolean): Promise<JoinResult> {
    let waiter!: Waiter<JoinResult>
    const promise = new Promise<JoinResult>((resolve, reject) => {
      const timer = setTimeout(() => this.failJoin(entry, new CoreError('timeout', `${entry.jid} did not answer the join`)), JOIN_TIMEOUT_MS)
      waiter = { resolve, reject, timer }
    })
    entry.join = { ...waiter, promise }
    entry.phase = 'joining'
    entry.rejoining = rejoining
    entry.occupants.clear()
    entry.selfOccupantId = undefined
    entry.unconfirmedSelfOccupantId = undefined
    entry.reported = ''
    entry.ownNicks.add(entry.nick)
    this.emitState(entry, { state: 'joining', nick: entry.nick })
    this.sendJoin(entry, history).catch((err: unknown) => this.failJoin(entry, toCoreError(err)))
    return promise
  }

  private async sendJoin(entry: RoomEntry, history: JoinOptions['history']): Promise<void> {
    // The room's features say which of its ids to trust: learn them before its first stanza. A
    // room that does not exist yet has none (we ask again once it is created).
    await this.refreshFeatures(entry.jid).catch(() => entry.features.clear())
    if (!entry.join) return
    await this.ctx.client.send(joinPresence(entry.jid, entry.nick, { password: entry.password, history }, this.presenceExtras()))
  }

  private completeJoin(entry: RoomEntry, created: boolean): void {
    const join = entry.join
    entry.join = null
    if (join) clearTimeout(join.timer)
    entry.phase = 'joined'
    this.emitOccupants(entry, occupantList(entry.occupants.values()), [], true)
    this.emitState(entry, this.joinedState(entry, created))
    join?.resolve(this.result(entry, created))
    if (created) this.refreshFeatures(entry.jid).catch(() => undefined)
  }

  /**
   * The server created the room for a join that was only to enter an existing one. The new room is
   * still locked (§10.1.1) and ours: it is destroyed (or, should that be refused, left, and a
   * locked room nobody is in goes), then the join fails as `room-not-found`. The entry is out of
   * the list first, so the room's answer to the destroy is not taken for news of ours.
   */
  private async refuseCreated(entry: RoomEntry): Promise<void> {
    const join = entry.join
    entry.join = null
    if (join) clearTimeout(join.timer)
    entry.phase = 'out'
    entry.wanted = false
    entry.occupants.clear()
    if (this.rooms.get(entry.jid) === entry) this.rooms.delete(entry.jid)
    await this.ctx.client.iqCaller
      .set(destroyQuery(), entry.jid)
      .catch(() => this.ctx.client.send(leavePresence(entry.jid, entry.nick)))
      .catch(() => undefined)
    const err = new CoreError('room-not-found', `There is no room ${entry.jid}`)
    this.emitState(entry, { state: 'error', error: err.toView() })
    join?.reject(err)
  }

  private failJoin(entry: RoomEntry, err: CoreError): void {
    if (!entry.join) return
    // A join again after a reconnect that only timed out is tried again next session.
    const keep = entry.rejoining && err.code === 'timeout'
    this.settleJoin(entry, err)
    entry.phase = 'out'
    entry.occupants.clear()
    if (!keep) {
      entry.wanted = false
      this.rooms.delete(entry.jid)
    }
    this.emitState(entry, { state: 'error', error: err.toView() })
  }

  private settleJoin(entry: RoomEntry, err: CoreError): void {
    const join = entry.join
    entry.join = null
    if (!join) return
    clearTimeout(join.timer)
    join.reject(err)
  }

  private settleNick(entry: RoomEntry, err: CoreError | null): void {
    const change = entry.nickChange
    entry.nickChange = null
    if (!change) return
    clearTimeout(change.timer)
    if (err) change.reject(err)
    else change.resolve()
  }

  /** Out of the room for good (until the user joins again). */
  private forget(entry: RoomEntry, state: RoomState): void {
    entry.phase = 'out'
    entry.wanted = false
    entry.occupants.clear()
    this.rooms.delete(entry.jid)
    this.emitState(entry, state)
  }

  private async refreshFeatures(room: string): Promise<void> {
    await this.roomInfo(room)
  }

  /**
   * A room whose features we did not know when it sent our self-presence (one we created: it did
   * not exist when we asked) turns out to stamp XEP-0421 ids: the id it gave us there is ours, so
   * our archived messages are told by it rather than by a nick that may change hands.
   */
  private adoptSelfOccupantId(entry: RoomEntry): void {
    const id = entry.unconfirmedSelfOccupantId
    if (!entry.features.has(NS_OCCUPANT_ID) || id === undefined) return
    entry.unconfirmedSelfOccupantId = undefined
    if (entry.phase === 'out' || entry.selfOccupantId !== undefined) return
    entry.selfOccupantId = id
    const self = entry.occupants.get(entry.nick)
    if (self?.self && self.occupantId === undefined) {
      self.occupantId = id
      this.emitOccupants(entry, [self], [])
    }
  }

  private async lookupService(): Promise<string | null> {
    const items = await this.disco.items(this.ctx.domain())
    const found = await Promise.all(
      items.map(async (item) => {
        try {
          return isGroupChatService(await this.disco.info(item.jid)) ? item.jid : null
        } catch {
          return null
        }
      })
    )
    const services = found.filter((j): j is string => j !== null)
    return services.find((j) => j.startsWith('conference.')) ?? services[0] ?? null
  }

  private async sendEdit(room: string, build: (to: string, id: string) => Element): Promise<MessageId> {
    const entry = this.joinedEntry(room)
    const id = asMessageId(randomUUID())
    const stanza = build(entry.jid, id)
    stanza.attrs.type = 'groupchat'
    entry.sent.set(id, true)
    await this.ctx.client.send(stanza)
    return id
  }

  private presenceExtras(): Child[] {
    const { show, status } = this.own
    return [
      show !== 'available' && show !== 'offline' ? xml('show', {}, show) : undefined,
      status ? xml('status', {}, status) : undefined,
      this.disco.caps()
    ]
  }

  private joinedEntry(room: string): RoomEntry {
    const entry = this.rooms.get(roomJidOf(room))
    this.requireOnline()
    if (!entry || entry.phase !== 'joined') throw new CoreError('invalid-argument', `Not in the room ${room}`)
    return entry
  }

  private requireOnline(): void {
    if (!this.ctx.isOnline()) throw new CoreError('not-connected', 'The account is not connected')
  }

  private joinedState(entry: RoomEntry, created: boolean): RoomState {
    const self = entry.occupants.get(entry.nick)
    const role = self?.role ?? 'participant'
    const affiliation = self?.affiliation ?? 'none'
    entry.reported = `${entry.nick}|${role}|${affiliation}`
    return { state: 'joined', nick: entry.nick, role, affiliation, created, rejoined: entry.rejoining, nonAnonymous: entry.nonAnonymous }
  }

  private result(entry: RoomEntry, created: boolean): JoinResult {
    const self = entry.occupants.get(entry.nick)
    return {
      room: entry.jid,
      nick: entry.nick,
      role: self?.role ?? 'participant',
      affiliation: self?.affiliation ?? 'none',
      created,
      occupants: occupantList(entry.occupants.values())
    }
  }

  private emitState(entry: RoomEntry, state: RoomState): void {
    this.ctx.emit('roomState', { account: this.ctx.account, room: entry.jid, state })
  }

  private emitOccupants(entry: RoomEntry, occupants: Occupant[], removed: OccupantLeft[], reset = false): void {
    if (entry.phase !== 'joined') return
    this.ctx.emit('roomOccupants', { account: this.ctx.account, room: entry.jid, reset, occupants: occupants.map((o) => ({ ...o })), removed })
  }

  private state(peer: string, id: string, state: DeliveryState, error?: CoreError): void {
    this.ctx.emit('messageState', { account: this.ctx.account, peer, id: asMessageId(id), state, ...(error ? { error: error.toView() } : {}) })
  }
}

function isGroupChatService(info: DiscoInfo): boolean {
  return info.identities.some((i) => i.category === 'conference' && i.type === 'text') || info.features.includes(NS_MUC)
}

/** A room address: bare, with a localpart, canonical. */
export function roomJidOf(room: string): string {
  const jid = parseJid(room)
  if (!jid || jid.local === '' || jid.resource !== '') throw new CoreError('invalid-argument', `Not a room address: ${room}`)
  return jidToString(jid)
}

/** A nick as the room will see it (RFC 7622 resourcepart rules), or invalid-argument. */
export function nickOf(room: string, nick: string): string {
  const jid = nick.trim() === '' ? null : parseJid(`${room}/${nick}`)
  if (!jid || jid.resource === '') throw new CoreError('invalid-argument', `Not a usable nick: ${nick}`)
  return jid.resource
}

function requireJid(s: string): string {
  const jid = parseJid(s)
  if (!jid) throw new CoreError('invalid-argument', `Not a valid address: ${s}`)
  return jidToString(jid)
}

function requireBare(s: string): string {
  const jid = parseJid(s)
  if (!jid) throw new CoreError('invalid-argument', `Not a valid address: ${s}`)
  return jidToString(bare(jid))
}

