import { EventEmitter } from 'node:events'
import type { OccupantView, RoomCreateOptions, RoomExitView, RoomInviteView, RoomKey, RoomSettings, RoomView } from '../../../shared/ipc/contract'
import { bare, jidToString, parseJid } from '../../../shared/jid'
import type { AccountId } from '../../../shared/model/ids'
import type { Account } from '../account/Account'
import type { Core } from '../createCore'
import { CoreError, toCoreError } from '../errors'
import { roomConfigFromForm } from '../xep/0045-muc'
import type { Occupant, RoomState } from '../xep/0045-muc/types'

const keyOf = (account: AccountId, room: string): string => `${account}\u0000${room}`

export interface RoomsEvents {
  rooms: [RoomView[]]
  /** Rooms gone from the list (forgotten, bookmark removed while we were out, account removed). */
  removed: [RoomKey[]]
  occupants: [{ account: AccountId; room: string; reset: boolean; upsert: OccupantView[]; remove: string[] }]
  invites: [RoomInviteView[]]
  /**
   * Someone declined our invitation to a room (XEP-0045 §7.8.2, told by the room): `from` is who,
   * as the room names them, with their words. Direct invitations (XEP-0249) have no such answer.
   */
  declined: [{ account: AccountId; room: string; from: string; reason: string }]
  /** A room was joined (or joined again after a new session): time to catch up from its archive. */
  joined: [{ account: AccountId; room: string }]
}

/**
 * Group chats as the user sees them: the rooms of every account (joined, bookmarked, being
 * joined, or remembered by the store from an earlier run), their occupants and pending
 * invitations. Joining (the dialog, an invitation, a bookmark) only enters a room that exists: only
 * `create` makes one. Bookmarked rooms with autojoin are joined when an account comes online (XEP-0402);
 * joining a room asks history for nothing and lets the history service catch up from the room's
 * archive instead, so nothing arrives twice. Every room it learns of is recorded in the store as
 * one (with its name), so that after a restart a room joined without a bookmark is listed as a
 * room we are not in, not taken for a one-to-one chat.
 */
export class RoomsService extends EventEmitter<RoomsEvents> {
  private readonly rooms = new Map<string, RoomView>()
  private readonly invites = new Map<string, RoomInviteView>()
  /** Who invited us through the room (mediated, XEP-0045 §7.8.2), by room: a decline goes to them. */
  private readonly mediated = new Map<string, string>()

  constructor(private readonly core: Core) {
    super()
    const { events } = core
    events.on('roomState', ({ account, room, state }) => this.onState(account, room, state))
    events.on('roomSubject', ({ account, room, subject }) => this.patch(account, room, { subject }))
    events.on('roomOccupants', ({ account, room, reset, occupants, removed }) => {
      const a = this.account(account)
      this.patch(account, room, { occupants: a?.muc.occupants(room).length ?? 0 })
      this.emit('occupants', { account, room, reset, upsert: occupants.map((o) => occupantView(a, room, o)), remove: removed.map((r) => r.nick) })
    })
    // An occupant's avatar (their presence's XEP-0153 hash, keyed `room/nick`) became known or changed.
    events.on('avatar', ({ account, jid }) => this.occupantAvatar(account, jid))
    events.on('roomInvite', ({ account, invite }) => {
      // Parley's own invitations to members-only rooms come both ways: the mediated one is kept for the decline.
      if (invite.kind === 'mediated' && invite.from) this.mediated.set(keyOf(account, invite.room), invite.from)
      this.invites.set(keyOf(account, invite.room), {
        account,
        room: invite.room,
        from: invite.from,
        reason: invite.reason,
        ...(invite.password ? { password: invite.password } : {}),
        at: Date.now()
      })
      this.emit('invites', this.inviteList())
    })
    // Only a room of ours can tell us that someone declined our invitation to it: anyone else's
    // "decline" would put their words on screen under a name of their choosing.
    events.on('roomInviteDeclined', ({ account, room, from, reason }) => {
      if (this.rooms.has(keyOf(account, room))) this.emit('declined', { account, room, from, reason })
    })
    events.on('roomConfigChanged', ({ account, room }) => void this.learnInfo(account, room))
    events.on('bookmarks', ({ account, bookmarks, initial, upserted, removed }) => {
      // Rooms forgotten while offline: their bookmarks are not rooms of ours any more (retracted below).
      const forgotten = this.forgotten(account)
      const kept = bookmarks.filter((b) => !forgotten.has(b.room))
      for (const b of kept) this.patch(account, b.room, { bookmarked: true, autojoin: b.autojoin, ...(b.name ? { name: b.name } : {}) }, true)
      // A new session's fetch says nothing of removals: a bookmark we knew that is missing now was
      // removed meanwhile (on another device, while we were offline).
      const gone = initial
        ? [...this.rooms.values()].filter((r) => r.account === account && r.bookmarked && !bookmarks.some((b) => b.room === r.room)).map((r) => r.room)
        : removed
      for (const room of gone) this.bookmarkGone(account, room)
      const a = this.account(account)
      if (!a) return
      // XEP-0402 §3.4: join what is marked autojoin (at login, or when another device turns it on).
      for (const b of initial ? kept : upserted) {
        if (!b.autojoin || forgotten.has(b.room) || a.muc.joinedRooms().includes(b.room)) continue
        void this.joinQuietly(a, b.room, b.nick || this.defaultNick(a))
      }
      if (initial && forgotten.size > 0) void this.retractForgotten(a, [...forgotten])
    })
    this.restore()
  }

  list(): RoomView[] {
    return [...this.rooms.values()].filter((r) => this.account(r.account) !== null)
  }

  inviteList(): RoomInviteView[] {
    return [...this.invites.values()]
  }

  isRoom(account: AccountId, jid: string): boolean {
    return this.rooms.has(keyOf(account, jid))
  }

  nameOf(account: AccountId, room: string): string | undefined {
    return this.rooms.get(keyOf(account, room))?.name
  }

  async discover(account: AccountId): Promise<{ service: string | null; rooms: { jid: string; name: string }[] }> {
    const a = this.require(account)
    const service = await a.muc.findService()
    return { service, rooms: service ? await a.muc.listRooms(service) : [] }
  }

  /**
   * Enters a room that exists (from the join dialog, or accepting an invitation): a room the server
   * would create for it is destroyed again and the join fails as `room-not-found` (only `create`
   * makes rooms), which also drops an invitation to it.
   */
  async join(account: AccountId, room: string, nick: string, password: string | null, bookmark: boolean): Promise<RoomView> {
    const a = this.require(account)
    const jid = normaliseRoom(room)
    this.patch(account, jid, { nick, state: 'joining' }, true)
    const result = await a.muc.join(jid, { nick, ...(password ? { password } : {}), history: 'none', mustExist: true }).catch((err: unknown) => {
      if (toCoreError(err).code === 'room-not-found') this.dropInvite(account, jid)
      throw err
    })
    if (bookmark) {
      // After it was forgotten offline: this bookmark replaces the one waiting to be retracted
      // (joined without a bookmark, that retraction still stands).
      this.unforget(account, jid)
      await a.bookmarks.add(jid, { nick: result.nick, autojoin: true, ...(password ? { password } : {}) }).catch(() => undefined)
    }
    this.dropInvite(account, jid)
    return this.rooms.get(keyOf(account, jid)) ?? this.blank(account, jid)
  }

  async create(account: AccountId, local: string, nick: string, options: RoomCreateOptions): Promise<RoomView> {
    const a = this.require(account)
    const service = await a.muc.findService()
    if (!service) throw new CoreError('unsupported', 'This server offers no group chat service')
    const room = normaliseRoom(`${local}@${service}`)
    this.patch(account, room, { nick, state: 'joining', name: options.name || local }, true)
    const result = await a.muc.join(room, { nick, history: 'none' })
    if (!result.created) {
      await a.muc.leave(room).catch(() => undefined)
      throw new CoreError('invalid-argument', `${room} already exists`, { condition: 'conflict' })
    }
    await a.muc.configure(room, {
      name: options.name,
      description: options.description,
      password: options.password,
      membersOnly: options.membersOnly,
      public: options.public,
      persistent: options.persistent,
      archive: true
    })
    this.unforget(account, room)
    await a.bookmarks.add(room, { name: options.name, nick, autojoin: true, ...(options.password ? { password: options.password } : {}) }).catch(() => undefined)
    return this.rooms.get(keyOf(account, room)) ?? this.blank(account, room)
  }

  async leave(account: AccountId, room: string, forget: boolean): Promise<void> {
    const a = this.require(account)
    const jid = normaliseRoom(room)
    if (forget) return this.forget(a, jid)
    if (a.muc.joinedRooms().includes(jid)) await a.muc.leave(jid)
    if (a.bookmarks.get(jid)?.autojoin) await a.bookmarks.update(jid, { autojoin: false }).catch(() => undefined)
  }

  /** The room's settings now (XEP-0045 §10.2); the room refuses anyone but an owner (`stanza-error`, `forbidden`). */
  async config(account: AccountId, room: string): Promise<RoomSettings> {
    const cfg = roomConfigFromForm(await this.require(account).muc.getConfig(normaliseRoom(room)))
    return {
      name: cfg.name ?? '',
      description: cfg.description ?? '',
      password: cfg.password ?? '',
      membersOnly: cfg.membersOnly ?? false,
      public: cfg.public ?? false,
      persistent: cfg.persistent ?? false,
      moderated: cfg.moderated ?? false,
      nonAnonymous: cfg.nonAnonymous ?? false
    }
  }

  /**
   * Changes the settings given (the rest keep the room's values). A new name also renames our
   * bookmark when it carries one (else the room's own name would never show for us), and a new
   * password goes into the bookmark so that joining it again still works.
   */
  async configure(account: AccountId, room: string, settings: Partial<RoomSettings>): Promise<void> {
    const a = this.require(account)
    const jid = normaliseRoom(room)
    await a.muc.configure(jid, settings)
    const bookmark = a.bookmarks.get(jid)
    const renamed = settings.name !== undefined && !!bookmark?.name
    if (bookmark && (renamed || settings.password !== undefined)) {
      await a.bookmarks.update(jid, { ...(renamed ? { name: settings.name } : {}), ...(settings.password !== undefined ? { password: settings.password } : {}) }).catch(() => undefined)
    }
    if (settings.name && (renamed || !bookmark?.name)) this.patch(account, jid, { name: settings.name })
  }

  occupants(account: AccountId, room: string): OccupantView[] {
    const a = this.require(account)
    const jid = normaliseRoom(room)
    return a.muc.occupants(jid).map((o) => occupantView(a, jid, o))
  }

  /**
   * Declines an invitation. One that came through the room (mediated, XEP-0045 §7.8.2) is declined
   * through the room, to the inviter. A direct invitation (XEP-0249) has no decline in its
   * protocol: it is only dropped here, and the inviter hears nothing.
   */
  async declineInvite(account: AccountId, room: string): Promise<void> {
    const jid = normaliseRoom(room)
    const inviter = this.mediated.get(keyOf(account, jid))
    // Told first, dropped after: offline, the invitation stays to be declined (or accepted) later.
    if (inviter) await this.require(account).muc.declineInvite(jid, inviter)
    this.dropInvite(account, jid)
  }

  dropAccount(account: AccountId): void {
    const gone: RoomKey[] = []
    for (const [key, r] of this.rooms) {
      if (r.account !== account) continue
      this.rooms.delete(key)
      gone.push({ account, room: r.room })
    }
    for (const [key, i] of this.invites) if (i.account === account) this.invites.delete(key)
    for (const key of this.mediated.keys()) if (key.startsWith(keyOf(account, ''))) this.mediated.delete(key)
    if (gone.length > 0) this.emit('removed', gone)
    this.emit('invites', this.inviteList())
  }

  private dropInvite(account: AccountId, room: string): void {
    this.mediated.delete(keyOf(account, room))
    if (this.invites.delete(keyOf(account, room))) this.emit('invites', this.inviteList())
  }

  /**
   * Leave and forget, online or not. Out of the room first (offline that is at once; the room
   * module also stops joining it after a new session), so nothing it says lists it again; then it
   * leaves the lists (said even when the list did not have it: the window and the history close
   * its conversation). The bookmark is removed now, or at the next login when that cannot be done
   * now (offline, the server failed us): the store keeps that promise across restarts.
   */
  private async forget(a: Account, room: string): Promise<void> {
    await a.muc.leave(room).catch(() => undefined)
    this.rooms.delete(keyOf(a.id, room))
    this.emit('removed', [{ account: a.id, room }])
    if (!(await this.dropBookmark(a, room))) this.retractLater(a.id, room)
  }

  /**
   * Removes a room's bookmark (XEP-0402, or XEP-0048 where the account keeps them). False when that
   * must wait: this session has not read the bookmarks (offline, or just signed in and the list
   * is still on its way), or the server did not do it.
   */
  private async dropBookmark(a: Account, room: string): Promise<boolean> {
    if (a.bookmarks.storage() === null) return false
    if (!a.bookmarks.get(room)) return true
    return a.bookmarks.remove(room).then(
      () => true,
      () => false
    )
  }

  /** At login, before any autojoin: the bookmarks of rooms forgotten meanwhile go; what fails waits for the next login. */
  private async retractForgotten(a: Account, rooms: readonly string[]): Promise<void> {
    for (const room of rooms) if (await this.dropBookmark(a, room)) this.unforget(a.id, room)
  }

  /** The rooms of this account whose bookmarks wait to be retracted. */
  private forgotten(account: AccountId): Set<string> {
    return new Set(this.stored(() => this.core.store.bookmarkRetractions(account)) ?? [])
  }

  private retractLater(account: AccountId, room: string): void {
    this.stored(() => this.core.store.addBookmarkRetraction(account, room))
  }

  private unforget(account: AccountId, room: string): void {
    this.stored(() => this.core.store.removeBookmarkRetraction(account, room))
  }

  /** Records that this is a room, with its name when given (see `MessageStore.markRoom`). */
  private remember(account: AccountId, room: string, name: string | undefined): void {
    this.stored(() => this.core.store.markRoom(account, room, name))
  }

  /**
   * After a restart: the rooms whose conversations are listed are rooms we are not in (no
   * autojoin, unless their bookmark says so at login), with the names learned before.
   */
  private restore(): void {
    for (const r of this.stored(() => this.core.store.rooms()) ?? []) {
      this.rooms.set(keyOf(r.account, r.room), { ...this.blank(r.account, r.room), ...(r.name ? { name: r.name } : {}) })
    }
  }

  /** A store call whose failure (disk full, closed) is told to the user as a storage error; undefined then. */
  private stored<T>(run: () => T): T | undefined {
    try {
      return run()
    } catch (err) {
      this.core.events.emit('storageError', { error: toCoreError(err, 'storage-failed').toView() })
      return undefined
    }
  }

  /**
   * A room's bookmark is gone (removed here or on another device). While we are in the room it
   * stays, unbookmarked; a destroyed room stays to say so until the user forgets it; any other
   * room we are out of leaves the list.
   */
  private bookmarkGone(account: AccountId, room: string): void {
    const r = this.rooms.get(keyOf(account, room))
    if (!r) return
    if (r.state === 'joined' || r.state === 'joining' || r.reason?.kind === 'destroyed') {
      this.patch(account, room, { bookmarked: false, autojoin: false })
      return
    }
    this.rooms.delete(keyOf(account, room))
    this.emit('removed', [{ account, room }])
  }

  private occupantAvatar(account: AccountId, jid: string): void {
    const parsed = parseJid(jid)
    if (!parsed || parsed.resource === '') return
    const room = jidToString(bare(parsed))
    const a = this.account(account)
    if (!a || !this.rooms.has(keyOf(account, room))) return
    const occupant = a.muc.occupants(room).find((o) => o.nick === parsed.resource)
    if (occupant) this.emit('occupants', { account, room, reset: false, upsert: [occupantView(a, room, occupant)], remove: [] })
  }

  private async joinQuietly(a: Account, room: string, nick: string): Promise<void> {
    try {
      // A bookmark of a room that is gone must not bring it back (empty, with us as its owner).
      await a.muc.join(room, { nick, history: 'none', mustExist: true, ...(a.bookmarks.get(room)?.password ? { password: a.bookmarks.get(room)?.password } : {}) })
    } catch (err) {
      this.patch(a.id, room, { state: 'error', error: toCoreError(err).toView() })
    }
  }

  /**
   * What the room says of itself (disco#info with muc#roominfo): its name, unless the user named
   * the bookmark; and its avatar (XEP-0486), fetched by the avatar module, which announces it as
   * the room's (the conversation shows it, keyed by the room's JID).
   */
  private async learnInfo(account: AccountId, room: string): Promise<void> {
    const a = this.account(account)
    if (!a) return
    const info = await a.muc.roomInfo(room).catch(() => null)
    if (!info) return
    if (info.name && !a.bookmarks.get(room)?.name) this.patch(account, room, { name: info.name })
    if (info.avatarHash !== undefined) await a.avatars.roomAvatar(room, info.avatarHash).catch(() => undefined)
  }

  private onState(account: AccountId, room: string, state: RoomState): void {
    switch (state.state) {
      case 'joining':
        this.patch(account, room, { state: 'joining', nick: state.nick }, true)
        return
      case 'joined':
        this.patch(account, room, { state: 'joined', nick: state.nick, role: state.role, affiliation: state.affiliation }, true)
        this.emit('joined', { account, room })
        void this.learnInfo(account, room)
        return
      case 'left': {
        this.patch(account, room, { state: 'left', reason: exitView(state), occupants: 0 })
        // A destroyed room's bookmark points at nothing, and its autojoin would create an empty
        // room of that name again on servers that create rooms on join.
        const a = state.reason === 'destroyed' ? this.account(account) : null
        if (a) void this.dropBookmark(a, room)
        return
      }
      case 'error':
        this.patch(account, room, { state: 'error', error: state.error })
    }
  }

  private patch(account: AccountId, room: string, patch: Partial<RoomView>, create = false): void {
    const key = keyOf(account, room)
    const known = this.rooms.get(key)
    const current = known ?? (create ? this.blank(account, room) : null)
    if (!current) return
    const next: RoomView = { ...current, ...patch }
    if (patch.state && patch.state !== 'error') delete next.error
    if (patch.state && patch.state !== 'left' && patch.state !== 'error') delete next.reason
    this.rooms.set(key, next)
    if (!known || (patch.name !== undefined && patch.name !== known.name)) this.remember(account, room, patch.name)
    this.emit('rooms', [next])
  }

  private blank(account: AccountId, room: string): RoomView {
    const a = this.account(account)
    const bookmark = a?.bookmarks.get(room)
    return {
      account,
      room,
      name: bookmark?.name || parseJid(room)?.local || room,
      nick: bookmark?.nick || (a ? this.defaultNick(a) : ''),
      state: 'left',
      subject: '',
      role: 'none',
      affiliation: 'none',
      occupants: 0,
      bookmarked: bookmark !== undefined,
      autojoin: bookmark?.autojoin ?? false
    }
  }

  private defaultNick(a: Account): string {
    return parseJid(a.bareJid)?.local ?? 'parley'
  }

  private account(id: AccountId): Account | null {
    try {
      return this.core.accounts.get(id)
    } catch {
      return null
    }
  }

  private require(id: AccountId): Account {
    return this.core.accounts.get(id)
  }
}

/**
 * An occupant as the window shows them. The avatar is the hash the occupant's own presence in the
 * room announced (XEP-0153 `vcard-temp:x:update`, which XEP-0398 servers fill in from the PEP
 * avatar), fetched and checked by the avatar module under `room/nick`: never a contact's avatar
 * looked up by a real JID, which the room may not show and the occupant does not vouch for.
 */
function occupantView(a: Account | null, room: string, o: Occupant): OccupantView {
  return {
    nick: o.nick,
    ...(o.jid ? { jid: o.jid } : {}),
    role: o.role,
    affiliation: o.affiliation,
    show: o.show,
    status: o.status,
    avatar: a?.avatars.avatarOf(`${room}/${o.nick}`) ?? null
  }
}

function exitView(state: Extract<RoomState, { state: 'left' }>): RoomExitView {
  return {
    kind: state.reason,
    ...(state.text ? { text: state.text } : {}),
    ...(state.actor ? { actor: state.actor } : {}),
    ...(state.alternate ? { alternate: state.alternate } : {})
  }
}

function normaliseRoom(room: string): string {
  const jid = parseJid(room)
  if (!jid || !jid.local) throw new CoreError('invalid-argument', `Not a room address: ${room}`)
  return jidToString(bare(jid))
}
