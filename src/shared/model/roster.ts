/** RFC 6121 subscription states. */
export type Subscription = 'none' | 'to' | 'from' | 'both' | 'remove'

export interface RosterItem {
  jid: string
  name: string
  subscription: Exclude<Subscription, 'remove'>
  /** `ask='subscribe'`: we asked and wait for an answer. */
  pendingOut: boolean
  /** Pre-approved (RFC 6121 §3.4), when the server supports it. */
  approved: boolean
  groups: string[]
}

/** A subscription request waiting for the user's answer. */
export interface SubscriptionRequest {
  jid: string
  /** The nickname (XEP-0172) or status text the requester sent. */
  nick: string
  message: string
  at: number
}
