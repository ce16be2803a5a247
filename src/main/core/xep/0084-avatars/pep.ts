import { bare, jidToString, parseJid } from '../../../../shared/jid'
import { CoreError } from '../../errors'
import type { IqCaller } from '../../stream/IqCaller'
import { xml, type Element } from '../../xml'
import { NS_DATA } from '../0004-data-forms'

// The slice of XEP-0060 / XEP-0163 (PEP) that avatars (XEP-0084) and vCard4 (XEP-0292) need.
export const NS_PUBSUB = 'http://jabber.org/protocol/pubsub'
export const NS_PUBSUB_EVENT = 'http://jabber.org/protocol/pubsub#event'
export const NS_PUBSUB_PUBLISH_OPTIONS = 'http://jabber.org/protocol/pubsub#publish-options'

export type AccessModel = 'open' | 'presence'

export interface PepItem {
  id: string
  payload: Element | undefined
}

/** A PEP notification, already checked to be about the account that sent it. */
export interface PepEvent {
  /** Bare JID of the account whose node changed (the sender). */
  jid: string
  node: string
  items: PepItem[]
  retracted: string[]
  /** The node was purged or deleted: all its items are gone. */
  cleared: boolean
}

/**
 * Who a PEP notification is about, or null when it cannot be a genuine one. PEP services send from
 * the owner's bare JID (XEP-0163 §4.3.1); a notification without `from` comes from our own account
 * (RFC 6120 §8.1.2.1). Anything from a full JID (a client forging a notification), a bare domain
 * or an invalid address is refused (XEP-0223 §Security, Dino CVE-2023-28686).
 */
export function pepOwner(from: unknown, ownBareJid: string): string | null {
  if (from === undefined || from === '') return ownBareJid
  if (typeof from !== 'string') return null
  const jid = parseJid(from)
  if (!jid || jid.resource !== '' || jid.local === '') return null
  return jidToString(bare(jid))
}

/** The PEP event in a message, attributed to its sender, or null (no event, or a forged one). */
export function parsePepEvent(message: Element, ownBareJid: string): PepEvent | null {
  const event = message.getChild('event', NS_PUBSUB_EVENT)
  if (!event) return null
  const jid = pepOwner(message.attrs.from, ownBareJid)
  if (!jid) return null
  const items = event.getChild('items')
  const purge = event.getChild('purge')
  const del = event.getChild('delete')
  const node = String((items ?? purge ?? del)?.attrs.node ?? '')
  if (node === '') return null
  return {
    jid,
    node,
    items: (items?.getChildren('item') ?? []).map((i) => ({ id: String(i.attrs.id ?? ''), payload: i.getChildElements()[0] })),
    retracted: (items?.getChildren('retract') ?? []).map((r) => String(r.attrs.id ?? '')),
    cleared: purge !== undefined || del !== undefined
  }
}

/** `<pubsub><items node max_items><item id/>…</items></pubsub>` */
export function itemsRequest(node: string, opts: { ids?: readonly string[]; max?: number } = {}): Element {
  return xml(
    'pubsub',
    { xmlns: NS_PUBSUB },
    xml('items', { node, ...(opts.max ? { max_items: opts.max } : {}) }, ...(opts.ids ?? []).map((id) => xml('item', { id })))
  )
}

export function publishRequest(node: string, item: { id?: string; payload: Element }, access?: AccessModel): Element {
  return xml(
    'pubsub',
    { xmlns: NS_PUBSUB },
    xml('publish', { node }, xml('item', item.id ? { id: item.id } : {}, item.payload)),
    access
      ? xml(
          'publish-options',
          {},
          xml(
            'x',
            { xmlns: NS_DATA, type: 'submit' },
            xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, NS_PUBSUB_PUBLISH_OPTIONS)),
            xml('field', { var: 'pubsub#access_model' }, xml('value', {}, access))
          )
        )
      : null
  )
}

/** Items of a node from an items result `<iq/>`. */
export function itemsOf(iq: Element, node: string): PepItem[] {
  const items = iq.getChild('pubsub', NS_PUBSUB)?.getChild('items')
  if (!items || items.attrs.node !== node) return []
  return items.getChildren('item').map((i) => ({ id: String(i.attrs.id ?? ''), payload: i.getChildElements()[0] }))
}

/** Conditions meaning "nothing published there", as opposed to a failure worth reporting. */
const NOTHING = new Set(['item-not-found', 'feature-not-implemented', 'service-unavailable', 'not-allowed', 'forbidden', 'not-authorized', 'registration-required', 'subscription-required'])

export function isNothingThere(err: unknown): boolean {
  return err instanceof CoreError && err.code === 'stanza-error' && NOTHING.has(err.condition ?? '')
}

/** Items of `node` at `jid` (a bare JID; ours included); an empty list when there is nothing to read. */
export async function fetchItems(caller: IqCaller, jid: string, node: string, opts: { ids?: readonly string[]; max?: number } = {}): Promise<PepItem[]> {
  try {
    return itemsOf(await caller.get(itemsRequest(node, opts), jid), node)
  } catch (err) {
    if (isNothingThere(err)) return []
    throw err
  }
}

/**
 * Publishes to our own PEP node. With an access model the node is created or checked with it
 * (publish-options, XEP-0060 §7.1.5); a server that refuses the precondition (the node exists with
 * another model) gets a plain publish, which keeps the node's existing configuration.
 */
export async function publish(caller: IqCaller, node: string, item: { id?: string; payload: Element }, access?: AccessModel): Promise<void> {
  try {
    await caller.set(publishRequest(node, item, access))
  } catch (err) {
    const condition = err instanceof CoreError ? err.condition : undefined
    if (!access || (condition !== 'conflict' && condition !== 'precondition-not-met' && condition !== 'bad-request')) throw err
    await caller.set(publishRequest(node, item))
  }
}
