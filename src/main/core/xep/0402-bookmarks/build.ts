import { xml, type Element } from '../../xml'
import { NS_DATA } from '../0004-data-forms'
import { NS_BOOKMARKS, NS_PUBSUB, NS_PUBSUB_OPTIONS, type Bookmark } from './parse'

/** XEP-0402 §3: the `<conference/>` payload of one bookmark item. */
export function conferenceElement(b: Bookmark): Element {
  return xml(
    'conference',
    { xmlns: NS_BOOKMARKS, ...(b.name ? { name: b.name } : {}), ...(b.autojoin ? { autojoin: 'true' } : {}) },
    b.nick ? xml('nick', {}, b.nick) : undefined,
    b.password !== undefined ? xml('password', {}, b.password) : undefined,
    ...(b.extra ?? [])
  )
}

/**
 * XEP-0402 §5.1: publish one bookmark, with the node options the XEP requires so that the node
 * keeps every item and only we can read it (passwords are in it).
 */
export function publishBookmark(b: Bookmark): Element {
  const field = (name: string, value: string) => xml('field', { var: name }, xml('value', {}, value))
  return xml(
    'pubsub',
    { xmlns: NS_PUBSUB },
    xml('publish', { node: NS_BOOKMARKS }, xml('item', { id: b.room }, conferenceElement(b))),
    xml(
      'publish-options',
      {},
      xml(
        'x',
        { xmlns: NS_DATA, type: 'submit' },
        xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, NS_PUBSUB_OPTIONS)),
        field('pubsub#persist_items', 'true'),
        field('pubsub#max_items', 'max'),
        field('pubsub#send_last_published_item', 'never'),
        field('pubsub#access_model', 'whitelist')
      )
    )
  )
}

/** XEP-0402 §5.2: remove one bookmark, telling our other devices. */
export function retractBookmark(room: string): Element {
  return xml('pubsub', { xmlns: NS_PUBSUB }, xml('retract', { node: NS_BOOKMARKS, notify: 'true' }, xml('item', { id: room })))
}

/** XEP-0402 §5.3: all bookmarks. */
export const fetchBookmarks = (): Element => xml('pubsub', { xmlns: NS_PUBSUB }, xml('items', { node: NS_BOOKMARKS }))
