import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { xml, type Element } from '../../../../../../src/main/core/xml'
import type { DiscoModule } from '../../../../../../src/main/core/xep/0030-disco'
import { NS_VCARD_TEMP } from '../../../../../../src/main/core/xep/0054-vcard'
import {
  AvatarCache,
  AvatarModule,
  dataPayload,
  disabledMetadata,
  MAX_OWN_AVATAR_BYTES,
  metadataPayload,
  NS_AVATAR_DATA,
  NS_AVATAR_METADATA,
  sha1Hex
} from '../../../../../../src/main/core/xep/0084-avatars'
import { NS_PUBSUB, NS_PUBSUB_EVENT } from '../../../../../../src/main/core/xep/0084-avatars/pep'
import { NS_PEP_VCARD_CONVERSION, NS_VCARD_UPDATE } from '../../../../../../src/main/core/xep/0153-vcard-avatars'
import { png, SVG } from '../../files/images'
import { fakeContext, payloadOf, settle, stanzaError, type Fake } from './fakeContext'

const OWN = 'romeo@montague.lit'
const JULIET = 'juliet@capulet.lit'
const PIC = png(32, 32, [10, 200, 30])
const PIC_HASH = sha1Hex(PIC)

let dir = ''
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'parley-avm-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

interface World {
  fake: Fake
  avatars: AvatarModule
  cache: AvatarCache
  /** PEP data items per `jid|id`, vCards per JID. */
  data: Map<string, Element>
  vcards: Map<string, Element>
  published: Element[]
  announced: number
  active: number
  maxActive: number
}

function world(opts: { converts?: boolean; rooms?: string[]; delay?: number } = {}): World {
  const fake = fakeContext(OWN, 'montague.lit')
  const cache = new AvatarCache({ dir })
  const w: World = { fake, avatars: undefined as never, cache, data: new Map(), vcards: new Map(), published: [], announced: 0, active: 0, maxActive: 0 }
  const disco = {
    info: async () => ({ identities: [{ category: 'pubsub', type: 'pep', name: '' }], features: opts.converts ? [NS_PEP_VCARD_CONVERSION] : [] })
  } as unknown as DiscoModule
  fake.server = async (iq) => {
    const child = payloadOf(iq)
    const to = String(iq.attrs.to ?? OWN)
    w.active++
    w.maxActive = Math.max(w.maxActive, w.active)
    try {
      if (opts.delay) await new Promise((r) => setTimeout(r, opts.delay))
      if (child.is('pubsub', NS_PUBSUB) && iq.attrs.type === 'get') {
        const items = child.getChild('items')
        const node = String(items?.attrs.node)
        if (node === NS_AVATAR_DATA) {
          const id = String(items?.getChild('item')?.attrs.id)
          const payload = w.data.get(`${to}|${id}`)
          if (!payload) throw stanzaError('item-not-found')
          return xml('pubsub', { xmlns: NS_PUBSUB }, xml('items', { node }, xml('item', { id }, payload)))
        }
        throw stanzaError('item-not-found')
      }
      if (child.is('pubsub', NS_PUBSUB) && iq.attrs.type === 'set') {
        w.published.push(child)
        return null
      }
      if (child.is('vCard', NS_VCARD_TEMP)) {
        if (iq.attrs.type === 'set') {
          w.vcards.set(OWN, child)
          return null
        }
        const v = w.vcards.get(to)
        if (!v) throw stanzaError('item-not-found')
        return v
      }
      throw stanzaError('service-unavailable')
    } finally {
      w.active--
    }
  }
  w.avatars = new AvatarModule(fake.ctx, disco, {
    cache,
    isRoom: (jid) => (opts.rooms ?? []).includes(jid),
    announce: async () => {
      w.announced++
    }
  })
  return w
}

function notification(from: string | undefined, payload: Element, id = PIC_HASH): Element {
  return xml(
    'message',
    { ...(from === undefined ? {} : { from }), to: OWN, type: 'headline' },
    xml('event', { xmlns: NS_PUBSUB_EVENT }, xml('items', { node: NS_AVATAR_METADATA }, xml('item', { id }, payload)))
  )
}

const meta = (id = PIC_HASH, bytes = PIC.length) => metadataPayload({ id, bytes, type: 'image/png', width: 32, height: 32 })
const avatarEvents = (f: Fake) => f.events.filter((e) => e.name === 'avatar').map((e) => e.payload)

describe('AvatarModule: XEP-0084 notifications', () => {
  it('fetches the data by id from the contact, verifies it and reports the hash', async () => {
    const w = world()
    w.data.set(`${JULIET}|${PIC_HASH}`, dataPayload(PIC))
    await w.fake.deliver(notification(JULIET, meta()))
    await settle()
    const fetch = w.fake.iqs.find((iq) => iq.attrs.to === JULIET)
    expect(fetch?.toString()).toContain(`<items node="${NS_AVATAR_DATA}"><item id="${PIC_HASH}"/></items>`)
    expect(avatarEvents(w.fake)).toEqual([{ account: 'acc-1', jid: JULIET, hash: PIC_HASH }])
    expect(w.avatars.avatarOf(JULIET)).toBe(PIC_HASH)
    const image = await w.avatars.avatarBytes(PIC_HASH)
    expect(image).toMatchObject({ type: 'image/png', width: 32, height: 32 })
    expect(image?.bytes.equals(PIC)).toBe(true)
    expect(await w.avatars.avatarDataUrl(PIC_HASH)).toBe(`data:image/png;base64,${PIC.toString('base64')}`)
  })

  it('drops data whose SHA-1 is not the announced id, and does not ask again', async () => {
    const w = world()
    const other = png(8, 8)
    w.data.set(`${JULIET}|${PIC_HASH}`, dataPayload(other))
    await w.fake.deliver(notification(JULIET, meta()))
    await settle()
    await w.fake.deliver(notification(JULIET, meta()))
    await settle()
    expect(avatarEvents(w.fake)).toEqual([])
    expect(w.fake.iqs.filter((iq) => iq.attrs.to === JULIET)).toHaveLength(1)
    expect(await w.cache.has(sha1Hex(other))).toBe(false)
  })

  it('drops SVG or garbage even when its hash matches', async () => {
    const w = world()
    const svgHash = sha1Hex(SVG)
    w.data.set(`${JULIET}|${svgHash}`, dataPayload(SVG))
    await w.fake.deliver(notification(JULIET, metadataPayload({ id: svgHash, bytes: SVG.length, type: 'image/png' }), svgHash))
    await settle()
    expect(avatarEvents(w.fake)).toEqual([])
  })

  it('takes a cached picture without fetching it again', async () => {
    const w = world()
    await w.cache.put(PIC)
    await w.fake.deliver(notification(JULIET, meta()))
    await settle()
    expect(w.fake.iqs).toEqual([])
    expect(avatarEvents(w.fake)).toEqual([{ account: 'acc-1', jid: JULIET, hash: PIC_HASH }])
  })

  it('reports removal: empty metadata, retraction of the current item, purge', async () => {
    const w = world()
    await w.cache.put(PIC)
    await w.fake.deliver(notification(JULIET, meta()))
    await settle()
    await w.fake.deliver(notification(JULIET, disabledMetadata(), 'x'))
    await settle()
    expect(w.avatars.avatarOf(JULIET)).toBeNull()
    await w.fake.deliver(notification('nurse@capulet.lit', meta()))
    await settle()
    await w.fake.deliver(xml('message', { from: 'nurse@capulet.lit' }, xml('event', { xmlns: NS_PUBSUB_EVENT }, xml('items', { node: NS_AVATAR_METADATA }, xml('retract', { id: PIC_HASH })))))
    await settle()
    expect(w.avatars.avatarOf('nurse@capulet.lit')).toBeNull()
    expect(avatarEvents(w.fake).map((e) => [e.jid, e.hash])).toEqual([
      [JULIET, PIC_HASH],
      [JULIET, null],
      ['nurse@capulet.lit', PIC_HASH],
      ['nurse@capulet.lit', null]
    ])
  })

  it('a notification without from is about ourselves', async () => {
    const w = world()
    await w.cache.put(PIC)
    await w.fake.deliver(notification(undefined, meta()))
    await settle()
    expect(avatarEvents(w.fake)).toEqual([{ account: 'acc-1', jid: OWN, hash: PIC_HASH }])
    expect(w.avatars.presenceElement().toString()).toBe(`<x xmlns="${NS_VCARD_UPDATE}"><photo>${PIC_HASH}</photo></x>`)
  })

  it('drops a forged notification (from a full JID), asks nothing and passes it to no one', async () => {
    const w = world()
    w.data.set(`mallory@evil.lit|${PIC_HASH}`, dataPayload(PIC))
    let passedOn = false
    w.fake.ctx.client.use((_ctx, _next) => {
      passedOn = true
    })
    await w.fake.deliver(notification('mallory@evil.lit/phone', meta()))
    await w.fake.deliver(notification('capulet.lit', meta()))
    await settle()
    expect(w.fake.iqs).toEqual([])
    expect(avatarEvents(w.fake)).toEqual([])
    expect(passedOn).toBe(false)
  })

  it('a contact can only speak for themselves: what Mallory publishes is Mallory’s avatar', async () => {
    const w = world()
    await w.cache.put(PIC)
    await w.fake.deliver(notification('mallory@evil.lit', meta()))
    await settle()
    expect(avatarEvents(w.fake)).toEqual([{ account: 'acc-1', jid: 'mallory@evil.lit', hash: PIC_HASH }])
    expect(w.avatars.avatarOf(JULIET)).toBeUndefined()
    expect(w.avatars.avatarOf(OWN)).toBeUndefined()
  })

  it('fetches at most four avatars at a time', async () => {
    const w = world({ delay: 20 })
    const pics = Array.from({ length: 10 }, (_, i) => png(4, 4, [i, i, i]))
    pics.forEach((p, i) => w.data.set(`c${i}@capulet.lit|${sha1Hex(p)}`, dataPayload(p)))
    await Promise.all(pics.map((p, i) => w.fake.deliver(notification(`c${i}@capulet.lit`, metadataPayload({ id: sha1Hex(p), bytes: p.length, type: 'image/png' }), sha1Hex(p)))))
    await new Promise((r) => setTimeout(r, 300))
    expect(avatarEvents(w.fake)).toHaveLength(10)
    expect(w.maxActive).toBeLessThanOrEqual(4)
  })
})

describe('AvatarModule: XEP-0153 vCard avatars', () => {
  const presence = (from: string, photo: string | null) =>
    xml('presence', { from }, xml('x', { xmlns: NS_VCARD_UPDATE }, photo === null ? xml('photo') : xml('photo', {}, photo)))
  const vcard = (bytes: Buffer) => xml('vCard', { xmlns: NS_VCARD_TEMP }, xml('FN', {}, 'x'), xml('PHOTO', {}, xml('TYPE', {}, 'image/png'), xml('BINVAL', {}, bytes.toString('base64'))))

  it('fetches the vCard photo of a contact whose presence announces a new hash', async () => {
    const w = world()
    w.vcards.set(JULIET, vcard(PIC))
    await w.fake.deliver(presence(`${JULIET}/balcony`, PIC_HASH))
    await settle()
    expect(w.fake.iqs.map((iq) => iq.attrs.to)).toEqual([JULIET])
    expect(avatarEvents(w.fake)).toEqual([{ account: 'acc-1', jid: JULIET, hash: PIC_HASH }])
    // The same hash again: nothing to do.
    await w.fake.deliver(presence(`${JULIET}/garden`, PIC_HASH))
    await settle()
    expect(w.fake.iqs).toHaveLength(1)
  })

  it('refuses a vCard photo that does not match the announced hash', async () => {
    const w = world()
    w.vcards.set(JULIET, vcard(png(3, 3)))
    await w.fake.deliver(presence(`${JULIET}/balcony`, PIC_HASH))
    await settle()
    expect(avatarEvents(w.fake)).toEqual([])
  })

  it('an empty photo means no avatar; no photo element means not known', async () => {
    const w = world()
    await w.fake.deliver(xml('presence', { from: `${JULIET}/a` }, xml('x', { xmlns: NS_VCARD_UPDATE })))
    await w.fake.deliver(presence(`${JULIET}/a`, null))
    await settle()
    expect(avatarEvents(w.fake)).toEqual([{ account: 'acc-1', jid: JULIET, hash: null }])
  })

  it('ignores presence hashes for someone whose avatar PEP tells us', async () => {
    const w = world()
    await w.cache.put(PIC)
    await w.fake.deliver(notification(JULIET, meta()))
    await settle()
    await w.fake.deliver(presence(`${JULIET}/a`, 'a'.repeat(40)))
    await settle()
    expect(w.fake.iqs).toEqual([])
    expect(w.avatars.avatarOf(JULIET)).toBe(PIC_HASH)
  })

  it('keeps room occupants apart, asking the room for each one', async () => {
    const w = world({ rooms: ['verona@chat.lit'] })
    w.vcards.set('verona@chat.lit/Tybalt', vcard(PIC))
    await w.fake.deliver(presence('verona@chat.lit/Tybalt', PIC_HASH))
    await settle()
    expect(w.fake.iqs.map((iq) => iq.attrs.to)).toEqual(['verona@chat.lit/Tybalt'])
    expect(avatarEvents(w.fake)).toEqual([{ account: 'acc-1', jid: 'verona@chat.lit/Tybalt', hash: PIC_HASH }])
    expect(w.avatars.avatarOf('verona@chat.lit')).toBeUndefined()
  })

  it('fetches a room avatar by the hash its disco#info gives', async () => {
    const w = world()
    w.vcards.set('verona@chat.lit', vcard(PIC))
    expect(await w.avatars.roomAvatar('verona@chat.lit', PIC_HASH.toUpperCase())).toBe(PIC_HASH)
    expect(await w.avatars.roomAvatar('verona@chat.lit', null)).toBeNull()
  })
})

describe('AvatarModule: our own avatar', () => {
  it('publishes data, then metadata, then the vCard photo, then announces', async () => {
    const w = world()
    w.vcards.set(OWN, xml('vCard', { xmlns: NS_VCARD_TEMP }, xml('FN', {}, 'Romeo'), xml('PHOTO', {}, xml('BINVAL', {}, 'b2xk'))))
    const hash = await w.avatars.setOwnAvatar(PIC)
    expect(hash).toBe(PIC_HASH)
    expect(w.published.map((p) => p.getChild('publish')?.attrs.node)).toEqual([NS_AVATAR_DATA, NS_AVATAR_METADATA])
    expect(w.published[0]?.toString()).toContain(`<item id="${PIC_HASH}"><data xmlns="${NS_AVATAR_DATA}">${PIC.toString('base64')}</data></item>`)
    expect(w.published[1]?.toString()).toContain(`<info id="${PIC_HASH}" bytes="${PIC.length}" type="image/png" width="32" height="32"/>`)
    expect(w.published[0]?.toString()).toContain('<value>open</value>')
    const saved = w.vcards.get(OWN)
    expect(saved?.getChildText('FN')).toBe('Romeo') // the rest of the vCard is kept
    expect(saved?.getChild('PHOTO')?.getChildText('BINVAL')).toBe(PIC.toString('base64'))
    expect(saved?.getChildren('PHOTO')).toHaveLength(1)
    expect(w.announced).toBe(1)
    expect(avatarEvents(w.fake)).toEqual([{ account: 'acc-1', jid: OWN, hash: PIC_HASH }])
    expect(w.avatars.presenceElement().toString()).toContain(PIC_HASH)
  })

  it('leaves vcard-temp alone when the server converts (XEP-0398)', async () => {
    const w = world({ converts: true })
    await w.avatars.setOwnAvatar(PIC)
    expect(w.fake.iqs.some((iq) => payloadOf(iq).is('vCard', NS_VCARD_TEMP))).toBe(false)
    expect(w.published).toHaveLength(2)
  })

  it('refuses what is not a picture or too big to publish', async () => {
    const w = world()
    await expect(w.avatars.setOwnAvatar(SVG)).rejects.toMatchObject({ condition: 'svg-refused' })
    await expect(w.avatars.setOwnAvatar(Buffer.concat([PIC, Buffer.alloc(MAX_OWN_AVATAR_BYTES)]))).rejects.toMatchObject({ condition: 'too-large' })
    w.fake.online = false
    await expect(w.avatars.setOwnAvatar(PIC)).rejects.toMatchObject({ code: 'not-connected' })
    expect(w.published).toEqual([])
  })

  it('removes it with empty metadata and no vCard photo', async () => {
    const w = world()
    await w.avatars.setOwnAvatar(PIC)
    await w.avatars.removeOwnAvatar()
    expect(w.published.at(-1)?.toString()).toContain(`<item><metadata xmlns="${NS_AVATAR_METADATA}"/></item>`)
    expect(w.vcards.get(OWN)?.getChild('PHOTO')).toBeUndefined()
    expect(w.avatars.avatarOf(OWN)).toBeNull()
    expect(w.avatars.presenceElement().toString()).toBe(`<x xmlns="${NS_VCARD_UPDATE}"><photo/></x>`)
  })

  it('learns our own avatar at login and tells XEP-0153 peers', async () => {
    const w = world()
    expect(w.avatars.presenceElement().toString()).toBe(`<x xmlns="${NS_VCARD_UPDATE}"/>`) // not known yet
    const server = w.fake.server
    w.fake.server = (iq) => {
      const items = payloadOf(iq).getChild('items')
      if (items?.attrs.node === NS_AVATAR_METADATA) {
        return xml('pubsub', { xmlns: NS_PUBSUB }, xml('items', { node: NS_AVATAR_METADATA }, xml('item', { id: PIC_HASH }, meta())))
      }
      return server(iq)
    }
    w.data.set(`${OWN}|${PIC_HASH}`, dataPayload(PIC))
    await w.avatars.online(false)
    expect(w.avatars.avatarOf(OWN)).toBe(PIC_HASH)
    expect(w.announced).toBe(1)
  })
})
