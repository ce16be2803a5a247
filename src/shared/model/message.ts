import type { ErrorView } from './errors'
import type { MessageId } from './ids'

/**
 * Where an outgoing message is: stored → sent (written; not yet acked) → acked (stream management h)
 * → delivered (XEP-0184 receipt) → read (XEP-0333). `failed` carries the reason (bounce, timeout).
 */
export type DeliveryState = 'queued' | 'sent' | 'acked' | 'delivered' | 'read' | 'failed' | 'received'

export type MessageDirection = 'in' | 'out'

export interface ChatMessage {
  /** Our id: the stanza `id` and XEP-0359 origin-id for what we send; the sender's id otherwise. */
  id: MessageId
  /** The conversation partner's bare JID. */
  peer: string
  /** Full JID the message came from or went to, when known. */
  resource: string
  direction: MessageDirection
  body: string
  /** Server time (XEP-0203 delay) when present, else the time we got or sent it; epoch ms. */
  at: number
  state: DeliveryState
  /** XEP-0359 stanza-id assigned by an archive we trust (`stanzaIdBy`: our account or the room). */
  stanzaId?: string
  stanzaIdBy?: string
  originId?: string
  /** The bounce, for `failed`. */
  error?: ErrorView
  /** The peer asked for a receipt. */
  receiptRequested?: boolean
  /** The sender asked for chat markers (XEP-0333). */
  markable?: boolean
  /** `/me` action (XEP-0245); the body keeps the prefix. */
  action?: boolean
  /** XEP-0066: the sender marked the body, one link, as a shared file (out-of-band data equal to the body). */
  attachment?: boolean
  /** XEP-0461: the message this one answers (its id, and its author's JID). */
  replyTo?: { id: string; jid: string }
  /** XEP-0308: the text was corrected; `body` shows the latest version. */
  edited?: boolean
  /** XEP-0424: the sender retracted it; `body` is empty. */
  retracted?: boolean
  /** XEP-0444: reactions, summarised. */
  reactions?: { emoji: string; count: number; mine: boolean }[]
  /**
   * In a group chat: the sender's nick as the room stamped it (our own messages carry ours), and
   * whether the message mentions our nick. History pages and live messages both carry them.
   */
  nick?: string
  mention?: boolean
  /** How it reached us: live, a carbon of another device, or the server archive. */
  source?: 'live' | 'carbon' | 'archive'
}
