/** RFC 6121 §4.7.2.1 show values plus the two states a user means by "available" and "offline". */
export type PresenceShow = 'chat' | 'available' | 'away' | 'xa' | 'dnd' | 'offline'

/** Own presence as the user sets it. */
export interface OwnPresence {
  show: Exclude<PresenceShow, 'offline'> | 'offline'
  status: string
  priority: number
}

/** One resource of a contact. */
export interface ResourcePresence {
  resource: string
  show: Exclude<PresenceShow, 'offline'>
  status: string
  priority: number
  /** Entity capabilities node#ver when advertised (XEP-0115). */
  caps?: string
  /** XEP-0319 idle since, or XEP-0203 delay of the presence, epoch ms. */
  since?: number
}

/** A contact's presence aggregated over resources: the best resource decides. */
export interface ContactPresence {
  jid: string
  show: PresenceShow
  status: string
  resources: ResourcePresence[]
  /** Set when the last presence was an error (e.g. remote server unreachable). */
  error?: string
}
