import { bare, jidToString, parseJid } from '../../../../shared/jid'
import type { AccountModule, ModuleContext } from '../../account/module'
import { CoreError } from '../../errors'
import type { AccountId } from '../../../../shared/model/ids'
import { BoundedMap } from '../../util/BoundedMap'
import { xml, type Element } from '../../xml'
import type { DiscoModule } from '../0030-disco'
import { fetchItems, isNothingThere, parsePepEvent, publish, type AccessModel } from '../0084-avatars/pep'
import { NS_PEP_VCARD_CONVERSION } from '../0153-vcard-avatars'
import { displayNameOf, emptyProfile, normaliseProfile, type Profile } from './profile'
import { buildVCard4, NODE_VCARD4, NS_VCARD4, parseVCard4, VCARD4_ITEM } from './vcard4'
import { buildVCardTemp, NS_VCARD_TEMP, parseVCardTemp } from './vcardTemp'

export * from './profile'
export { NS_VCARD4, NODE_VCARD4, parseVCard4, buildVCard4 } from './vcard4'
export { NS_VCARD_TEMP, parseVCardTemp, buildVCardTemp, vcardTempPhoto, withPhoto, type VCardPhoto } from './vcardTemp'

/** What this module reports (to be added to CoreEvents; see the wiring notes). */
export interface ProfileEvents {
  /** A contact (or we) published a new vCard4; `profile` is what it now says. */
  profile: { account: AccountId; jid: string; profile: Profile }
}

type ProfileEmit = <K extends keyof ProfileEvents>(name: K, payload: ProfileEvents[K]) => void

const CACHE_SIZE = 2_000

/**
 * Profiles: vCard4 over PEP (XEP-0292) where the account has PEP, vcard-temp (XEP-0054) otherwise
 * and as the fallback for contacts who published no vCard4. Contacts' vCard4 updates arrive as PEP
 * notifications (`+notify`), accepted only from the account they are about.
 */
export class VCardModule implements AccountModule {
  readonly features = [`${NODE_VCARD4}+notify`]
  private readonly cache = new BoundedMap<string, Promise<Profile>>(CACHE_SIZE)
  private readonly names = new BoundedMap<string, string | null>(CACHE_SIZE)

  constructor(
    private readonly ctx: ModuleContext,
    private readonly disco: DiscoModule
  ) {
    ctx.client.use(({ stanza }, next) => {
      if (stanza.name !== 'message') return next()
      const event = parsePepEvent(stanza, ctx.ownBareJid())
      if (!event || event.node !== NODE_VCARD4) return next()
      const vcard = event.items.at(-1)?.payload
      if (vcard?.is('vcard', NS_VCARD4)) this.learn(event.jid, parseVCard4(vcard), true)
      else if (event.cleared || event.retracted.length > 0) this.forget(event.jid)
      return undefined
    })
  }

  sessionLost(): void {
    this.cache.clear()
  }

  /** The name someone gave themselves, if their profile is known (no network): for display. */
  displayName(jid: string): string | null {
    return this.names.get(key(jid)) ?? null
  }

  /**
   * A profile: vCard4 from the contact's PEP, else their vcard-temp. A MUC occupant (a full JID)
   * is asked through the room (vcard-temp only). Someone with neither gets an empty profile.
   */
  get(jid: string, opts: { fresh?: boolean } = {}): Promise<Profile> {
    const k = key(jid)
    if (k === '') return Promise.reject(new CoreError('invalid-argument', `Not a valid address: ${jid}`))
    let pending = opts.fresh ? undefined : this.cache.get(k)
    if (!pending) {
      pending = this.fetch(k)
      pending.catch(() => {
        if (this.cache.get(k) === pending) this.cache.delete(k)
      })
      this.cache.set(k, pending)
    }
    return pending
  }

  /**
   * Saves our profile: as vCard4 on PEP when the account has PEP (and as vcard-temp too, for
   * XEP-0054 clients, unless the server converts itself, XEP-0398); as vcard-temp otherwise. The
   * vcard-temp keeps its PHOTO and other elements. vCard4 access defaults to our contacts only.
   */
  async setOwn(profile: Partial<Profile>, opts: { access?: AccessModel } = {}): Promise<void> {
    if (!this.ctx.isOnline()) throw new CoreError('not-connected', 'The account is not connected')
    const p = normaliseProfile(profile)
    const own = this.ctx.ownBareJid()
    const info = await this.disco.info(own).catch(() => null)
    const pep = info?.identities.some((i) => i.category === 'pubsub' && i.type === 'pep') ?? false
    const converts = info?.features.includes(NS_PEP_VCARD_CONVERSION) ?? false
    const { iqCaller } = this.ctx.client
    if (pep) await publish(iqCaller, NODE_VCARD4, { id: VCARD4_ITEM, payload: buildVCard4(p) }, opts.access ?? 'presence')
    if (!pep || !converts) {
      const current = await iqCaller.get(xml('vCard', { xmlns: NS_VCARD_TEMP })).then(
        (iq) => iq.getChild('vCard', NS_VCARD_TEMP),
        (err: unknown) => {
          if (isNothingThere(err)) return undefined
          throw err
        }
      )
      await iqCaller.set(buildVCardTemp(p, current))
    }
    this.learn(own, p, true)
  }

  private async fetch(jid: string): Promise<Profile> {
    const parsed = parseJid(jid)
    if (parsed && parsed.resource === '') {
      const items = await fetchItems(this.ctx.client.iqCaller, jid, NODE_VCARD4, { max: 1 })
      const vcard = items.at(-1)?.payload
      if (vcard?.is('vcard', NS_VCARD4)) {
        const profile = parseVCard4(vcard)
        this.learn(jid, profile, false)
        return profile
      }
    }
    const profile = await this.fetchVCardTemp(jid)
    this.learn(jid, profile, false)
    return profile
  }

  private async fetchVCardTemp(jid: string): Promise<Profile> {
    try {
      const own = jid === this.ctx.ownBareJid()
      // Our own vCard is asked without `to` (XEP-0054 §3.1); anyone else's at their address.
      const iq = await this.ctx.client.iqCaller.get(xml('vCard', { xmlns: NS_VCARD_TEMP }), own ? undefined : jid)
      const vcard: Element | undefined = iq.getChild('vCard', NS_VCARD_TEMP)
      return vcard ? parseVCardTemp(vcard) : emptyProfile()
    } catch (err) {
      if (isNothingThere(err)) return emptyProfile()
      throw err
    }
  }

  private learn(jid: string, profile: Profile, announce: boolean): void {
    this.cache.set(jid, Promise.resolve(profile))
    this.names.set(jid, displayNameOf(profile))
    if (announce) (this.ctx.emit as unknown as ProfileEmit)('profile', { account: this.ctx.account, jid, profile })
  }

  private forget(jid: string): void {
    this.learn(jid, emptyProfile(), true)
  }
}

/** Bare JIDs for accounts, full JIDs kept for MUC occupants; '' when invalid. */
function key(jid: string): string {
  const parsed = parseJid(jid)
  if (!parsed) return ''
  return jidToString(parsed.resource === '' ? bare(parsed) : parsed)
}
