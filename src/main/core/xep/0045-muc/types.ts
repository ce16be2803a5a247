// Plain-data shapes of group chat (XEP-0045) as the core reports them. They cross IPC unchanged, so
// no Element, no class instances, times as epoch ms. Candidates for src/shared/model/muc.ts.
import type { ErrorView } from '../../../../shared/model/errors'
import type { AccountId } from '../../../../shared/model/ids'
import type { CoreEvents } from '../../events'
import type { ModuleContext } from '../../account/module'

export type Role = 'moderator' | 'participant' | 'visitor' | 'none'
export type Affiliation = 'owner' | 'admin' | 'member' | 'outcast' | 'none'
export type OccupantShow = 'available' | 'chat' | 'away' | 'xa' | 'dnd'

export interface Occupant {
  /** The nickname: the resource of the room-assigned address `room/nick`. */
  nick: string
  /** Real bare JID, only when the room tells us (non-anonymous room, or we moderate). */
  jid?: string
  role: Role
  affiliation: Affiliation
  show: OccupantShow
  status: string
  /** XEP-0421, only from a room that announces it (it then strips forged ones). */
  occupantId?: string
  /** This occupant is us. */
  self?: true
}

/** Why someone is no longer in the room (XEP-0045 status codes 303, 307, 301, 321, 322, 332, 333). */
export type OccupantExit = 'left' | 'nick-changed' | 'kicked' | 'banned' | 'affiliation' | 'members-only' | 'shutdown' | 'error'

export interface OccupantLeft {
  nick: string
  reason: OccupantExit
  /** For `nick-changed`: the new nick (an occupant entry under it follows). */
  newNick?: string
  /** Who did it (nick or JID as the room says), for kicks and bans. */
  actor?: string
  text?: string
}

/** Why we are no longer in a room. `disconnected` rooms are joined again on the next session. */
export type RoomExit = Exclude<OccupantExit, 'nick-changed'> | 'destroyed' | 'disconnected'

export type RoomState =
  | { state: 'joining'; nick: string }
  | {
      state: 'joined'
      nick: string
      role: Role
      affiliation: Affiliation
      /** We created the room (status 201): it stays locked until configure() or acceptDefaultConfig(). */
      created: boolean
      /** Joined again after a new session: the caller may catch up from the room's archive. */
      rejoined: boolean
      /** Everyone can see real JIDs (status 100/172). */
      nonAnonymous: boolean
    }
  | { state: 'left'; reason: RoomExit; actor?: string; text?: string; alternate?: string }
  | { state: 'error'; error: ErrorView }

export interface RoomMessage {
  /** The room's bare JID: the conversation. */
  room: string
  /** The room-assigned nick of the sender; '' for the room itself. */
  nick: string
  /**
   * Stable identity for corrections, retractions and dedup: `occupant-id:<id>` (XEP-0421) when the
   * room vouches for it, else the real bare JID the room showed us, else `room/nick`.
   */
  sender: string
  occupantId?: string
  /** Real bare JID of the sender, from the room's presence (never from the message). */
  jid?: string
  body: string
  /** The stanza `id` ('' when absent). */
  id: string
  originId?: string
  /** XEP-0359 id stamped by the room (`by` = room, and the room announces urn:xmpp:sid:0). */
  stanzaId?: string
  /** Server time: the room's delay, or the archive's; our clock when `atIsLocal`. */
  at: number
  atIsLocal: boolean
  fromUs: boolean
  /** The body names our nick as a whole word (or as `@nick`). */
  mentions: boolean
  action?: true
  /** XEP-0461: in a room `id` is the room's stanza-id of the message answered. */
  replyTo?: { id: string; nick: string }
  /** XEP-0066: the body is the link of a shared file, as its out-of-band data says (see `sharesFile`). */
  attachment?: true
  source: 'live' | 'archive'
}

export type RoomEditChange =
  | { kind: 'correct'; body: string }
  | { kind: 'retract'; moderated?: { by: string; reason: string } }
  | { kind: 'react'; emojis: string[] }

export interface RoomEdit {
  room: string
  nick: string
  sender: string
  occupantId?: string
  fromUs: boolean
  /** The edit's own stanza id. */
  id: string
  stanzaId?: string
  at: number
  /**
   * What `targetId` is: the original's stanza `id` for corrections (XEP-0308), the room's
   * stanza-id for retractions and reactions (XEP-0424 / XEP-0444 in group chats).
   */
  targetBy: 'id' | 'stanza-id'
  targetId: string
  change: RoomEditChange
  source: 'live' | 'archive'
}

/** A private message through a room (`type='chat'` to or from `room/nick`). */
export interface RoomPrivateMessage {
  room: string
  nick: string
  occupantId?: string
  direction: 'in' | 'out'
  body: string
  id: string
  originId?: string
  at: number
  /** `at` is our clock (no delay stamp): a later archive copy brings the server's time. */
  atIsLocal: boolean
  /** XEP-0066: the body is the link of a shared file. */
  attachment?: true
  /** XEP-0333: the occupant asks to know when we read it (incoming only). */
  markable?: true
  source: 'live' | 'carbon' | 'archive'
}

export interface RoomInvite {
  /** `direct` = XEP-0249 from the inviter; `mediated` = XEP-0045 §7.8.2 through the room. */
  kind: 'direct' | 'mediated'
  room: string
  /**
   * Who invites, as far as we can tell: for `direct` the sender's address as our server stamped it
   * (bare JID; `room/nick` when it came from a room occupant), for `mediated` what the room says.
   */
  from: string
  reason: string
  password?: string
  continue?: boolean
  thread?: string
}

export interface RoomInfo {
  room: string
  name: string
  description: string
  subject: string
  occupants: number | null
  features: string[]
  passwordProtected: boolean
  membersOnly: boolean
  nonAnonymous: boolean
  moderated: boolean
  persistent: boolean
  public: boolean
  /** The room keeps an archive (XEP-0313). */
  archived: boolean
  /** The room stamps XEP-0359 stanza-ids we may trust. */
  stableIds: boolean
  /** The room stamps XEP-0421 occupant ids. */
  occupantIds: boolean
  /**
   * XEP-0486 (`muc#roominfo_avatarhash`): the SHA-1 of the room's avatar (its vcard-temp photo),
   * null when the room says it has none, absent when it says nothing.
   */
  avatarHash?: string | null
}

export interface JoinOptions {
  nick: string
  password?: string | undefined
  /** What the room replays on join: nothing, the last N messages, or (absent) the room's default. */
  history?: 'none' | { maxstanzas: number } | undefined
  /**
   * Only enter a room that exists (an invitation, a bookmark, an address typed in): a room the
   * server creates for this join (status 201) is destroyed again and the join fails as
   * `room-not-found`. Without it a missing room is created, and the caller configures it.
   */
  mustExist?: boolean | undefined
}

export interface JoinResult {
  room: string
  nick: string
  role: Role
  affiliation: Affiliation
  created: boolean
  occupants: Occupant[]
}

/** Friendly names for the usual room configuration fields (XEP-0045 §10.2 muc#roomconfig). */
export interface RoomConfig {
  name?: string
  description?: string
  /** '' removes the password. */
  password?: string
  membersOnly?: boolean
  /** Everyone may see real JIDs (`whois = anyone`), or only moderators. */
  nonAnonymous?: boolean
  moderated?: boolean
  persistent?: boolean
  public?: boolean
  /** Prosody's and ejabberd's switch for the room archive. */
  archive?: boolean
  /** Raw fields by `var`, for anything else the form offers. */
  fields?: Record<string, string | string[]>
}

/** Events the group chat modules report. To be merged into CoreEvents (see the wiring notes). */
export interface MucEvents {
  roomState: { account: AccountId; room: string; state: RoomState }
  /** `reset`: the whole list (after joining); else a delta. */
  roomOccupants: { account: AccountId; room: string; reset: boolean; occupants: Occupant[]; removed: OccupantLeft[] }
  /** The subject, also on join (then maybe ''); `nick` '' when the room itself set it. */
  roomSubject: { account: AccountId; room: string; subject: string; nick: string; at: number }
  roomMessage: { account: AccountId; message: RoomMessage }
  roomMessageEdit: { account: AccountId; edit: RoomEdit }
  roomPrivateMessage: { account: AccountId; message: RoomPrivateMessage }
  /** Only a suggestion: never joined automatically. */
  roomInvite: { account: AccountId; invite: RoomInvite }
  roomInviteDeclined: { account: AccountId; room: string; from: string; reason: string }
  /** Status 104: the room's configuration changed (its name, avatar, archive…): what it says of itself is worth asking again. */
  roomConfigChanged: { account: AccountId; room: string }
  /**
   * Our messages: `sent` when written, `delivered` when the room reflected it, `failed` on a bounce;
   * private ones (peer `room/nick`) `delivered` and `read` on the occupant's receipt and marker.
   */
  messageState: CoreEvents['messageState']
  /** Our other device showed the occupant's private messages up to `id` (peer `room/nick`). */
  displayedElsewhere: CoreEvents['displayedElsewhere']
}

/** `emit` over a set of events, as a union of argument tuples: CoreEvents' Emit is assignable to it. */
export type EmitOf<E> = (...args: { [K in keyof E]: [name: K, payload: E[K]] }[keyof E]) => void

export type MucEmit = EmitOf<MucEvents>

/** A ModuleContext whose `emit` knows the group chat events; Account's context fits once CoreEvents has them. */
export type MucContext = Omit<ModuleContext, 'emit'> & { readonly emit: MucEmit }
