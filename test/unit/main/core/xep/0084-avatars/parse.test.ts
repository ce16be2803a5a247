import { describe, expect, it } from 'vitest'
import { xml } from '../../../../../../src/main/core/xml'
import {
  dataPayload,
  decodeBase64,
  disabledMetadata,
  isAvatarHash,
  metadataPayload,
  NS_AVATAR_DATA,
  NS_AVATAR_METADATA,
  parseMetadata,
  parsePepEvent,
  pepOwner,
  pickInfo,
  sha1Hex
} from '../../../../../../src/main/core/xep/0084-avatars'
import { itemsOf, itemsRequest, NS_PUBSUB, NS_PUBSUB_EVENT, publishRequest } from '../../../../../../src/main/core/xep/0084-avatars/pep'

const ID = '111f4b3c50d7b0df729d299bc6f8e9ef9066971f'
const ID2 = 'e279f80c38f99c1e7e53e262b440993b2f7eea57'

describe('XEP-0084 metadata', () => {
  it('builds metadata and data as in §4.1–4.2', () => {
    expect(metadataPayload({ id: ID, bytes: 12345, type: 'image/png', width: 64, height: 64 }).toString()).toBe(
      `<metadata xmlns="${NS_AVATAR_METADATA}"><info id="${ID}" bytes="12345" type="image/png" width="64" height="64"/></metadata>`
    )
    expect(dataPayload(Buffer.from('abc')).toString()).toBe(`<data xmlns="${NS_AVATAR_DATA}">YWJj</data>`)
    expect(disabledMetadata().toString()).toBe(`<metadata xmlns="${NS_AVATAR_METADATA}"/>`)
  })

  it('parses infos, skipping malformed ones; no info means disabled', () => {
    const m = xml(
      'metadata',
      { xmlns: NS_AVATAR_METADATA },
      xml('info', { id: ID.toUpperCase(), bytes: '12345', type: 'image/png', width: '64', height: '64' }),
      xml('info', { id: ID2, bytes: '23456', type: 'image/gif', url: 'http://avatars.example.org/happy.gif' }),
      xml('info', { id: 'not-a-hash', bytes: '1', type: 'image/png' }),
      xml('info', { id: ID2, bytes: '-4', type: 'image/png' }),
      xml('info', { id: ID2, bytes: '10', type: 'image/png', width: '999999' })
    )
    expect(parseMetadata(m)).toEqual({
      kind: 'avatar',
      infos: [
        { id: ID, bytes: 12345, type: 'image/png', width: 64, height: 64 },
        { id: ID2, bytes: 23456, type: 'image/gif', url: 'http://avatars.example.org/happy.gif' },
        { id: ID2, bytes: 10, type: 'image/png' }
      ]
    })
    expect(parseMetadata(disabledMetadata())).toEqual({ kind: 'disabled' })
    expect(parseMetadata(xml('metadata', { xmlns: NS_AVATAR_METADATA }, xml('info', { id: 'x' })))).toBeNull()
    expect(parseMetadata(xml('metadata', { xmlns: 'urn:example' }))).toBeNull()
  })

  it('picks a PNG from the data node, within the size cap, never a URL', () => {
    const infos = [
      { id: ID2, bytes: 100, type: 'image/gif', url: 'http://x/y.gif' },
      { id: ID2, bytes: 100, type: 'image/jpeg' },
      { id: ID, bytes: 100, type: 'image/png' }
    ]
    expect(pickInfo(infos, 1000)?.id).toBe(ID)
    expect(pickInfo(infos.slice(0, 2), 1000)?.type).toBe('image/jpeg')
    expect(pickInfo(infos, 50)).toBeNull()
    expect(pickInfo([{ id: ID, bytes: 10, type: 'image/svg+xml' }], 1000)).toBeNull()
  })

  it('decodes strict base64 with line breaks, refusing garbage and oversize before decoding', () => {
    expect(decodeBase64('YWJj\n ZGVm', 10)?.toString()).toBe('abcdef')
    expect(decodeBase64('YWJ', 10)).toBeNull()
    expect(decodeBase64('YW!j', 10)).toBeNull()
    expect(decodeBase64('', 10)).toBeNull()
    expect(decodeBase64('YWJjZGVm', 5)).toBeNull()
    expect(decodeBase64('YQ==', 1)?.toString()).toBe('a')
  })

  it('hashes', () => {
    expect(sha1Hex(Buffer.from('abc'))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d')
    expect(isAvatarHash(ID)).toBe(true)
    expect(isAvatarHash('../../etc/passwd')).toBe(false)
  })
})

describe('PEP events and their sender (XEP-0163 §4.3, XEP-0223 §Security)', () => {
  const event = (from: string | undefined, ...children: ReturnType<typeof xml>[]) =>
    xml('message', { ...(from === undefined ? {} : { from }), type: 'headline' }, xml('event', { xmlns: NS_PUBSUB_EVENT }, ...children))
  const items = xml('items', { node: NS_AVATAR_METADATA }, xml('item', { id: ID }, metadataPayload({ id: ID, bytes: 10, type: 'image/png' })))

  it('attributes a notification to the bare JID that sent it', () => {
    const e = parsePepEvent(event('Juliet@Capulet.lit', items), 'romeo@montague.lit')
    expect(e).toMatchObject({ jid: 'juliet@capulet.lit', node: NS_AVATAR_METADATA, retracted: [], cleared: false })
    expect(e?.items[0]?.id).toBe(ID)
    expect(e?.items[0]?.payload?.is('metadata', NS_AVATAR_METADATA)).toBe(true)
  })

  it('a notification without from is our own account', () => {
    expect(parsePepEvent(event(undefined, items), 'romeo@montague.lit')?.jid).toBe('romeo@montague.lit')
  })

  it('refuses notifications from full JIDs, domains and invalid addresses', () => {
    expect(parsePepEvent(event('mallory@evil.lit/laptop', items), 'romeo@montague.lit')).toBeNull()
    expect(parsePepEvent(event('capulet.lit', items), 'romeo@montague.lit')).toBeNull()
    expect(parsePepEvent(event('juliet@', items), 'romeo@montague.lit')).toBeNull()
    expect(pepOwner(42, 'r@m')).toBeNull()
  })

  it('reads retractions, purges and deletions', () => {
    expect(parsePepEvent(event('j@c.lit', xml('items', { node: NS_AVATAR_METADATA }, xml('retract', { id: ID }))), 'r@m.lit')).toMatchObject({ retracted: [ID], items: [] })
    expect(parsePepEvent(event('j@c.lit', xml('purge', { node: NS_AVATAR_METADATA })), 'r@m.lit')).toMatchObject({ cleared: true })
    expect(parsePepEvent(event('j@c.lit', xml('delete', { node: NS_AVATAR_METADATA })), 'r@m.lit')).toMatchObject({ cleared: true })
    expect(parsePepEvent(event('j@c.lit', xml('items', {})), 'r@m.lit')).toBeNull()
    expect(parsePepEvent(xml('message', { from: 'j@c.lit' }, xml('body', {}, 'hi')), 'r@m.lit')).toBeNull()
  })

  it('builds item requests and publishes with publish-options', () => {
    expect(itemsRequest(NS_AVATAR_DATA, { ids: [ID] }).toString()).toBe(`<pubsub xmlns="${NS_PUBSUB}"><items node="${NS_AVATAR_DATA}"><item id="${ID}"/></items></pubsub>`)
    expect(itemsRequest('urn:xmpp:vcard4', { max: 1 }).toString()).toBe(`<pubsub xmlns="${NS_PUBSUB}"><items node="urn:xmpp:vcard4" max_items="1"/></pubsub>`)
    const p = publishRequest(NS_AVATAR_DATA, { id: ID, payload: dataPayload(Buffer.from('x')) }, 'open').toString()
    expect(p).toContain(`<publish node="${NS_AVATAR_DATA}"><item id="${ID}"><data xmlns="${NS_AVATAR_DATA}">eA==</data></item></publish>`)
    expect(p).toContain('<field var="pubsub#access_model"><value>open</value></field>')
    expect(p).toContain('<value>http://jabber.org/protocol/pubsub#publish-options</value>')
    expect(publishRequest('n', { payload: xml('x') }).toString()).toBe(`<pubsub xmlns="${NS_PUBSUB}"><publish node="n"><item><x/></item></publish></pubsub>`)
  })

  it('reads items of the node asked for only', () => {
    const iq = xml('iq', { type: 'result' }, xml('pubsub', { xmlns: NS_PUBSUB }, xml('items', { node: NS_AVATAR_DATA }, xml('item', { id: ID }, xml('data', { xmlns: NS_AVATAR_DATA }, 'eA==')))))
    expect(itemsOf(iq, NS_AVATAR_DATA).map((i) => i.id)).toEqual([ID])
    expect(itemsOf(iq, NS_AVATAR_METADATA)).toEqual([])
  })
})
