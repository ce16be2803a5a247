// Avatars (XEP-0084, with XEP-0153 through Prosody's XEP-0398 conversion) and profiles (XEP-0292
// vCard4, XEP-0054) between two real accounts on the private Prosody.
import { createHash, randomInt } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { crc32, deflateSync } from 'node:zlib'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Account } from '../../src/main/core/account/Account'
import type { Core } from '../../src/main/core/createCore'
import { xml, type Element } from '../../src/main/core/xml'
import type { Profile } from '../../src/main/core/xep/0054-vcard'
import { NS_AVATAR_METADATA } from '../../src/main/core/xep/0084-avatars'
import { makeCore, nextEvent, registered } from '../helpers/core'
import { target } from '../helpers/target'

const t = target()
const cores: Core[] = []
let cacheRoot = ''

beforeAll(async () => {
  cacheRoot = await mkdtemp(path.join(os.tmpdir(), 'parley-avatars-it-'))
})
afterAll(async () => {
  await rm(cacheRoot, { recursive: true, force: true })
})
afterEach(async () => {
  await Promise.all(cores.splice(0).map((c) => c.accounts.stopAll()))
})

/** A real PNG, its colour random so that every run publishes a picture the server has not seen. */
function randomPng(size = 24): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
    const out = Buffer.alloc(body.length + 8)
    out.writeUInt32BE(data.length, 0)
    body.copy(out, 4)
    out.writeUInt32BE(crc32(body) >>> 0, body.length + 4)
    return out
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr.set([8, 2, 0, 0, 0], 8)
  const rgb = [randomInt(256), randomInt(256), randomInt(256)]
  const row = Buffer.from([0, ...Array.from({ length: size }, () => rgb).flat()])
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(Array.from({ length: size }, () => row)))),
    chunk('IEND', Buffer.alloc(0))
  ])
}

const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex')

type AvatarPayload = { account: string; jid: string; hash: string | null }
type ProfilePayload = { account: string; jid: string; profile: Profile }

/** Events the lead will add to CoreEvents: listened to through the untyped emitter for now. */
function on<T>(core: Core, name: 'avatar' | 'profile', fn: (p: T) => void): () => void {
  return (core.events.on as unknown as (n: string, f: (p: T) => void) => () => void)(name, fn)
}

function next<T>(core: Core, name: 'avatar' | 'profile', match: (p: T) => boolean, ms = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`no matching ${name} event within ${ms} ms`))
    }, ms)
    const off = on<T>(core, name, (p) => {
      if (!match(p)) return
      clearTimeout(timer)
      off()
      resolve(p)
    })
  })
}

/**
 * The modules on a live account, as the lead's wiring will place them: they see every stanza before
 * the presence and chat modules (here: from the connection's `stanza` event, since middleware added
 * now would come after theirs), and their features join our caps (the account's module list).
 */
async function withModules(_core: Core, account: Account) {
  // The account's own modules (Account.ts wires them); announce our presence with the avatar hash.
  await account.presence.broadcast()
  return { avatars: account.avatars, vcards: account.vcards }
}

/** Two accounts subscribed to each other's presence (PEP notifications go to subscribers). */
async function friends() {
  const a = makeCore(t)
  const b = makeCore(t)
  cores.push(a, b)
  const alice = await registered(a, t)
  const bob = await registered(b, t)
  const A = a.accounts.get(alice.id)
  const B = b.accounts.get(bob.id)
  const both = (c: Core, jid: string) => nextEvent(c, 'rosterItem', (e) => 'item' in e && e.item.jid === jid && e.item.subscription === 'both')
  const mutual = Promise.all([both(a, bob.jid), both(b, alice.jid)])
  const bobAsked = nextEvent(b, 'subscriptionRequest', (e) => e.request.jid === alice.jid)
  await A.presence.subscribe(bob.jid)
  await bobAsked
  await B.presence.approve(alice.jid)
  const aliceAsked = nextEvent(a, 'subscriptionRequest', (e) => e.request.jid === bob.jid)
  await B.presence.subscribe(alice.jid)
  await aliceAsked
  await A.presence.approve(bob.jid)
  await mutual
  return { a, b, alice, bob, A, B }
}

describe('avatars and profiles on Prosody', () => {
  it('an avatar set by one account is seen by the other, verified, and its removal too', async () => {
    const { a, b, alice, A, B } = await friends()
    const mine = await withModules(a, A)
    const theirs = await withModules(b, B)
    const picture = randomPng()
    const seen = next<AvatarPayload>(b, 'avatar', (e) => e.jid === alice.jid && e.hash !== null)
    const own = next<AvatarPayload>(a, 'avatar', (e) => e.jid === alice.jid && e.hash !== null)
    const hash = await mine.avatars.setOwnAvatar(picture)
    expect(hash).toBe(sha1(picture))
    expect(await seen).toEqual({ account: B.id, jid: alice.jid, hash })
    expect(await own).toMatchObject({ hash })
    const image = await theirs.avatars.avatarBytes(hash)
    expect(image?.bytes.equals(picture)).toBe(true)
    expect(image).toMatchObject({ type: 'image/png', width: 24, height: 24 })
    expect(theirs.avatars.avatarOf(alice.jid)).toBe(hash)

    const gone = next<AvatarPayload>(b, 'avatar', (e) => e.jid === alice.jid && e.hash === null)
    await mine.avatars.removeOwnAvatar()
    await gone
  })

  it('a vCard4 name set by one account is read by the other, and announced to it', async () => {
    const { a, b, alice, A, B } = await friends()
    const mine = await withModules(a, A)
    const theirs = await withModules(b, B)
    const announced = next<ProfilePayload>(b, 'profile', (e) => e.jid === alice.jid && e.profile.fn === 'Alice Example')
    await mine.vcards.setOwn({ fn: 'Alice Example', nickname: 'ally', email: ['alice@example.org'], note: 'Line 1\nLine 2' })
    expect((await announced).profile.nickname).toBe('ally')
    const read = await theirs.vcards.get(alice.jid, { fresh: true })
    expect(read).toMatchObject({ fn: 'Alice Example', nickname: 'ally', email: ['alice@example.org'], note: 'Line 1\nLine 2' })
    expect(theirs.vcards.displayName(alice.jid)).toBe('Alice Example')
    // Prosody serves it to vcard-temp clients too (XEP-0398 conversion).
    const legacy = await B.client.iqCaller.get(xml('vCard', { xmlns: 'vcard-temp' }), alice.jid)
    expect(legacy.getChild('vCard', 'vcard-temp')?.getChildText('FN')).toBe('Alice Example')
  })

  it('drops forged avatar notifications about someone else', async () => {
    const { a, b, alice, bob, A, B } = await friends()
    const mine = await withModules(a, A)
    await withModules(b, B)
    const m = makeCore(t)
    cores.push(m)
    const mallory = await registered(m, t)
    const M = m.accounts.get(mallory.id)
    const fake = sha1(randomPng(8))
    const events: AvatarPayload[] = []
    on<AvatarPayload>(b, 'avatar', (e) => events.push(e))
    const arrived: string[] = []
    B.client.entity.on('stanza', (s: Element) => {
      if (s.name === 'message' && s.toString().includes(fake)) arrived.push(String(s.attrs.from))
    })
    const metadata = `<event xmlns='http://jabber.org/protocol/pubsub#event'><items node='${NS_AVATAR_METADATA}'><item id='${fake}'><metadata xmlns='${NS_AVATAR_METADATA}'><info id='${fake}' bytes='100' type='image/png'/></metadata></item></items></event>`
    // 1. A plain notification: the server stamps Mallory's full JID on it, which no PEP service uses.
    await M.client.entity.write(`<message xmlns='jabber:client' to='${bob.jid}' type='headline'>${metadata}</message>`)
    // 2. One claiming to come from Alice: the server refuses or rewrites the from.
    await M.client.entity.write(`<message xmlns='jabber:client' from='${alice.jid}' to='${bob.jid}' type='headline'>${metadata}</message>`)
    // 3. One wrapped as a carbon "sent by Alice".
    await M.client.entity.write(
      `<message xmlns='jabber:client' to='${bob.jid}'><received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' from='${alice.jid}' to='${bob.jid}' type='headline'>${metadata}</message></forwarded></received></message>`
    )
    // Then a genuine change: once it is in, the forged ones (sent earlier) would have been too.
    const picture = randomPng(12)
    const genuine = next<AvatarPayload>(b, 'avatar', (e) => e.jid === alice.jid && e.hash === sha1(picture))
    await mine.avatars.setOwnAvatar(picture)
    await genuine
    // The forgeries did reach Bob's client, all three with Mallory's full JID as sender (Prosody 0.12
    // rewrites the spoofed from of the second)…
    expect(arrived.length).toBe(3)
    expect(arrived.every((from) => from.startsWith(`${mallory.jid}/`))).toBe(true)
    // …and none of them became an avatar.
    expect(events.filter((e) => e.hash === fake)).toEqual([])
    expect(events.filter((e) => e.jid === mallory.jid || e.jid.startsWith(`${mallory.jid}/`))).toEqual([])
  })
})
