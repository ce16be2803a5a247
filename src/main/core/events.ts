import { EventEmitter } from 'node:events'
import type { ConnectionState } from '../../shared/model/connection'
import type { ErrorView } from '../../shared/model/errors'
import type { AccountId, MessageId } from '../../shared/model/ids'
import type { ChatMessage, DeliveryState } from '../../shared/model/message'
import type { ContactPresence, OwnPresence } from '../../shared/model/presence'
import type { RosterItem, SubscriptionRequest } from '../../shared/model/roster'
import type { Profile } from '../../shared/model/profile'
import type { MucEvents } from './xep/0045-muc/types'
import type { BookmarkEvents } from './xep/0402-bookmarks'

/** Everything the core reports, per account. Payloads are plain data (they cross IPC as they are). */
export interface CoreEvents extends Omit<MucEvents, 'messageState'>, BookmarkEvents {
  connectionState: { account: AccountId; state: ConnectionState }
  /** The list of accounts changed (added, kept after sign-in, removed, settings changed). */
  accountsChanged: Record<string, never>
  /** The session is fully up: roster fetched and initial presence sent (or resumed). */
  sessionReady: { account: AccountId; resumed: boolean }
  /** The whole roster, after a fetch (or from the version cache). */
  roster: { account: AccountId; items: RosterItem[] }
  /** One roster push applied: the item as it is now, or removed. */
  rosterItem: { account: AccountId; item: RosterItem } | { account: AccountId; removed: string }
  presence: { account: AccountId; presence: ContactPresence }
  ownPresence: { account: AccountId; presence: OwnPresence }
  subscriptionRequest: { account: AccountId; request: SubscriptionRequest }
  /** The contact approved, denied or cancelled our subscription, or unsubscribed from us. */
  subscription: { account: AccountId; jid: string; change: 'subscribed' | 'unsubscribed' | 'unsubscribe' | 'request-cancelled' }
  message: { account: AccountId; message: ChatMessage }
  /** A correction, retraction or reaction to an earlier message (XEP-0308, 0424, 0444). */
  messageEdit: { account: AccountId; edit: MessageEdit }
  /** Our other device showed the conversation up to this message (XEP-0333 from ourselves). */
  displayedElsewhere: { account: AccountId; peer: string; id: string }
  messageState: { account: AccountId; peer: string; id: MessageId; state: DeliveryState; error?: ErrorView }
  blocklist: { account: AccountId; jids: string[] }
  registered: { account: AccountId; jid: string }
  /** Writing history failed (disk full, read-only, corrupt): shown to the user, nothing marked stored. */
  storageError: { error: ErrorView }
  /** A contact's, our own, a room's or an occupant's avatar changed (XEP-0084 / XEP-0153). */
  avatar: { account: AccountId; jid: string; hash: string | null }
  /** A contact (or we) published a new profile (XEP-0292). */
  profile: { account: AccountId; jid: string; profile: Profile }
  /** A chat state (XEP-0085) from a contact. */
  chatState: { account: AccountId; peer: string; state: 'active' | 'composing' | 'paused' | 'inactive' | 'gone' }
}

export interface MessageEdit {
  peer: string
  /** Bare JID of who sent the edit: only the original author's edits are applied. */
  sender: string
  direction: 'in' | 'out'
  targetId: string
  /** The edit's own stanza id. */
  id: string
  at: number
  change: { kind: 'correct'; body: string } | { kind: 'retract' } | { kind: 'react'; emojis: string[] }
}

export type CoreEventName = keyof CoreEvents
export type Emit = <K extends CoreEventName>(name: K, payload: CoreEvents[K]) => void

/** A typed event emitter for CoreEvents. */
export class CoreEmitter {
  private readonly emitter = new EventEmitter()

  constructor() {
    this.emitter.setMaxListeners(0)
  }

  readonly emit: Emit = (name, payload) => {
    this.emitter.emit(name, payload)
  }

  on<K extends CoreEventName>(name: K, listener: (payload: CoreEvents[K]) => void): () => void {
    this.emitter.on(name, listener)
    return () => this.emitter.off(name, listener)
  }

  once<K extends CoreEventName>(name: K, listener: (payload: CoreEvents[K]) => void): () => void {
    this.emitter.once(name, listener)
    return () => this.emitter.off(name, listener)
  }
}
