import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { CoreError } from '../../../../../src/main/core/errors'
import { dispositionName, download, fetchInlineImage, markInternetOrigin } from '../../../../../src/main/core/files/download'
import type { Resolver } from '../../../../../src/main/core/files/http'
import { png, SVG } from './images'

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void

const routes = new Map<string, Handler>()
const requests: string[] = []
let server: http.Server
let port = 0
let base = ''
let dir = ''
const BIG = randomBytes(2 * 1024 * 1024 + 123)

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push(`${req.headers.host ?? ''}${req.url ?? ''}`)
    const handler = routes.get((req.url ?? '').split('?')[0] ?? '')
    if (handler) handler(req, res)
    else res.writeHead(404).end('not here')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
  base = `http://127.0.0.1:${port}`
  routes.set('/big.bin', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BIG.length })
    res.end(BIG)
  })
  routes.set('/named', (_req, res) => {
    res.writeHead(200, { 'content-disposition': 'attachment; filename="../../.ssh/authorized_keys"' })
    res.end('data')
  })
  routes.set('/holiday', (_req, res) => {
    res.writeHead(200, { 'content-disposition': 'attachment; filename="holiday.jpg.EXE. ."' })
    res.end('MZ')
  })
  routes.set('/xfilename', (_req, res) => {
    res.writeHead(200, { 'content-disposition': 'attachment; xfilename="evil.exe"' })
    res.end('data')
  })
  routes.set('/sniff', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end(png(2, 2))
  })
  routes.set('/image.png', (_req, res) => {
    res.writeHead(200, { 'content-type': 'image/png' })
    res.end(png(5, 4))
  })
  routes.set('/fake.png', (_req, res) => {
    res.writeHead(200, { 'content-type': 'image/png' })
    res.end(SVG)
  })
  routes.set('/chunked', (_req, res) => {
    res.writeHead(200) // no content-length: the cap must hold while streaming
    let n = 0
    const timer = setInterval(() => {
      if (n++ > 50 || res.destroyed) {
        clearInterval(timer)
        res.end()
        return
      }
      res.write(Buffer.alloc(64 * 1024, 1))
    }, 1)
  })
  routes.set('/slow', (_req, res) => {
    res.writeHead(200, { 'content-length': 10 * 1024 * 1024 })
    const timer = setInterval(() => {
      if (res.destroyed) clearInterval(timer)
      else res.write(Buffer.alloc(16 * 1024, 2))
    }, 5)
    res.on('close', () => clearInterval(timer))
  })
  routes.set('/stall', (_req, res) => {
    res.writeHead(200, { 'content-length': 100 })
    res.write('x') // then nothing
  })
  routes.set('/too-big', (_req, res) => {
    res.writeHead(200, { 'content-length': 5_000_000 })
    res.end()
  })
  routes.set('/same-origin-redirect', (_req, res) => res.writeHead(302, { location: '/big.bin' }).end())
  routes.set('/to-localhost', (_req, res) => res.writeHead(302, { location: `http://localhost:${port}/big.bin` }).end())
  routes.set('/to-v6-loopback', (_req, res) => res.writeHead(301, { location: `http://[::1]:${port}/big.bin` }).end())
  routes.set('/to-private', (_req, res) => res.writeHead(307, { location: 'http://10.0.0.1/secret' }).end())
  routes.set('/to-metadata', (_req, res) => res.writeHead(308, { location: 'http://169.254.169.254/latest/meta-data/' }).end())
  routes.set('/to-file', (_req, res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end())
  routes.set('/loop', (_req, res) => res.writeHead(302, { location: '/loop' }).end())
})

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

beforeEach(async () => {
  requests.length = 0
  dir = await mkdtemp(path.join(os.tmpdir(), 'parley-dl-'))
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function failure(p: Promise<unknown>): Promise<CoreError> {
  try {
    await p
  } catch (err) {
    expect(err).toBeInstanceOf(CoreError)
    return err as CoreError
  }
  throw new Error('expected a failure')
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

describe('download: where it may go', () => {
  it('refuses the loopback test server unless the user clicked (allowPrivate), before any request', async () => {
    const err = await failure(download(`${base}/big.bin`, { dir }))
    expect(err.condition).toBe('blocked-address')
    expect(requests).toEqual([])
    expect(await readdir(dir)).toEqual([])
  })

  it.each(['ftp://example.org/x', 'file:///etc/passwd', 'data:text/plain,hi', 'javascript:alert(1)', 'xmpp:someone@example.org'])('refuses %s', async (url) => {
    expect((await failure(download(url, { dir, allowPrivate: true }))).condition).toBe('blocked-address')
  })

  it('refuses URLs with credentials', async () => {
    expect((await failure(download(`http://user:pw@127.0.0.1:${port}/big.bin`, { dir, allowPrivate: true }))).condition).toBe('bad-url')
  })

  it.each(['http://0x7f.1:1/', 'http://2130706433:1/', 'http://[::ffff:127.0.0.1]:1/', 'http://0.0.0.0:1/', 'http://[::1]:1/', 'http://192.168.1.1/'])(
    'refuses %s without a click (URL forms normalised first)',
    async (url) => {
      expect((await failure(download(url, { dir }))).condition).toBe('blocked-address')
    }
  )

  it('checks every address a name resolves to, and connects only to what it checked', async () => {
    const asked: string[] = []
    const resolve: Resolver = async (host) => {
      asked.push(host)
      if (host === 'mixed.test') return [{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }]
      if (host === 'files.test') return [{ address: '127.0.0.1', family: 4 }]
      throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' })
    }
    const mixed = await failure(download(`http://mixed.test:${port}/big.bin`, { dir, resolve }))
    expect(mixed.condition).toBe('blocked-address')
    expect(mixed.detail).toContain('127.0.0.1')
    // files.test exists only in our resolver: reaching the server proves the socket used our answer.
    const blockedByName = await failure(download(`http://files.test:${port}/big.bin`, { dir, resolve }))
    expect(blockedByName.condition).toBe('blocked-address')
    const ok = await download(`http://files.test:${port}/big.bin`, { dir, resolve, allowPrivate: true })
    expect(sha(await readFile(ok.path))).toBe(sha(BIG))
    expect(asked).toEqual(['mixed.test', 'files.test', 'files.test'])
    expect(requests).toEqual([`files.test:${port}/big.bin`])
  })

  it('follows a same-origin redirect after a click', async () => {
    const r = await download(`${base}/same-origin-redirect`, { dir, allowPrivate: true })
    expect(r.name).toBe('big.bin')
    expect(r.url).toBe(`${base}/big.bin`)
  })

  it.each(['/to-localhost', '/to-v6-loopback', '/to-private', '/to-metadata'])('refuses the redirect %s to another private address even after a click', async (route) => {
    const err = await failure(download(`${base}${route}`, { dir, allowPrivate: true }))
    expect(err.condition).toBe('blocked-address')
    expect(requests).toEqual([`127.0.0.1:${port}${route}`])
    expect(await readdir(dir)).toEqual([])
  })

  it('refuses a redirect to a file: URL and endless redirects', async () => {
    expect((await failure(download(`${base}/to-file`, { dir, allowPrivate: true }))).condition).toBe('blocked-address')
    expect((await failure(download(`${base}/loop`, { dir, allowPrivate: true }))).condition).toBe('too-many-redirects')
  })
})

describe('download: the transfer', () => {
  it('streams to a file with progress that ends at the total', async () => {
    const seen: [number, number | null][] = []
    const r = await download(`${base}/big.bin`, { dir, allowPrivate: true, onProgress: (n, total) => seen.push([n, total]) })
    expect(r).toMatchObject({ name: 'big.bin', bytes: BIG.length, contentType: 'application/octet-stream', sniffedType: null })
    expect(r.path).toBe(path.join(dir, 'big.bin'))
    expect(sha(await readFile(r.path))).toBe(sha(BIG))
    expect(seen.at(-1)).toEqual([BIG.length, BIG.length])
    for (let i = 1; i < seen.length; i++) expect(seen[i]![0]).toBeGreaterThanOrEqual(seen[i - 1]![0])
    expect(await readdir(dir)).toEqual(['big.bin']) // no .part left behind
  })

  it('picks a new name instead of overwriting', async () => {
    await writeFile(path.join(dir, 'big.bin'), 'mine')
    const r = await download(`${base}/big.bin`, { dir, allowPrivate: true })
    expect(r.name).toBe('big (1).bin')
    expect(await readFile(path.join(dir, 'big.bin'), 'utf8')).toBe('mine')
  })

  it('makes the server-given name safe', async () => {
    const r = await download(`${base}/named`, { dir, allowPrivate: true })
    expect(r.name).toBe('authorized_keys')
    expect(path.dirname(r.path)).toBe(dir)
  })

  it('gives a name that would run when opened a harmless suffix, whoever chose it', async () => {
    const server = await download(`${base}/holiday`, { dir, allowPrivate: true })
    expect(server.name).toBe('holiday.jpg.EXE.download')
    expect(server.path).toBe(path.join(dir, 'holiday.jpg.EXE.download'))
    const sender = await download(`${base}/big.bin`, { dir, allowPrivate: true, name: 'Update.Scr' })
    expect(sender.name).toBe('Update.Scr.download')
    const again = await download(`${base}/holiday`, { dir, allowPrivate: true })
    expect(again.name).toBe('holiday.jpg.EXE (1).download')
    expect((await readdir(dir)).sort()).toEqual(['Update.Scr.download', 'holiday.jpg.EXE (1).download', 'holiday.jpg.EXE.download'])
  })

  it('does not take a parameter that merely ends in "filename"', async () => {
    const r = await download(`${base}/xfilename`, { dir, allowPrivate: true })
    expect(r.name).toBe('xfilename')
  })

  it('marks the file as from the internet on Windows only (Zone.Identifier stream)', async () => {
    const linux = await download(`${base}/image.png`, { dir, allowPrivate: true })
    expect(await readdir(dir)).toEqual([path.basename(linux.path)])
    const platform = Object.getOwnPropertyDescriptor(process, 'platform')!
    Object.defineProperty(process, 'platform', { ...platform, value: 'win32' })
    let r: Awaited<ReturnType<typeof download>>
    try {
      r = await download(`${base}/same-origin-redirect`, { dir, allowPrivate: true })
    } finally {
      Object.defineProperty(process, 'platform', platform)
    }
    // Off Windows the ":" makes it a plain file beside the download, which shows what was written.
    expect(await readFile(`${r.path}:Zone.Identifier`, 'utf8')).toBe(`[ZoneTransfer]\r\nZoneId=3\r\nHostUrl=${base}/big.bin\r\n`)
  })

  it('ignores a file system that cannot take the mark', async () => {
    await expect(markInternetOrigin(path.join(dir, 'missing-dir', 'x.bin'), 'https://example.org/x.bin', 'win32')).resolves.toBeUndefined()
    await markInternetOrigin(path.join(dir, 'x.bin'), 'https://example.org/x.bin', 'darwin')
    expect(await readdir(dir)).toEqual([])
  })

  it('sniffs the content and names an extensionless file after it', async () => {
    const r = await download(`${base}/sniff`, { dir, allowPrivate: true })
    expect(r.contentType).toBe('text/plain')
    expect(r.sniffedType).toBe('image/png')
    expect(r.name).toBe('sniff.png')
  })

  it('can be cancelled mid-way and leaves nothing behind', async () => {
    const ac = new AbortController()
    let last = 0
    const p = download(`${base}/slow`, {
      dir,
      allowPrivate: true,
      signal: ac.signal,
      onProgress: (n) => {
        last = n
        if (n > 100_000) ac.abort()
      }
    })
    const err = await failure(p)
    expect(err.condition).toBe('cancelled')
    expect(last).toBeLessThan(10 * 1024 * 1024)
    expect(await readdir(dir)).toEqual([])
  })

  it('refuses an announced size over the cap before reading the body', async () => {
    const err = await failure(download(`${base}/too-big`, { dir, allowPrivate: true, maxBytes: 1_000_000 }))
    expect(err).toMatchObject({ code: 'bad-input', condition: 'too-large' })
    expect(await readdir(dir)).toEqual([])
  })

  it('stops a body without Content-Length when it passes the cap', async () => {
    const err = await failure(download(`${base}/chunked`, { dir, allowPrivate: true, maxBytes: 500_000 }))
    expect(err.condition).toBe('too-large')
    expect(await readdir(dir)).toEqual([])
  })

  it('times out when the server stalls', async () => {
    const err = await failure(download(`${base}/stall`, { dir, allowPrivate: true, idleTimeoutMs: 200 }))
    expect(err.code).toBe('timeout')
    expect(await readdir(dir)).toEqual([])
  })

  it('reports HTTP errors with their status', async () => {
    const err = await failure(download(`${base}/missing`, { dir, allowPrivate: true }))
    expect(err).toMatchObject({ code: 'unreachable', condition: 'http-404' })
  })
})

describe('fetchInlineImage', () => {
  it('accepts a real image whatever the name says, with its dimensions', async () => {
    const { info, bytes } = await fetchInlineImage(`${base}/image.png`, { allowPrivate: true })
    expect(info).toEqual({ type: 'png', mime: 'image/png', width: 5, height: 4 })
    expect(bytes.equals(png(5, 4))).toBe(true)
  })

  it('refuses SVG served as image/png', async () => {
    expect((await failure(fetchInlineImage(`${base}/fake.png`, { allowPrivate: true }))).condition).toBe('svg-refused')
  })

  it('is never fetched from a private address without a click', async () => {
    expect((await failure(fetchInlineImage(`${base}/image.png`))).condition).toBe('blocked-address')
    expect(requests).toEqual([])
  })

  it('caps the bytes it reads', async () => {
    expect((await failure(fetchInlineImage(`${base}/big.bin`, { allowPrivate: true, maxBytes: 1000 }))).condition).toBe('too-large')
  })
})

describe('dispositionName', () => {
  it('prefers the RFC 5987 form', () => {
    expect(dispositionName(`attachment; filename="a.txt"; filename*=UTF-8''%E2%82%AC%20rates.txt`)).toBe('€ rates.txt')
    expect(dispositionName('attachment; filename="quoted \\"name\\".txt"')).toBe('quoted "name".txt')
    expect(dispositionName('attachment; filename=plain.txt')).toBe('plain.txt')
    expect(dispositionName('inline')).toBeNull()
  })

  it('reads whole parameters only: no "xfilename", nothing inside another quoted value', () => {
    expect(dispositionName('attachment; xfilename="x.exe"')).toBeNull()
    expect(dispositionName('attachment; xfilename="x.exe"; filename="a.txt"')).toBe('a.txt')
    expect(dispositionName(`attachment; xfilename*=UTF-8''x.exe; filename=a.txt`)).toBe('a.txt')
    expect(dispositionName('attachment; note="; filename=evil.exe"; filename="good.txt"')).toBe('good.txt')
    expect(dispositionName('attachment; note="; filename=evil.exe"')).toBeNull()
  })

  it('takes parameter names in any case, a language tag, ISO-8859-1, and a missing type', () => {
    expect(dispositionName('attachment; FILENAME="Upper.txt"')).toBe('Upper.txt')
    expect(dispositionName(`attachment; FileName*=utf-8'en'%C3%A9t%C3%A9.txt`)).toBe('été.txt')
    expect(dispositionName(`attachment; filename*=iso-8859-1''%E9t%E9.txt`)).toBe('été.txt')
    expect(dispositionName('filename="bare.txt"')).toBe('bare.txt')
    expect(dispositionName('attachment ; filename = "spaced.txt" ; size=3')).toBe('spaced.txt')
    expect(dispositionName(`attachment; filename*=UTF-8''%E2%82; filename=fallback.txt`)).toBe('fallback.txt')
  })
})
