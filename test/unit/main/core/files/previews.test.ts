// FilesService.download names; FilesService.preview: a few fetches at a time, an overall deadline, one fetch per URL however
// often it is asked for, and a pixel limit sized for a chat preview.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Core } from '../../../../../src/main/core/createCore'
import { inspectImage } from '../../../../../src/main/core/files/image'
import type { HistoryService } from '../../../../../src/main/core/services/HistoryService'
import { FilesService, type FilesOptions } from '../../../../../src/main/core/services/FilesService'
import { png } from './images'

let server: http.Server
let base = ''
let open = 0
let maxOpen = 0
let requests: string[] = []
let held: (() => void)[] = []

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '')
    open++
    maxOpen = Math.max(maxOpen, open)
    res.on('close', () => open--)
    const url = req.url ?? ''
    if (url.startsWith('/held/')) {
      held.push(() => res.writeHead(200, { 'content-type': 'image/png' }).end(png(3, 2)))
    } else if (url === '/drip.png') {
      // A byte every 20 ms: never idle long enough for the idle timeout.
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': 100_000 })
      const timer = setInterval(() => res.write('x'), 20)
      res.on('close', () => clearInterval(timer))
    } else if (url === '/20mp.png') {
      res.writeHead(200, { 'content-type': 'image/png' }).end(png(5000, 4000, [0, 0, 0], true))
    } else if (url === '/16mp.png') {
      res.writeHead(200, { 'content-type': 'image/png' }).end(png(4000, 4000, [0, 0, 0], true))
    } else res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

beforeEach(() => {
  requests = []
  held = []
  maxOpen = 0
})

const files = (o: FilesOptions = {}): FilesService => new FilesService({} as Core, {} as HistoryService, os.tmpdir(), o)

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10))
  expect(check()).toBe(true)
}

describe('FilesService.preview', () => {
  it('fetches at most 3 at once; the others wait their turn and all arrive', async () => {
    const f = files()
    const all = Array.from({ length: 7 }, (_, i) => f.preview(`${base}/held/${i}.png`, true))
    await until(() => held.length === 3)
    await new Promise((r) => setTimeout(r, 50))
    expect(requests).toHaveLength(3)
    while (requests.length < 7 || held.length > 0) {
      await until(() => held.length > 0)
      held.shift()?.()
    }
    const results = await Promise.all(all)
    expect(results.map((r) => r && [r.width, r.height])).toEqual(Array.from({ length: 7 }, () => [3, 2]))
    expect(maxOpen).toBeLessThanOrEqual(3)
    expect(requests).toHaveLength(7)
  })

  it('gives up on a server that drips bytes, at the overall deadline, and frees the slot', async () => {
    const f = files({ previewConcurrency: 1, previewDeadlineMs: 300 })
    const started = performance.now()
    const drip = f.preview(`${base}/drip.png`, true)
    const next = f.preview(`${base}/held/after.png`, true)
    expect(await drip).toBeNull()
    expect(performance.now() - started).toBeLessThan(3_000)
    await until(() => held.length === 1)
    held.shift()?.()
    expect(await next).toMatchObject({ width: 3, height: 2 })
  })

  it('asks the server once for a URL requested again while it loads', async () => {
    const f = files()
    const a = f.preview(`${base}/held/same.png`, true)
    const b = f.preview(`${base}/held/same.png`, true)
    await until(() => held.length === 1)
    held.shift()?.()
    expect(await a).toEqual(await b)
    expect(requests).toEqual(['/held/same.png'])
  })

  it('refuses more than 16 megapixels for a preview (the general image limit is higher)', async () => {
    expect(inspectImage(png(5000, 4000, [0, 0, 0], true))).toMatchObject({ width: 5000, height: 4000 })
    const f = files()
    expect(await f.preview(`${base}/20mp.png`, true)).toBeNull()
    expect(await f.preview(`${base}/16mp.png`, true)).toMatchObject({ width: 4000, height: 4000 })
  })

  it('still reports a private address as blocked', async () => {
    await expect(files().preview(`${base}/16mp.png`, false)).rejects.toMatchObject({ condition: 'blocked-address' })
  })
})

describe('FilesService.cancelPreview', () => {
  const cancelledError = { code: 'internal', condition: 'cancelled' }

  it('drops a queued preview: it never reaches the server, and the line moves on', async () => {
    const f = files({ previewConcurrency: 1 })
    const first = f.preview(`${base}/held/first.png`, true)
    const queued = f.preview(`${base}/held/queued.png`, true)
    const after = f.preview(`${base}/held/after.png`, true)
    await until(() => held.length === 1)
    f.cancelPreview(`${base}/held/queued.png`)
    await expect(queued).rejects.toMatchObject(cancelledError)
    held.shift()?.()
    expect(await first).toMatchObject({ width: 3, height: 2 })
    await until(() => held.length === 1)
    held.shift()?.()
    expect(await after).toMatchObject({ width: 3, height: 2 })
    expect(requests).toEqual(['/held/first.png', '/held/after.png'])
  })

  it('aborts a running preview (the connection closes) and frees its slot', async () => {
    const f = files({ previewConcurrency: 1 })
    const running = f.preview(`${base}/held/running.png`, true)
    const next = f.preview(`${base}/held/next.png`, true)
    await until(() => held.length === 1 && open === 1)
    f.cancelPreview(`${base}/held/running.png`)
    await expect(running).rejects.toMatchObject(cancelledError)
    await until(() => requests.length === 2)
    expect(requests).toEqual(['/held/running.png', '/held/next.png'])
    await until(() => open === 1) // the aborted one's connection is gone; only the next is open
    held.pop()?.()
    expect(await next).toMatchObject({ width: 3, height: 2 })
  })

  it('keeps a shared preview while another holder still wants it; the last one cancels it', async () => {
    const f = files()
    const a = f.preview(`${base}/held/shared.png`, true)
    const b = f.preview(`${base}/held/shared.png`, true)
    await until(() => held.length === 1)
    f.cancelPreview(`${base}/held/shared.png`)
    held.shift()?.()
    expect(await a).toMatchObject({ width: 3, height: 2 })
    expect(await b).toMatchObject({ width: 3, height: 2 })

    // Holders of a finished fetch are gone: the next one has one holder, and cancelling once aborts it.
    const c = f.preview(`${base}/held/shared.png`, true)
    const d = f.preview(`${base}/held/shared.png`, true)
    await until(() => held.length === 1)
    f.cancelPreview(`${base}/held/shared.png`)
    f.cancelPreview(`${base}/held/shared.png`)
    await expect(c).rejects.toMatchObject(cancelledError)
    await expect(d).rejects.toMatchObject(cancelledError)
    expect(requests).toEqual(['/held/shared.png', '/held/shared.png'])

    // Asked again after the cancel: a new fetch, not the cancelled one.
    held = []
    const e = f.preview(`${base}/held/shared.png`, true)
    await until(() => held.length === 1)
    held.shift()?.()
    expect(await e).toMatchObject({ width: 3, height: 2 })
    expect(requests).toHaveLength(3)
  })

  it('cancelling what is not pending does nothing', async () => {
    const f = files()
    f.cancelPreview(`${base}/held/nothing.png`)
    const p = f.preview(`${base}/held/other.png`, true)
    f.cancelPreview(`${base}/held/nothing.png`)
    await until(() => held.length === 1)
    held.shift()?.()
    expect(await p).toMatchObject({ width: 3, height: 2 })
  })
})

describe('FilesService.download', () => {
  it('shows a risky file under the harmless name it will be saved as, from the start', async () => {
    const f = files()
    const names: string[] = []
    f.on('transfers', (list) => names.push(...list.map((t) => t.name)))
    f.download(`${base}/dl/Setup.EXE`, false) // refused (loopback without a click): only the name matters
    await until(() => names.length >= 2)
    expect(names[0]).toBe('Setup.EXE.download')
  })
})
