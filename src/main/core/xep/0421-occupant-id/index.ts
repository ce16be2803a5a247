import type { Element } from '../../xml'

export const NS_OCCUPANT_ID = 'urn:xmpp:occupant-id:0'

const MAX_ID = 256

/**
 * The XEP-0421 occupant id a room put on a presence or message, or null. Only meaningful when the
 * room announces NS_OCCUPANT_ID: such a room strips ids that senders add themselves (§4), so the id
 * is the room's word. A room without the feature forwards whatever the sender wrote, so callers
 * pass `trusted = false` and get null.
 */
export function parseOccupantId(stanza: Element, trusted: boolean): string | null {
  if (!trusted) return null
  // Several ids mean someone slipped one past the room: believe none of them.
  const ids = stanza.getChildren('occupant-id', NS_OCCUPANT_ID)
  if (ids.length !== 1) return null
  const id = ids[0]?.attrs.id
  return typeof id === 'string' && id !== '' && id.length <= MAX_ID ? id : null
}
