import { xml, type Element } from '../../xml'

export const NS_HINTS = 'urn:xmpp:hints'

/** XEP-0334: ask servers to store (archive, offline) a message that has no body of its own. */
export const storeHint = (): Element => xml('store', { xmlns: NS_HINTS })
export const noStoreHint = (): Element => xml('no-store', { xmlns: NS_HINTS })
