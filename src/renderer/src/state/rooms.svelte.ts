/* eslint-disable svelte/prefer-svelte-reactivity -- collections are immutable snapshots in $state.raw, replaced once per event. */
import { getContext, setContext } from 'svelte'
import type { Events, OccupantView, RoomAffiliation, RoomCreateOptions, RoomInviteView, RoomRole, RoomSettings, RoomView } from '../../../shared/ipc/contract'
import { localOf, toBareJid } from '../../../shared/jid'
import type { AccountId } from '../../../shared/model/ids'
import { api, on, toApiError, type ApiError } from '../lib/api'
import type { MessageKey } from '../lib/i18n.svelte'
import { needsPassword } from '../lib/rooms'
import type { AccountsState } from './accounts.svelte'
import { conversationKey, type ChatsState } from './chats.svelte'

export const roomKey = conversationKey

/** One room's occupants by nick: loaded when its view opens, then kept current by events. */
export class OccupantList {
  all = $state.raw<ReadonlyMap<string, OccupantView>>(new Map())
  loaded = $state(false)
  error = $state.raw<ApiError | null>(null)
  #pending: Events['occupants'][] | null = null

  constructor(
    readonly account: AccountId,
    readonly room: string
  ) {}

  async load(): Promise<void> {
    this.#pending = []
    try {
      const list = await api.rooms.occupants(this.account, this.room)
      const queued = this.#pending
      this.#pending = null
      this.all = new Map(list.map((o) => [o.nick, o]))
      for (const change of queued) this.apply(change)
      this.error = null
    } catch (err) {
      this.error = toApiError(err)
    } finally {
      this.#pending = null
      this.loaded = true
    }
  }

  /** One event, one assignment. */
  apply(change: Events['occupants']): void {
    if (this.#pending) {
      this.#pending.push(change)
      return
    }
    const next = new Map(change.reset ? [] : this.all)
    for (const nick of change.remove) next.delete(nick)
    for (const o of change.upsert) next.set(o.nick, o)
    this.all = next
  }
}

export interface JoinRequest {
  account: AccountId
  room: string
  nick: string
  password: string
  bookmark: boolean
}

/**
 * The "Join a room" form: validation, the attempt, and a password prompt when the room asks for
 * one (or refused the one given). On success the room's conversation is opened.
 */
export class JoinForm {
  account = $state<AccountId | ''>('')
  room = $state('')
  nick = $state('')
  password = $state('')
  bookmark = $state(true)
  busy = $state(false)
  submitted = $state(false)
  error = $state.raw<ApiError | null>(null)
  /** The room wants a password: the field shows, with why. */
  askPassword = $state(false)
  /** A password was given and refused. */
  wrongPassword = $state(false)
  /** The account's group chat service and the rooms it lists. */
  service = $state<string | null>(null)
  discovered = $state.raw<{ jid: string; name: string }[]>([])
  discovering = $state(false)
  discoverError = $state.raw<ApiError | null>(null)
  #discoveredFor: AccountId | '' = ''

  constructor(
    private readonly rooms: RoomsState,
    prefill: Partial<JoinRequest> = {}
  ) {
    this.account = prefill.account ?? ''
    this.room = prefill.room ?? ''
    this.nick = prefill.nick ?? ''
    this.password = prefill.password ?? ''
    if (prefill.bookmark !== undefined) this.bookmark = prefill.bookmark
    if (this.password) this.askPassword = true
  }

  problems = $derived.by(() => {
    const p: { room?: MessageKey; nick?: MessageKey; account?: MessageKey } = {}
    if (!this.account) p.account = 'contacts.add.noAccount'
    const room = toBareJid(this.room.trim())
    if (this.room.trim() === '') p.room = 'rooms.join.roomRequired'
    else if (!room || !localOf(room)) p.room = 'rooms.join.roomInvalid'
    if (this.nick.trim() === '') p.nick = 'rooms.join.nickRequired'
    return p
  })

  /** Asks the account's server for its rooms (once per account). */
  async discover(): Promise<void> {
    const account = this.account
    if (!account || account === this.#discoveredFor) return
    this.#discoveredFor = account
    this.discovering = true
    this.discoverError = null
    try {
      const found = await this.rooms.discover(account)
      if (this.account !== account) return
      this.service = found.service
      this.discovered = found.rooms
    } catch (err) {
      if (this.account !== account) return
      this.service = null
      this.discovered = []
      this.discoverError = toApiError(err)
    } finally {
      if (this.account === account) this.discovering = false
    }
  }

  /** Joins; resolves with the room's address when it worked. */
  async submit(): Promise<string | null> {
    if (this.busy) return null
    this.submitted = true
    if (Object.keys(this.problems).length > 0 || !this.account) return null
    const room = toBareJid(this.room.trim()) as string
    const tried = this.password
    this.busy = true
    this.error = null
    try {
      await this.rooms.join(this.account, room, this.nick.trim(), tried === '' ? null : tried, this.bookmark)
      return room
    } catch (err) {
      const error = toApiError(err)
      this.error = error
      if (needsPassword(error)) {
        this.wrongPassword = error.code === 'room-password-wrong'
        this.askPassword = true
        this.password = ''
      }
      return null
    } finally {
      this.busy = false
    }
  }
}

/** What "Create a room" and "Room settings" both ask (RoomSettingsFields binds them). */
class RoomFieldValues implements RoomCreateOptions {
  name = $state('')
  description = $state('')
  password = $state('')
  membersOnly = $state(false)
  public = $state(false)
  persistent = $state(true)
}

/** "Create a room": its address on the account's service, name, description and settings. */
export class CreateForm extends RoomFieldValues {
  account = $state<AccountId | ''>('')
  local = $state('')
  nick = $state('')
  busy = $state(false)
  submitted = $state(false)
  error = $state.raw<ApiError | null>(null)

  constructor(private readonly rooms: RoomsState) {
    super()
  }

  problems = $derived.by(() => {
    const p: { local?: MessageKey; nick?: MessageKey; account?: MessageKey } = {}
    if (!this.account) p.account = 'contacts.add.noAccount'
    const local = this.local.trim()
    if (local === '') p.local = 'rooms.create.localRequired'
    else if (localOf(`${local}@example.org`) === null || /[@/\s]/u.test(local)) p.local = 'rooms.create.localInvalid'
    if (this.nick.trim() === '') p.nick = 'rooms.join.nickRequired'
    return p
  })

  async submit(): Promise<string | null> {
    if (this.busy) return null
    this.submitted = true
    if (Object.keys(this.problems).length > 0 || !this.account) return null
    this.busy = true
    this.error = null
    try {
      const view = await this.rooms.create(this.account, this.local.trim(), this.nick.trim(), {
        name: this.name.trim(),
        description: this.description.trim(),
        password: this.password,
        membersOnly: this.membersOnly,
        public: this.public,
        persistent: this.persistent
      })
      return view.room
    } catch (err) {
      this.error = toApiError(err)
      return null
    } finally {
      this.busy = false
    }
  }
}

const SETTINGS_KEYS = ['name', 'description', 'password', 'membersOnly', 'public', 'persistent', 'moderated', 'nonAnonymous'] as const

/**
 * "Room settings" for an owner: the room's current values (asked of the room, never guessed), and
 * on save only what the user changed, so that a setting changed meanwhile elsewhere stays as is.
 */
export class RoomSettingsForm extends RoomFieldValues implements RoomSettings {
  moderated = $state(false)
  nonAnonymous = $state(false)
  loaded = $state(false)
  loading = $state(false)
  loadError = $state.raw<ApiError | null>(null)
  busy = $state(false)
  error = $state.raw<ApiError | null>(null)
  #initial: RoomSettings | null = null

  constructor(
    private readonly rooms: RoomsState,
    readonly account: AccountId,
    readonly room: string
  ) {
    super()
  }

  async load(): Promise<void> {
    this.loading = true
    this.loadError = null
    const current = await this.rooms.config(this.account, this.room).catch((err: unknown) => {
      this.loadError = toApiError(err)
      return null
    })
    this.loading = false
    if (!current) return
    this.#initial = current
    this.name = current.name
    this.description = current.description
    this.password = current.password
    this.membersOnly = current.membersOnly
    this.public = current.public
    this.persistent = current.persistent
    this.moderated = current.moderated
    this.nonAnonymous = current.nonAnonymous
    this.loaded = true
  }

  /** What differs from the loaded values (text trimmed, the password as typed). */
  changes(): Partial<RoomSettings> {
    const initial = this.#initial
    if (!initial) return {}
    const now: RoomSettings = {
      name: this.name.trim(),
      description: this.description.trim(),
      password: this.password,
      membersOnly: this.membersOnly,
      public: this.public,
      persistent: this.persistent,
      moderated: this.moderated,
      nonAnonymous: this.nonAnonymous
    }
    const out: Partial<RoomSettings> = {}
    for (const key of SETTINGS_KEYS) if (now[key] !== initial[key]) (out as Record<string, unknown>)[key] = now[key]
    return out
  }

  /** Saves the changes; true when done (also when there was nothing to change). The room's refusal stays on the form. */
  async submit(): Promise<boolean> {
    if (this.busy || !this.loaded) return false
    const changes = this.changes()
    if (Object.keys(changes).length === 0) return true
    this.busy = true
    this.error = null
    const error = await this.rooms.configure(this.account, this.room, changes).then(() => null, toApiError)
    this.busy = false
    this.error = error
    return error === null
  }
}

/** Group chats of every account, their occupants (for the rooms on screen) and invitations. */
export class RoomsState {
  rooms = $state.raw<ReadonlyMap<string, RoomView>>(new Map())
  invites = $state.raw<RoomInviteView[]>([])
  loaded = $state(false)
  #occupants = new Map<string, OccupantList>()
  #pending: Events['rooms'][] | null = null

  constructor(
    private readonly accounts: AccountsState,
    private readonly chats: ChatsState
  ) {}

  subscribe(): () => void {
    const offs = [
      on('rooms', (change) => {
        if (this.#pending) this.#pending.push(change)
        else this.apply(change)
      }),
      on('occupants', (change) => this.#occupants.get(roomKey(change.account, change.room))?.apply(change)),
      on('invites', (list) => (this.invites = list))
    ]
    return () => offs.forEach((off) => off())
  }

  async load(): Promise<void> {
    this.#pending = []
    try {
      const [list, invites] = await Promise.all([api.rooms.list(), api.rooms.invites()])
      const queued = this.#pending
      this.#pending = null
      this.upsert(list, true)
      for (const change of queued) this.apply(change)
      this.invites = invites
      this.loaded = true
    } finally {
      this.#pending = null
    }
  }

  upsert(list: readonly RoomView[], replace = false): void {
    if (!replace && list.length === 0) return
    const next = new Map(replace ? [] : this.rooms)
    for (const r of list) next.set(roomKey(r.account, r.room), r)
    this.rooms = next
  }

  /** One `rooms` event: what changed, and the rooms gone from the list (forgotten, bookmark removed). */
  apply(change: Events['rooms']): void {
    if (change.remove.length === 0) {
      this.upsert(change.upsert)
      return
    }
    const next = new Map(this.rooms)
    for (const k of change.remove) next.delete(roomKey(k.account, k.room))
    for (const r of change.upsert) next.set(roomKey(r.account, r.room), r)
    this.rooms = next
  }

  get(account: AccountId, room: string): RoomView | undefined {
    return this.rooms.get(roomKey(account, room))
  }

  /** The occupants of a room, loaded on first use. */
  occupants(account: AccountId, room: string): OccupantList {
    const key = roomKey(account, room)
    let list = this.#occupants.get(key)
    if (!list) {
      list = new OccupantList(account, room)
      this.#occupants.set(key, list)
      void list.load()
    }
    return list
  }

  /** Loads the occupants again, if they are on screen (after a rejoin or a leave). */
  reloadOccupants(account: AccountId, room: string): void {
    void this.#occupants.get(roomKey(account, room))?.load()
  }

  /** The nick to offer: the local part of the account's address. */
  defaultNick(account: AccountId): string {
    const jid = this.accounts.get(account)?.jid ?? ''
    return localOf(jid) || jid.split('@')[0] || 'parley'
  }

  discover(account: AccountId): Promise<{ service: string | null; rooms: { jid: string; name: string }[] }> {
    return api.rooms.discover(account)
  }

  /** Joins and shows the room's conversation. */
  async join(account: AccountId, room: string, nick: string, password: string | null, bookmark: boolean): Promise<RoomView> {
    const view = await api.rooms.join(account, room, nick, password, bookmark)
    this.upsert([view])
    this.reloadOccupants(account, view.room)
    await this.chats.open(account, view.room).catch(() => undefined)
    return view
  }

  async create(account: AccountId, local: string, nick: string, options: RoomCreateOptions): Promise<RoomView> {
    const view = await api.rooms.create(account, local, nick, options)
    this.upsert([view])
    await this.chats.open(account, view.room).catch(() => undefined)
    return view
  }

  config(account: AccountId, room: string): Promise<RoomSettings> {
    return api.rooms.config(account, room)
  }

  configure(account: AccountId, room: string, settings: Partial<RoomSettings>): Promise<void> {
    return api.rooms.configure(account, room, settings)
  }

  /** Leaves; with `forget`, main also drops the bookmark, and its events take the room and its chat off the lists. */
  async leave(account: AccountId, room: string, forget: boolean): Promise<void> {
    await api.rooms.leave(account, room, forget)
    this.reloadOccupants(account, room)
  }

  /** Accepts an invitation: joins with our usual nick (and the password it carried), remembered. */
  acceptInvite(invite: RoomInviteView): Promise<RoomView> {
    return this.join(invite.account, invite.room, this.defaultNick(invite.account), invite.password ?? null, true)
  }

  async declineInvite(invite: RoomInviteView): Promise<void> {
    await api.rooms.declineInvite(invite.account, invite.room)
    this.invites = this.invites.filter((i) => i.account !== invite.account || i.room !== invite.room)
  }

  setSubject(account: AccountId, room: string, subject: string): Promise<void> {
    return api.rooms.setSubject(account, room, subject)
  }

  changeNick(account: AccountId, room: string, nick: string): Promise<void> {
    return api.rooms.changeNick(account, room, nick)
  }

  invite(account: AccountId, room: string, jid: string, reason: string): Promise<void> {
    return api.rooms.invite(account, room, jid, reason)
  }

  kick(account: AccountId, room: string, nick: string, reason: string): Promise<void> {
    return api.rooms.kick(account, room, nick, reason)
  }

  ban(account: AccountId, room: string, jid: string, reason: string): Promise<void> {
    return api.rooms.ban(account, room, jid, reason)
  }

  setRole(account: AccountId, room: string, nick: string, role: RoomRole): Promise<void> {
    return api.rooms.setRole(account, room, nick, role)
  }

  setAffiliation(account: AccountId, room: string, jid: string, affiliation: RoomAffiliation): Promise<void> {
    return api.rooms.setAffiliation(account, room, jid, affiliation)
  }
}

const KEY = Symbol('rooms')
export const ROOMS_KEY = KEY
export const setRoomsContext = (s: RoomsState): RoomsState => setContext(KEY, s)
export function getRoomsContext(): RoomsState {
  const s = getContext<RoomsState | undefined>(KEY)
  if (!s) throw new Error('RoomsState not found: render inside the App')
  return s
}
