import type { ContactView } from '../../../shared/ipc/contract'
import type { PresenceShow } from '../../../shared/model/presence'
import type { MessageKey } from '../i18n/en'

/** The statuses a user can pick for their own accounts, most available first. */
export const OWN_SHOWS: readonly PresenceShow[] = ['available', 'chat', 'away', 'xa', 'dnd', 'offline']

export const SHOW_KEYS: Record<PresenceShow, MessageKey> = {
  available: 'presence.available',
  chat: 'presence.chat',
  away: 'presence.away',
  xa: 'presence.xa',
  dnd: 'presence.dnd',
  offline: 'presence.offline'
}

/** What we can say about a contact's presence: pending and unshared subscriptions first, else the status. */
export function presenceKey(contact: Pick<ContactView, 'show' | 'subscription' | 'pendingOut'>): MessageKey {
  const sees = contact.subscription === 'both' || contact.subscription === 'to'
  if (!sees && contact.pendingOut) return 'contacts.pending'
  if (!sees) return 'contacts.notShared'
  return SHOW_KEYS[contact.show]
}
