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
import { xml, type Element } from '../../src/main/core/xml'
import { attachmentOf, oobElement } from '../../src/main/core/xep/0066-oob'
import { HttpUploadModule } from '../../src/main/core/xep/0363-http-upload'
import { makeCore, registered } from '../helpers/core'
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
    const { upload, account: sender } = await uploader()
    const bCore = makeCore(t)
    cores.push(bCore)
    const bob = await registered(bCore, t)
    const data = randomBytes(3 * 1024 * 1024)
    const file = path.join(dir, 'three megabytes.bin')
    await writeFile(file, data)
    const progress: number[] = []
    const t0 = performance.now()
    const url = await upload.upload({ path: file, name: 'three megabytes.bin', type: 'application/octet-stream' }, { onProgress: (sent) => progress.push(sent) })
    const upMs = performance.now() - t0
    expect(url).toMatch(/^http:\/\/localhost:\d+\/file_share\/.+\/three%20megabytes\.bin$/)
    expect(progress.at(-1)).toBe(data.length)
    expect(progress).toEqual([...progress].sort((x, y) => x - y))

    // The message: body = URL (other clients show a link), plus the OOB element.
    const bobAccount = bCore.accounts.get(bob.id)
    const received = new Promise<Element>((resolve) => {
      bobAccount.client.entity.on('stanza', (s: Element) => {
        if (s.name === 'message' && s.getChildText('body') === url) resolve(s)
      })
    })
    await sender.client.send(xml('message', { to: bob.jid, type: 'chat', id: 'file-1' }, xml('body', {}, url), oobElement(url, 'three megabytes.bin')))
    const attachment = attachmentOf(await received)
    expect(attachment).toEqual({ url, desc: 'three megabytes.bin', bodyIsUrl: true })

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
