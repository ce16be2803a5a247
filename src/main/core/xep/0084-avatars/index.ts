import { bare, jidToString, parseJid } from '../../../../shared/jid'
import type { AccountId } from '../../../../shared/model/ids'
import type { AccountModule, ModuleContext } from '../../account/module'
import { CoreError, toCoreError } from '../../errors'
import { BoundedMap } from '../../util/BoundedMap'
import { xml, type Element } from '../../xml'
import type { DiscoModule } from '../0030-disco'
import { NS_VCARD_TEMP, vcardTempPhoto, withPhoto } from '../0054-vcard/vcardTemp'
import { NS_PEP_VCARD_CONVERSION, parsePhotoUpdate, photoUpdateElement } from '../0153-vcard-avatars'
import { dataPayload, disabledMetadata, metadataPayload } from './build'
import type { AvatarCache } from './cache'
import { dataText, decodeBase64, NS_AVATAR_DATA, NS_AVATAR_METADATA, parseMetadata, pickInfo, sha1Hex } from './parse'
import { fetchItems, isNothingThere, parsePepEvent, publish, type AccessModel, type PepEvent } from './pep'

export { AvatarCache, type Avatar, type AvatarCacheOptions } from './cache'
export { NS_AVATAR_DATA, NS_AVATAR_METADATA, parseMetadata, pickInfo, decodeBase64, sha1Hex, isAvatarHash, type AvatarInfo, type AvatarMetadata } from './parse'
export { dataPayload, metadataPayload, disabledMetadata } from './build'
export { parsePepEvent, pepOwner, type PepEvent, type AccessModel } from './pep'

/** What this module reports (to be added to CoreEvents; see the wiring notes). */
export interface AvatarEvents {
  /**
   * Someone's avatar changed: a contact's or our own (bare JID), a room's (bare room JID), or a
   * room occupant's (full `room@service/nick`). `hash` is the SHA-1 under which `avatarBytes()`
   * has the image, or null when they have none.
   */
  avatar: { account: AccountId; jid: string; hash: string | null }
}

type AvatarEmit = <K extends keyof AvatarEvents>(name: K, payload: AvatarEvents[K]) => void

export interface AvatarModuleOptions {
  /** Shared by all accounts (content-addressed). */
  cache: AvatarCache
  /** Whether a bare JID is a group chat we are in: its occupants' avatars are kept per full JID. */
  isRoom?: (bareJid: string) => boolean
  /** Re-sends our presence (PresenceModule.broadcast), so that XEP-0153 peers learn a new hash. */
  announce?: () => Promise<void>
  /** Access model of our avatar nodes (default `open`: rooms and non-contacts may see it too). */
  access?: AccessModel
  /** Avatar downloads at the same time (default 4): a roster of 500 must not flood the server. */
  concurrency?: number
}

export interface AvatarImage {
  hash: string
  bytes: Buffer
  type: string
  width: number
  height: number
}

/**
 * What we publish must fit in one stanza with its base64 (Prosody accepts 256 KiB per c2s stanza).
 * The renderer scales larger pictures down (canvas) before calling setOwnAvatar.
 */
export const MAX_OWN_AVATAR_BYTES = 160 * 1024
const KNOWN = 10_000

/**
 * Avatars: XEP-0084 (PEP metadata notifications, data fetched by id), with XEP-0153 (vCard photo
 * hashes in presence) for peers and rooms without PEP, and XEP-0398 noted: when the server converts
 * between the two itself, we publish to PEP only. Every image is checked (SHA-1 equals the announced
 * id, PNG/JPEG/GIF/WebP, size and pixel limits) before it reaches the content-addressed cache. PEP
 * notifications count only from the account they are about.
 */
export class AvatarModule implements AccountModule {
  readonly features = [`${NS_AVATAR_METADATA}+notify`]
  private readonly current = new BoundedMap<string, string | null>(KNOWN)
  /** JIDs whose avatar we know from PEP: their presence hashes (XEP-0153) are then ignored. */
  private readonly viaPep = new Set<string>()
  /** `jid|hash` that could not be fetched or verified this session: not asked for again. */
  private readonly failed = new BoundedMap<string, true>(KNOWN)
  private readonly inflight = new Map<string, Promise<boolean>>()
  private readonly waiting: (() => void)[] = []
  private running = 0
  private own: string | null | undefined = undefined
  private readonly emit: AvatarEmit

  constructor(
    private readonly ctx: ModuleContext,
    private readonly disco: DiscoModule,
    private readonly options: AvatarModuleOptions
  ) {
    // Until CoreEvents lists `avatar`, the emitter is narrowed here (the emitter itself is untyped).
    this.emit = ctx.emit as unknown as AvatarEmit
    ctx.client.use(({ stanza }, next) => {
      if (stanza.name === 'presence') {
        this.onPresence(stanza)
        return next() // presence belongs to the presence module too
      }
      if (stanza.name !== 'message') return next()
      const event = parsePepEvent(stanza, ctx.ownBareJid())
      if (!event) {
        if (this.isForgedEvent(stanza)) return undefined
        return next()
      }
      if (event.node !== NS_AVATAR_METADATA) return next()
      void this.onMetadata(event)
      return undefined
    })
  }

  async online(resumed: boolean): Promise<void> {
    if (resumed) return
    // Our own avatar at login: for our UI, and for the hash our presence carries (XEP-0153).
    const before = this.own
    await this.refresh(this.ctx.ownBareJid()).catch((err: unknown) => this.ctx.log.debug('own avatar unknown', { err: String(err) }))
    // XEP-0153 §4.1: the first presence said "not known yet"; now say it, unless the server does (XEP-0398).
    if (this.own !== before && this.own !== undefined && !(await this.serverConverts())) await this.options.announce?.()
  }

  sessionLost(): void {
    this.viaPep.clear()
    this.failed.clear()
  }

  /** The `<x xmlns='vcard-temp:x:update'/>` for our presence (PresenceModule's decorations). */
  presenceElement(): Element {
    return photoUpdateElement(this.own)
  }

  /** The avatar hash known for a JID: a hash, null (none), or undefined (not known yet). */
  avatarOf(jid: string): string | null | undefined {
    return this.current.get(jid)
  }

  async avatarBytes(hash: string): Promise<AvatarImage | null> {
    const a = await this.options.cache.get(hash)
    return a ? { hash: a.hash, bytes: a.bytes, type: a.info.mime, width: a.info.width, height: a.info.height } : null
  }

  /** A `data:` URL of an avatar, for the renderer (its CSP allows data: images). */
  async avatarDataUrl(hash: string): Promise<string | null> {
    const a = await this.avatarBytes(hash)
    return a ? `data:${a.type};base64,${a.bytes.toString('base64')}` : null
  }

  /**
   * Asks for someone's avatar now (a profile opened, a JID that sends us no notifications): their
   * XEP-0084 metadata, else their vCard photo. Resolves with the hash, or null when they have none.
   */
  async refresh(jid: string): Promise<string | null> {
    const target = bareString(jid)
    if (!target) throw new CoreError('invalid-argument', `Not a valid address: ${jid}`)
    const items = await fetchItems(this.ctx.client.iqCaller, target, NS_AVATAR_METADATA, { max: 1 })
    if (items.length > 0) {
      await this.onMetadata({ jid: target, node: NS_AVATAR_METADATA, items: items.slice(-1), retracted: [], cleared: false })
      return this.current.get(target) ?? null
    }
    return this.fromVCard(target, undefined)
  }

  /**
   * A room's avatar (XEP-0486: its vcard-temp, with the hash from the room's disco#info form or
   * presence). Fetched only when the hash is new; the bytes must match it.
   */
  async roomAvatar(roomJid: string, hash: string | null): Promise<string | null> {
    const room = bareString(roomJid)
    if (!room) throw new CoreError('invalid-argument', `Not a valid address: ${roomJid}`)
    if (hash === null) {
      this.setHash(room, null)
      return null
    }
    return this.fromVCard(room, hash.toLowerCase())
  }

  /**
   * Publishes our avatar: PEP data, then metadata (XEP-0084 §4.1 order: nobody is told about data
   * that is not there yet), then the vcard-temp PHOTO for XEP-0153 peers unless the server converts
   * (XEP-0398), then our presence with the new hash. The type is taken from the bytes.
   */
  async setOwnAvatar(bytes: Uint8Array): Promise<string> {
    if (!this.ctx.isOnline()) throw new CoreError('not-connected', 'The account is not connected')
    if (bytes.byteLength > MAX_OWN_AVATAR_BYTES) {
      throw new CoreError('invalid-argument', `The picture is ${bytes.byteLength} bytes; scale it below ${MAX_OWN_AVATAR_BYTES}`, { condition: 'too-large' })
    }
    const { hash, info } = await this.options.cache.put(bytes)
    const { iqCaller } = this.ctx.client
    const access = this.options.access ?? 'open'
    await publish(iqCaller, NS_AVATAR_DATA, { id: hash, payload: dataPayload(bytes) }, access)
    await publish(
      iqCaller,
      NS_AVATAR_METADATA,
      { id: hash, payload: metadataPayload({ id: hash, bytes: bytes.byteLength, type: info.mime, width: info.width, height: info.height }) },
      access
    )
    if (!(await this.serverConverts())) await this.setVCardPhoto({ type: info.mime, base64: Buffer.from(bytes).toString('base64') })
    this.viaPep.add(this.ctx.ownBareJid())
    this.setHash(this.ctx.ownBareJid(), hash)
    await this.options.announce?.()
    return hash
  }

  /** Removes our avatar: an empty metadata item (XEP-0084 §4.6) and, where needed, no vCard PHOTO. */
  async removeOwnAvatar(): Promise<void> {
    if (!this.ctx.isOnline()) throw new CoreError('not-connected', 'The account is not connected')
    await publish(this.ctx.client.iqCaller, NS_AVATAR_METADATA, { payload: disabledMetadata() }, this.options.access ?? 'open')
    if (!(await this.serverConverts())) await this.setVCardPhoto(null)
    this.viaPep.add(this.ctx.ownBareJid())
    this.setHash(this.ctx.ownBareJid(), null)
    await this.options.announce?.()
  }

  // ---- incoming ----------------------------------------------------------------------------------

  private async onMetadata(event: PepEvent): Promise<void> {
    const { jid } = event
    this.viaPep.add(jid)
    const last = event.items.at(-1)
    if (!last) {
      const current = this.current.get(jid)
      if (event.cleared || (current && event.retracted.includes(current))) this.setHash(jid, null)
      return
    }
    const metadata = last.payload ? parseMetadata(last.payload) : null
    if (!metadata) return
    if (metadata.kind === 'disabled') {
      this.setHash(jid, null)
      return
    }
    const info = pickInfo(metadata.infos, this.options.cache.maxBytes)
    if (!info) {
      this.ctx.log.debug('no usable avatar encoding', { jid })
      return
    }
    if (this.current.get(jid) === info.id) return
    const ok = await this.ensure(jid, info.id, () => this.fetchPepData(jid, info.id))
    if (ok) this.setHash(jid, info.id)
  }

  /** XEP-0153: a presence's photo hash, for those whose avatar PEP does not tell us. */
  private onPresence(stanza: Element): void {
    if (stanza.attrs.type !== undefined) return // only available presence announces photos
    const from = parseJid(String(stanza.attrs.from ?? ''))
    if (!from) return
    const bareJid = jidToString(bare(from))
    const room = this.options.isRoom?.(bareJid) ?? false
    // In a room, each occupant (room/nick) is someone else; outside, resources are one person.
    const key = room ? jidToString(from) : bareJid
    if (!room && this.viaPep.has(key)) return
    const update = parsePhotoUpdate(stanza)
    if (update.kind === 'absent' || update.kind === 'unknown') return
    if (update.kind === 'none') {
      this.setHash(key, null)
      return
    }
    if (this.current.get(key) === update.hash) return
    void this.fromVCard(key, update.hash).catch((err: unknown) => this.ctx.log.debug('vCard avatar failed', { key, err: String(err) }))
  }

  /**
   * A message that carries a pubsub event but is no genuine PEP notification (from a full JID, a
   * domain, or a malformed address): dropped, so that no later module mistakes it for one.
   */
  private isForgedEvent(stanza: Element): boolean {
    const event = stanza.getChild('event', 'http://jabber.org/protocol/pubsub#event')
    const node = event?.getChild('items')?.attrs.node
    if (node !== NS_AVATAR_METADATA && node !== NS_AVATAR_DATA) return false
    this.ctx.log.info('dropped an avatar notification that is not from the account it is about', { from: String(stanza.attrs.from ?? '') })
    return true
  }

  /** Avatar from a vCard photo; with `expected`, only if it hashes to that. */
  private async fromVCard(key: string, expected: string | undefined): Promise<string | null> {
    if (expected !== undefined && this.current.get(key) === expected) return expected
    let hash: string | null = expected ?? null
    const ok = await this.ensure(key, expected ?? `vcard:${key}`, async () => {
      hash = await this.fetchVCardPhoto(key, expected)
      return hash !== null
    })
    if (ok && hash) this.setHash(key, hash)
    else if (expected === undefined) this.setHash(key, null)
    return ok ? hash : null
  }

  // ---- fetching ----------------------------------------------------------------------------------

  /**
   * Runs `fetch` unless the avatar is cached, the same hash is already being fetched, or it failed
   * for this JID before; at most `concurrency` at a time. Resolves true when the hash is cached.
   */
  private async ensure(jid: string, hash: string, fetch: () => Promise<boolean>): Promise<boolean> {
    // `vcard:<jid>` stands for "whatever photo their vCard has" (an explicit refresh): not cached
    // by hash, and not remembered as failed, since the user asked.
    const real = !hash.startsWith('vcard:')
    if (real && (await this.options.cache.has(hash))) return true
    if (this.failed.has(`${jid}|${hash}`)) return false
    let pending = this.inflight.get(hash)
    if (!pending) {
      pending = this.limited(fetch).finally(() => this.inflight.delete(hash))
      this.inflight.set(hash, pending)
    }
    try {
      if (await pending) return true
    } catch (err) {
      this.ctx.log.debug('avatar fetch failed', { jid, hash, err: toCoreError(err).detail })
    }
    if (real) this.failed.set(`${jid}|${hash}`, true)
    return false
  }

  private async limited<T>(run: () => Promise<T>): Promise<T> {
    const max = this.options.concurrency ?? 4
    if (this.running >= max) await new Promise<void>((resolve) => this.waiting.push(resolve))
    this.running++
    try {
      return await run()
    } finally {
      this.running--
      this.waiting.shift()?.()
    }
  }

  private async fetchPepData(jid: string, id: string): Promise<boolean> {
    const items = await fetchItems(this.ctx.client.iqCaller, jid, NS_AVATAR_DATA, { ids: [id] })
    const text = dataText(items.find((i) => i.id === id)?.payload)
    if (text === null) return false
    const bytes = decodeBase64(text, this.options.cache.maxBytes)
    if (!bytes) return false
    await this.options.cache.put(bytes, id) // verifies SHA-1 = id, and the image
    return true
  }

  /** The vCard PHOTO of `jid` (its bytes must hash to `expected` when given); its hash, or null. */
  private async fetchVCardPhoto(jid: string, expected: string | undefined): Promise<string | null> {
    const own = jid === this.ctx.ownBareJid()
    let iq: Element
    try {
      iq = await this.ctx.client.iqCaller.get(xml('vCard', { xmlns: NS_VCARD_TEMP }), own ? undefined : jid)
    } catch (err) {
      if (isNothingThere(err)) return null
      throw err
    }
    const vcard = iq.getChild('vCard', NS_VCARD_TEMP)
    const photo = vcard ? vcardTempPhoto(vcard) : null
    if (!photo || !('binval' in photo)) return null // EXTVAL: a URL we do not fetch behind the user's back
    const bytes = decodeBase64(photo.binval, this.options.cache.maxBytes)
    if (!bytes) return null
    const hash = sha1Hex(bytes)
    if (expected !== undefined && hash !== expected) {
      this.ctx.log.debug('vCard photo does not match the announced hash', { jid })
      return null
    }
    await this.options.cache.put(bytes, hash)
    return hash
  }

  // ---- own ---------------------------------------------------------------------------------------

  private async serverConverts(): Promise<boolean> {
    const info = await this.disco.info(this.ctx.ownBareJid()).catch(() => null)
    return info?.features.includes(NS_PEP_VCARD_CONVERSION) ?? false
  }

  /** Replaces the PHOTO of our vcard-temp, keeping everything else in it. */
  private async setVCardPhoto(photo: { type: string; base64: string } | null): Promise<void> {
    const { iqCaller } = this.ctx.client
    const current = await iqCaller.get(xml('vCard', { xmlns: NS_VCARD_TEMP })).then(
      (iq) => iq.getChild('vCard', NS_VCARD_TEMP),
      (err: unknown) => {
        if (isNothingThere(err)) return undefined
        throw err
      }
    )
    await iqCaller.set(withPhoto(current, photo))
  }

  private setHash(jid: string, hash: string | null): void {
    if (jid === this.ctx.ownBareJid()) this.own = hash
    if (this.current.has(jid) && this.current.get(jid) === hash) return
    this.current.set(jid, hash)
    this.emit('avatar', { account: this.ctx.account, jid, hash })
  }
}

function bareString(jid: string): string | null {
  const parsed = parseJid(jid)
  return parsed ? jidToString(bare(parsed)) : null
}
