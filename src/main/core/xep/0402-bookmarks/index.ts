import { jidToString, parseJid } from '../../../../shared/jid'
import type { AccountId } from '../../../../shared/model/ids'
import type { AccountModule, ModuleContext } from '../../account/module'
import { CoreError, toCoreError } from '../../errors'
import type { Element } from '../../xml'
import type { DiscoModule } from '../0030-disco'
import type { EmitOf } from '../0045-muc/types'
import { fetchBookmarks, publishBookmark, retractBookmark } from './build'
import { legacyStorage, NS_LEGACY_BOOKMARKS, NS_PRIVATE, parseLegacyStorage, privateBookmarksQuery } from './legacy'
import {
  NS_BOOKMARKS_COMPAT,
  NS_BOOKMARKS_NOTIFY,
  NS_PUBSUB,
  parseBookmarkItems,
  parseBookmarksEvent,
  roomOf,
  toView,
  type Bookmark,
  type BookmarksEvent,
  type BookmarkView
} from './parse'

export { NS_BOOKMARKS, NS_BOOKMARKS_COMPAT, NS_BOOKMARKS_NOTIFY, type Bookmark, type BookmarkView } from './parse'

/** Where the bookmarks live: PEP (XEP-0402), private XML storage (XEP-0048/0049), or nowhere we can use. */
export type BookmarkStorage = 'pep' | 'private' | 'none'

export interface BookmarkEvents {
  /**
   * The bookmarks now. `initial` after the fetch of a new session (then `upserted` is all of them:
   * join the autojoin ones); otherwise a change, ours or from another device (XEP-0402 §4).
   */
  bookmarks: { account: AccountId; storage: BookmarkStorage; bookmarks: BookmarkView[]; initial: boolean; upserted: BookmarkView[]; removed: string[] }
}

export type BookmarksContext = Omit<ModuleContext, 'emit'> & { readonly emit: EmitOf<BookmarkEvents> }

export interface BookmarkFields {
  name?: string
  nick?: string
  autojoin?: boolean
  /** undefined keeps the stored one (update) or stores none (add); '' removes it. */
  password?: string
}

export interface Autojoin {
  room: string
  nick: string
  password?: string
}

/**
 * Bookmarks of rooms (XEP-0402, falling back to XEP-0048 in private XML storage): which rooms the
 * user is in across devices, and which to join on login. Notifications are believed only from
 * our own account (XEP-0223 §Security, Dino CVE-2023-28686): a forged one could make us join a
 * room of the attacker's choosing under the user's nick.
 */
export class BookmarksModule implements AccountModule {
  /** XEP-0402 §4: PEP sends us changes because our caps carry this. */
  readonly features = [NS_BOOKMARKS_NOTIFY]
  private items = new Map<string, Bookmark>()
  private where: BookmarkStorage | null = null
  private loaded = false

  constructor(
    private readonly ctx: BookmarksContext,
    private readonly disco: DiscoModule
  ) {
    ctx.client.use(({ stanza }, next) => {
      if (stanza.name !== 'message') return next()
      const event = parseBookmarksEvent(stanza)
      if (!event) return next()
      if (this.fromOwnAccount(stanza)) this.apply(event)
      else ctx.log.warn('dropped a bookmarks notification from someone else', { from: String(stanza.attrs.from ?? '') })
      return undefined
    })
  }

  /** A new session fetches the bookmarks and reports them (`initial`): the caller joins the autojoin ones. */
  async online(resumed: boolean): Promise<void> {
    if (resumed && this.loaded) return
    await this.load(true)
  }

  sessionLost(): void {
    this.where = null
    this.loaded = false
  }

  storage(): BookmarkStorage | null {
    return this.where
  }

  list(): BookmarkView[] {
    return [...this.items.values()].map(toView)
  }

  /** One bookmark with its password, for joining (stays in the core). */
  get(room: string): Bookmark | undefined {
    const b = this.items.get(roomOf(room) ?? '')
    return b ? { ...b } : undefined
  }

  /** The rooms to join now. */
  autojoin(): Autojoin[] {
    return [...this.items.values()]
      .filter((b) => b.autojoin)
      .map((b) => ({ room: b.room, nick: b.nick, ...(b.password !== undefined ? { password: b.password } : {}) }))
  }

  /** Fetches again (e.g. for XEP-0048 storage, which does not notify). */
  async refresh(): Promise<BookmarkView[]> {
    this.requireOnline()
    await this.load(false)
    return this.list()
  }

  /** Adds a bookmark, or replaces the one for that room. */
  async add(room: string, fields: BookmarkFields): Promise<void> {
    const jid = requireRoom(room)
    const before = this.items.get(jid)
    await this.save({
      room: jid,
      name: fields.name ?? '',
      autojoin: fields.autojoin ?? false,
      nick: fields.nick ?? '',
      ...(fields.password ? { password: fields.password } : {}),
      ...(before?.extra ? { extra: before.extra } : {})
    })
  }

  /** Changes some fields of a bookmark (creating it when there is none). */
  async update(room: string, fields: BookmarkFields): Promise<void> {
    const jid = requireRoom(room)
    const before = this.items.get(jid) ?? { room: jid, name: '', autojoin: false, nick: '' }
    const password = fields.password === undefined ? before.password : fields.password || undefined
    const { password: _old, ...rest } = before
    await this.save({
      ...rest,
      ...(fields.name !== undefined ? { name: fields.name } : {}),
      ...(fields.nick !== undefined ? { nick: fields.nick } : {}),
      ...(fields.autojoin !== undefined ? { autojoin: fields.autojoin } : {}),
      ...(password !== undefined ? { password } : {})
    })
  }

  async remove(room: string): Promise<void> {
    const jid = requireRoom(room)
    if ((await this.storageForWriting()) === 'pep') {
      if (!this.items.has(jid)) return
      await this.ctx.client.iqCaller.set(retractBookmark(jid))
      this.apply({ upserted: [], removed: [jid], cleared: false })
      return
    }
    await this.changePrivate((list) => list.filter((b) => b.room !== jid))
  }

  private async save(b: Bookmark): Promise<void> {
    if ((await this.storageForWriting()) === 'pep') {
      await this.ctx.client.iqCaller.set(publishBookmark(b))
      this.apply({ upserted: [b], removed: [], cleared: false })
      return
    }
    await this.changePrivate((list) => [...list.filter((x) => x.room !== b.room), b])
  }

  /** Read, change, write: another device may have changed the storage since we last looked. */
  private async changePrivate(change: (list: Bookmark[]) => Bookmark[]): Promise<void> {
    const current = await this.fetchPrivate()
    const next = change(current.bookmarks)
    await this.ctx.client.iqCaller.set(privateBookmarksQuery(legacyStorage(next, current.others)))
    this.replace(next)
  }

  private async storageForWriting(): Promise<'pep' | 'private'> {
    this.requireOnline()
    if (this.where === null) await this.load(false)
    if (this.where === 'none' || this.where === null) throw new CoreError('unsupported', 'This server stores no bookmarks (XEP-0402 / XEP-0048)')
    return this.where
  }

  private async load(initial: boolean): Promise<void> {
    const found = await this.fetch()
    this.where = found.storage
    const removed = [...this.items.keys()].filter((room) => !found.bookmarks.some((b) => b.room === room))
    this.items = new Map(found.bookmarks.map((b) => [b.room, b]))
    this.loaded = true
    this.emit(initial, this.list(), initial ? [] : removed)
  }

  /**
   * XEP-0402 when the account says so (`#compat`, Prosody and ejabberd) or its node exists; else
   * XEP-0048 in private storage; else none.
   */
  private async fetch(): Promise<{ storage: BookmarkStorage; bookmarks: Bookmark[] }> {
    const announced = this.where === 'pep' || (this.where === null && (await this.disco.accountSupports(NS_BOOKMARKS_COMPAT)))
    if (announced || this.where === null) {
      try {
        const iq = await this.ctx.client.iqCaller.get(fetchBookmarks())
        return { storage: 'pep', bookmarks: parseBookmarkItems(iq.getChild('pubsub', NS_PUBSUB)?.getChild('items')) }
      } catch (err) {
        const e = toCoreError(err)
        // No node yet: no bookmarks yet. Without the announcement it means "use the old storage".
        if (announced && e.condition === 'item-not-found') return { storage: 'pep', bookmarks: [] }
        if (announced || e.code !== 'stanza-error') throw e
      }
    }
    try {
      return { storage: 'private', bookmarks: (await this.fetchPrivate()).bookmarks }
    } catch (err) {
      const e = toCoreError(err)
      if (e.code === 'stanza-error') return { storage: 'none', bookmarks: [] }
      throw e
    }
  }

  private async fetchPrivate(): Promise<{ bookmarks: Bookmark[]; others: Element[] }> {
    const iq = await this.ctx.client.iqCaller.get(privateBookmarksQuery())
    return parseLegacyStorage(iq.getChild('query', NS_PRIVATE)?.getChild('storage', NS_LEGACY_BOOKMARKS))
  }

  /** Takes a fresh list as the truth, reporting what differs from what we knew. */
  private replace(bookmarks: Bookmark[]): void {
    const fresh = new Map(bookmarks.map((b) => [b.room, b]))
    const removed = [...this.items.keys()].filter((r) => !fresh.has(r))
    const upserted = bookmarks.filter((b) => !sameView(b, this.items.get(b.room)))
    this.items = fresh
    if (removed.length > 0 || upserted.length > 0) this.emit(false, upserted.map(toView), removed)
  }

  private apply(event: BookmarksEvent): void {
    const removed = event.cleared ? [...this.items.keys()] : event.removed.filter((r) => this.items.has(r))
    if (event.cleared) this.items.clear()
    for (const room of event.removed) this.items.delete(room)
    for (const b of event.upserted) this.items.set(b.room, b)
    this.emit(false, event.upserted.map(toView), removed)
  }

  /** XEP-0223 §Security: our own bare JID, or no `from` (the server on our behalf). Not a full JID. */
  private fromOwnAccount(stanza: Element): boolean {
    const from = stanza.attrs.from
    if (from === undefined) return true
    const jid = parseJid(String(from))
    return jid !== null && jid.resource === '' && jidToString(jid) === this.ctx.ownBareJid()
  }

  private emit(initial: boolean, upserted: BookmarkView[], removed: string[]): void {
    this.ctx.emit('bookmarks', { account: this.ctx.account, storage: this.where ?? 'none', bookmarks: this.list(), initial, upserted, removed })
  }

  private requireOnline(): void {
    if (!this.ctx.isOnline()) throw new CoreError('not-connected', 'The account is not connected')
  }
}

function sameView(a: Bookmark, b: Bookmark | undefined): boolean {
  if (!b) return false
  const x = toView(a)
  const y = toView(b)
  return x.name === y.name && x.autojoin === y.autojoin && x.nick === y.nick && x.hasPassword === y.hasPassword && a.password === b.password
}

function requireRoom(room: string): string {
  const jid = roomOf(room)
  if (!jid) throw new CoreError('invalid-argument', `Not a room address: ${room}`)
  return jid
}
