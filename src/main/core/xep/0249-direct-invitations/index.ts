import { parseJid, jidToString } from '../../../../shared/jid'
import { xml, type Element } from '../../xml'

export const NS_CONFERENCE = 'jabber:x:conference'

const MAX_TEXT = 1024

export interface DirectInvitation {
  /** The room's bare JID. */
  room: string
  reason: string
  password?: string
  /** XEP-0249 §2: the invitation continues this one-to-one thread in the room. */
  continue?: boolean
  thread?: string
}

/** XEP-0249 §2: an invitation sent straight to the invitee (not through the room). */
export function directInvitation(to: string, id: string, inv: DirectInvitation): Element {
  return xml(
    'message',
    { to, id },
    xml('x', {
      xmlns: NS_CONFERENCE,
      jid: inv.room,
      ...(inv.reason ? { reason: inv.reason } : {}),
      ...(inv.password ? { password: inv.password } : {}),
      ...(inv.continue ? { continue: 'true' } : {}),
      ...(inv.thread ? { thread: inv.thread } : {})
    })
  )
}

/**
 * The invitation a message carries, or null. The room must be a bare JID with a localpart: an
 * invitation is only a suggestion shown to the user, and a malformed one is not worth showing.
 */
export function parseDirectInvitation(message: Element): DirectInvitation | null {
  const x = message.getChild('x', NS_CONFERENCE)
  const room = parseJid(String(x?.attrs.jid ?? ''))
  if (!x || !room || room.local === '' || room.resource !== '') return null
  const text = (name: string): string => (typeof x.attrs[name] === 'string' ? String(x.attrs[name]).slice(0, MAX_TEXT) : '')
  const password = text('password')
  const thread = text('thread')
  return {
    room: jidToString(room),
    reason: text('reason'),
    ...(password ? { password } : {}),
    ...(x.attrs.continue === 'true' || x.attrs.continue === '1' ? { continue: true } : {}),
    ...(thread ? { thread } : {})
  }
}
