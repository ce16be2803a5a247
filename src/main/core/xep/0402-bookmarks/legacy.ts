// XEP-0048 bookmarks in private XML storage (XEP-0049): the fallback for servers without
// XEP-0402. One <storage/> holds every bookmark and is replaced as a whole, so a change is a
// read-modify-write, and what we do not understand (<url/> bookmarks, unknown children) is written
// back as it came. Private storage sends no notifications: other devices see changes on next login.
import { xml, type Element } from '../../xml'
import { copyElement, readConference, roomOf, type Bookmark } from './parse'

export const NS_PRIVATE = 'jabber:iq:private'
export const NS_LEGACY_BOOKMARKS = 'storage:bookmarks'

/** XEP-0048 §3: every `<conference jid='room'/>` of a `<storage xmlns='storage:bookmarks'/>`. */
export function parseLegacyStorage(storage: Element | undefined): { bookmarks: Bookmark[]; others: Element[] } {
  const bookmarks: Bookmark[] = []
  const others: Element[] = []
  for (const child of storage?.getChildElements() ?? []) {
    const room = child.name === 'conference' ? roomOf(child.attrs.jid) : null
    if (!room) {
      // <url/> bookmarks and anything else we do not show stay as they are.
      others.push(copyElement(child))
      continue
    }
    const extra = child.getChildElements().filter((c) => c.name !== 'nick' && c.name !== 'password')
    bookmarks.push(readConference(room, child, extra))
  }
  return { bookmarks, others }
}

/** XEP-0049 §2.2 with XEP-0048's payload: ask for the stored bookmarks. */
export const privateBookmarksQuery = (storage?: Element): Element =>
  xml('query', { xmlns: NS_PRIVATE }, storage ?? xml('storage', { xmlns: NS_LEGACY_BOOKMARKS }))

/** XEP-0048 §3: the whole `<storage/>`, with what we do not understand written back as it came. */
export function legacyStorage(bookmarks: readonly Bookmark[], others: readonly Element[]): Element {
  return xml(
    'storage',
    { xmlns: NS_LEGACY_BOOKMARKS },
    ...bookmarks.map((b) =>
      xml(
        'conference',
        { jid: b.room, ...(b.name ? { name: b.name } : {}), autojoin: b.autojoin ? 'true' : 'false' },
        b.nick ? xml('nick', {}, b.nick) : undefined,
        b.password !== undefined ? xml('password', {}, b.password) : undefined,
        ...(b.extra ?? [])
      )
    ),
    ...others
  )
}
