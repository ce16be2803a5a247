// File sharing against the private Prosody: XEP-0363 upload through http_file_share (plain http on
// loopback, hence allowInsecureHttpForLoopback), download of the GET URL, XEP-0066 in the message.
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Account } from '../../src/main/core/account/Account'
import type { ModuleContext } from '../../src/main/core/account/module'
import type { Core } from '../../src/main/core/createCore'
import { CoreError } from '../../src/main/core/errors'
import { download } from '../../src/main/core/files/download'
import type { Element } from '../../src/main/core/xml'
import { attachmentOf, NS_OOB } from '../../src/main/core/xep/0066-oob'
import { HttpUploadModule } from '../../src/main/core/xep/0363-http-upload'
import { makeCore, nextEvent, registered } from '../helpers/core'
import { target } from '../helpers/target'

const t = target()
const cores: Core[] = []
let dir = '' // files to upload
let downloads = '' // the "downloads folder"

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'parley-files-it-'))
  downloads = await mkdtemp(path.join(os.tmpdir(), 'parley-downloads-it-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
  await rm(downloads, { recursive: true, force: true })
})
afterEach(async () => {
  await Promise.all(cores.splice(0).map((c) => c.accounts.stopAll()))
})

/** What Account.ts will give the module once the lead wires it (see the report). */
function contextOf(core: Core, account: Account): ModuleContext {
  return {
    account: account.id,
    client: account.client,
    emit: core.events.emit,
    log: { debug() {}, info() {}, warn() {}, error() {} },
    ownBareJid: () => account.bareJid,
    domain: () => account.bareJid.split('@')[1] ?? '',
    isOnline: () => account.connectionState().state === 'online'
  }
}

async function uploader() {
  const core = makeCore(t)
  cores.push(core)
  const me = await registered(core, t)
  const account = core.accounts.get(me.id)
  const upload = new HttpUploadModule(contextOf(core, account), account.disco, { allowInsecureHttpForLoopback: true, idleTimeoutMs: 10_000 })
  return { core, me, account, upload }
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
const mbps = (bytes: number, ms: number): number => Math.round((bytes / 1024 / 1024 / (ms / 1000)) * 10) / 10

async function failure(p: Promise<unknown>): Promise<CoreError> {
  try {
    await p
  } catch (err) {
    expect(err).toBeInstanceOf(CoreError)
    return err as CoreError
  }
  throw new Error('expected a failure')
}

describe('HTTP upload (XEP-0363) and out-of-band links (XEP-0066) on Prosody', () => {
  it('finds the upload component and its limit', async () => {
    const { upload } = await uploader()
    expect(await upload.service()).toEqual({ jid: 'upload.localhost', maxFileSize: 10 * 1024 * 1024 })
    expect(await upload.limit()).toBe(10 * 1024 * 1024)
  })

  it('uploads 3 MB through a slot, sends the link with XEP-0066, and the other side downloads it byte-identical', async () => {
    const { core, me } = await uploader()
    const bCore = makeCore(t)
    cores.push(bCore)
    const bob = await registered(bCore, t)
    const data = randomBytes(3 * 1024 * 1024)
    const progress: number[] = []
    const t0 = performance.now()
    // What the paper clip does: the file service uploads, then sends the link as a message.
    const bobAccount = bCore.accounts.get(bob.id)
    const received = new Promise<Element>((resolve) => {
      bobAccount.client.entity.on('stanza', (s: Element) => {
        if (s.name === 'message' && s.getChildText('body')?.startsWith('http')) resolve(s)
      })
    })
    const marked = nextEvent(bCore, 'message', (e) => e.message.body.endsWith('three%20megabytes.bin'))
    const sent = new Promise<string>((resolve, reject) => {
      core.files.on('transfers', (list) => {
        for (const x of list) {
          if (x.state === 'running') progress.push(x.done)
          if (x.state === 'done' && x.url) resolve(x.url)
          if (x.state === 'failed') reject(new Error(x.error?.detail))
        }
      })
    })
    core.files.send(me.id, bob.jid, { bytes: data, name: 'three megabytes.bin', type: 'application/octet-stream' })
    const url = await sent
    const upMs = performance.now() - t0
    expect(url).toMatch(/^http:\/\/localhost:\d+\/file_share\/.+\/three%20megabytes\.bin$/)
    expect(progress).toEqual([...progress].sort((x, y) => x - y))

    // The message: body = URL (other clients show a link), plus the OOB element.
    const stanza = await received
    expect(stanza.getChildText('body')).toBe(url)
    const attachment = attachmentOf(stanza)
    expect(attachment).toEqual({ url, desc: '', bodyIsUrl: true })
    expect((await marked).message).toMatchObject({ body: url, attachment: true })

    // A link to loopback is not fetched without the user's click…
    expect((await failure(download(attachment!.url, { dir: downloads }))).condition).toBe('blocked-address')
    // …and with it, it arrives intact.
    const t1 = performance.now()
    const got = await download(attachment!.url, { dir: downloads, allowPrivate: true })
    const downMs = performance.now() - t1
    expect(got.bytes).toBe(data.length)
    expect(sha256(await readFile(got.path))).toBe(sha256(data))
    expect(got.name).toBe('three megabytes.bin')
    console.log(`[files] 3 MiB upload ${Math.round(upMs)} ms (${mbps(data.length, upMs)} MiB/s), download ${Math.round(downMs)} ms (${mbps(data.length, downMs)} MiB/s)`)
  })

  it('a file shared in a room and in a private message through it carries XEP-0066 too; a link typed by hand never does', async () => {
    const { core: aCore, me: alice } = await uploader()
    const bCore = makeCore(t)
    cores.push(bCore)
    const bob = await registered(bCore, t)
    const { room } = await aCore.rooms.create(alice.id, `files-${randomBytes(4).toString('hex')}`, 'Alice', {
      name: 'Files',
      description: '',
      password: '',
      membersOnly: false,
      public: false,
      persistent: false
    })
    await bCore.rooms.join(bob.id, room, 'Bob', null, false)
    const stanzas: Element[] = []
    bCore.accounts.get(bob.id).client.entity.on('stanza', (s: Element) => void (s.name === 'message' && s.getChild('body') && stanzas.push(s)))
    const uploaded: string[] = []
    aCore.files.on('transfers', (list) => list.forEach((x) => x.state === 'done' && x.url && uploaded.push(x.url)))
    const until = async (check: () => boolean): Promise<void> => {
      for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 50))
      expect(check()).toBe(true)
    }
    const inRoom = nextEvent(bCore, 'roomMessage', (e) => e.message.body.endsWith('/group.txt'))
    const privately = nextEvent(bCore, 'roomPrivateMessage', (e) => e.message.body.endsWith('/private.txt'))
    aCore.files.send(alice.id, room, { bytes: Buffer.from('for everyone'), name: 'group.txt', type: 'text/plain' })
    aCore.files.send(alice.id, `${room}/Bob`, { bytes: Buffer.from('for Bob'), name: 'private.txt', type: 'text/plain' })
    await until(() => uploaded.length === 2)
    expect((await inRoom).message).toMatchObject({ nick: 'Alice', attachment: true })
    expect((await privately).message).toMatchObject({ nick: 'Alice', attachment: true })
    // Typed: the same kind of links, by hand, in the room and one to one.
    const typedInRoom = nextEvent(bCore, 'roomMessage', (e) => e.message.body === 'https://example.org/typed.png')
    const typedDirect = nextEvent(bCore, 'message', (e) => e.message.body === 'https://example.org/direct.png')
    aCore.conversations.send(alice.id, room, 'https://example.org/typed.png')
    aCore.conversations.send(alice.id, bob.jid, 'https://example.org/direct.png')
    expect((await typedInRoom).message.attachment).toBeUndefined()
    expect((await typedDirect).message.attachment).toBeUndefined()
    const oob = (body: string) => stanzas.filter((s) => s.getChildText('body') === body).map((s) => s.getChild('x', NS_OOB)?.getChildText('url') ?? null)
    for (const url of uploaded) expect(oob(url)).toEqual([url])
    expect(oob('https://example.org/typed.png')).toEqual([null])
    expect(oob('https://example.org/direct.png')).toEqual([null])
  })

  it('refuses a file over the server limit before asking for a slot, and reports the server refusal when asked anyway', async () => {
    const { upload, account } = await uploader()
    await upload.limit()
    const spy = vi.spyOn(account.client.iqCaller, 'get')
    const err = await failure(upload.upload({ bytes: new Uint8Array(10 * 1024 * 1024 + 1), name: 'big.bin', type: 'application/octet-stream' }))
    expect(err).toMatchObject({ code: 'invalid-argument', condition: 'file-too-large' })
    expect(err.detail).toContain(String(10 * 1024 * 1024))
    expect(spy).not.toHaveBeenCalled()
    spy.mockRestore()
    // Pretend we did not know the limit: the service itself refuses the slot.
    ;(upload as unknown as { discovered: Promise<unknown> }).discovered = Promise.resolve({ jid: 'upload.localhost', maxFileSize: null })
    const refused = await failure(upload.requestSlot('big.bin', 11 * 1024 * 1024, 'application/octet-stream'))
    expect(refused.code).toBe('stanza-error')
    expect(refused.condition).toBe('not-acceptable')
    expect(refused.detail).toMatch(/large/i)
  })

  it('cancels mid-upload and keeps working afterwards', async () => {
    const { upload } = await uploader()
    const file = path.join(dir, 'cancel.bin')
    await writeFile(file, randomBytes(8 * 1024 * 1024))
    const ac = new AbortController()
    let last = 0
    const err = await failure(
      upload.upload(
        { path: file, name: 'cancel.bin', type: 'application/octet-stream' },
        {
          signal: ac.signal,
          onProgress: (sent) => {
            last = sent
            ac.abort()
          }
        }
      )
    )
    expect(err.condition).toBe('cancelled')
    expect(last).toBeLessThan(8 * 1024 * 1024)
    const url = await upload.upload({ bytes: Buffer.from('still fine'), name: 'after.txt', type: 'text/plain' })
    const got = await download(url, { dir: downloads, allowPrivate: true })
    expect(await readFile(got.path, 'utf8')).toBe('still fine')
  })

  it('measures a 9 MiB round trip', async () => {
    const { upload } = await uploader()
    const data = randomBytes(9 * 1024 * 1024)
    const t0 = performance.now()
    const url = await upload.upload({ bytes: data, name: 'nine.bin', type: 'application/octet-stream' })
    const upMs = performance.now() - t0
    const t1 = performance.now()
    const got = await download(url, { dir: downloads, allowPrivate: true })
    const downMs = performance.now() - t1
    expect(sha256(await readFile(got.path))).toBe(sha256(data))
    console.log(`[files] 9 MiB upload ${Math.round(upMs)} ms (${mbps(data.length, upMs)} MiB/s), download ${Math.round(downMs)} ms (${mbps(data.length, downMs)} MiB/s)`)
  })
})
