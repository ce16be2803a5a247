// XEP-0402 bookmark elements → plain data. Unknown content (<extensions/>) is kept as elements so
// that an update writes back what other clients stored there.
import { jidToString, parseJid } from '../../../../shared/jid'
import { xml, type Element } from '../../xml'

export const NS_BOOKMARKS = 'urn:xmpp:bookmarks:1'
export const NS_BOOKMARKS_COMPAT = `${NS_BOOKMARKS}#compat`
export const NS_BOOKMARKS_NOTIFY = `${NS_BOOKMARKS}+notify`
export const NS_PUBSUB = 'http://jabber.org/protocol/pubsub'
export const NS_PUBSUB_EVENT = `${NS_PUBSUB}#event`
export const NS_PUBSUB_OPTIONS = `${NS_PUBSUB}#publish-options`

const MAX_TEXT = 1024

export interface Bookmark {
  /** The room's bare JID. */
  room: string
  name: string
  autojoin: boolean
  nick: string
  password?: string
  /** XEP-0402 <extensions/> or, for XEP-0048, unknown children of <conference/>: written back unchanged. */
  extra?: Element[]
}

/** A bookmark as the UI sees it: the password stays in the core. */
export interface BookmarkView {
  room: string
  name: string
  autojoin: boolean
  nick: string
  hasPassword: boolean
}

export const toView = (b: Bookmark): BookmarkView => ({ room: b.room, name: b.name, autojoin: b.autojoin, nick: b.nick, hasPassword: b.password !== undefined })

/** The room of an item id or `jid` attribute: a bare JID with a localpart, canonical; else null. */
export function roomOf(s: unknown): string | null {
  const jid = typeof s === 'string' ? parseJid(s) : null
  return jid && jid.local !== '' && jid.resource === '' ? jidToString(jid) : null
}

const isTrue = (v: unknown): boolean => v === 'true' || v === '1'

export function readConference(room: string, conference: Element, extra: Element[]): Bookmark {
  const password = conference.getChildText('password')
  return {
    room,
    name: String(conference.attrs.name ?? '').slice(0, MAX_TEXT),
    autojoin: isTrue(conference.attrs.autojoin),
    nick: (conference.getChildText('nick') ?? '').slice(0, MAX_TEXT),
    ...(password !== null ? { password } : {}),
    // Copies: the originals stay in the stanza they came in.
    ...(extra.length > 0 ? { extra: extra.map(copyElement) } : {})
  }
}

/** XEP-0402 §3: `<item id='room'><conference xmlns='urn:xmpp:bookmarks:1' …/></item>`, or null. */
export function parseBookmarkItem(item: Element): Bookmark | null {
  const room = roomOf(item.attrs.id)
  const conference = item.getChild('conference', NS_BOOKMARKS)
  if (!room || !conference) return null
  const extensions = conference.getChild('extensions')
  return readConference(room, conference, extensions ? [extensions] : [])
}

/** Items of a pubsub `<items/>` (a fetch result or an event), skipping malformed ones. */
export function parseBookmarkItems(items: Element | undefined): Bookmark[] {
  return (items?.getChildren('item') ?? []).map(parseBookmarkItem).filter((b): b is Bookmark => b !== null)
}

/** A bookmarks change pushed by PEP: published items and retracted rooms. */
export interface BookmarksEvent {
  upserted: Bookmark[]
  removed: string[]
  /** `<purge/>` or `<delete/>`: every bookmark is gone. */
  cleared: boolean
}

/**
 * The bookmarks notification a message carries (XEP-0402 §4, XEP-0060 §7.1.2), or null. Whether
 * it may be believed is decided by the caller from the message's `from`.
 */
export function parseBookmarksEvent(message: Element): BookmarksEvent | null {
  const event = message.getChild('event', NS_PUBSUB_EVENT)
  if (!event) return null
  const items = event.getChild('items')
  if (items?.attrs.node === NS_BOOKMARKS) {
    return {
      upserted: parseBookmarkItems(items),
      removed: items
        .getChildren('retract')
        .map((r) => roomOf(r.attrs.id))
        .filter((r): r is string => r !== null),
      cleared: false
    }
  }
  const gone = event.getChild('purge') ?? event.getChild('delete')
  if (gone?.attrs.node === NS_BOOKMARKS) return { upserted: [], removed: [], cleared: true }
  return null
}

/** A deep copy, detached from the stanza it came in (the parser limits the depth). */
export function copyElement(el: Element): Element {
  return xml(el.name, { ...el.attrs }, ...el.children.map((c) => (typeof c === 'string' ? c : copyElement(c as Element))))
}
