import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { CoreError } from '../../../../../../src/main/core/errors'
import { xml, type Element } from '../../../../../../src/main/core/xml'
import { NS_DISCO_INFO, type DiscoModule } from '../../../../../../src/main/core/xep/0030-disco'
import {
  HttpUploadModule,
  isLoopbackUrl,
  maxFileSizeOf,
  NS_HTTP_UPLOAD,
  parseSlot,
  safeContentType,
  slotRequest
} from '../../../../../../src/main/core/xep/0363-http-upload'
import { fakeContext, payloadOf, stanzaError, type Fake } from '../0084-avatars/fakeContext'

const strict = { allowInsecureHttpForLoopback: false }
const loose = { allowInsecureHttpForLoopback: true }

function slot(put: string, get: string, headers: [string, string][] = []): Element {
  return xml(
    'slot',
    { xmlns: NS_HTTP_UPLOAD },
    xml('put', { url: put }, ...headers.map(([name, value]) => xml('header', { name }, value))),
    xml('get', { url: get })
  )
}

function uploadInfo(max?: string): Element {
  return xml(
    'query',
    { xmlns: NS_DISCO_INFO },
    xml('identity', { category: 'store', type: 'file', name: 'HTTP File Upload' }),
    xml('feature', { var: NS_HTTP_UPLOAD }),
    max === undefined
      ? null
      : xml(
          'x',
          { xmlns: 'jabber:x:data', type: 'result' },
          xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, NS_HTTP_UPLOAD)),
          xml('field', { var: 'max-file-size' }, xml('value', {}, max))
        )
  )
}

describe('slot request and response (XEP-0363 §4–5)', () => {
  it('builds the request with filename, size and content type', () => {
    expect(slotRequest('très jolie.jpg', 23456, 'image/jpeg').toString()).toBe(
      '<request xmlns="urn:xmpp:http:upload:0" filename="très jolie.jpg" size="23456" content-type="image/jpeg"/>'
    )
  })

  it('reads PUT and GET URLs and keeps only Authorization, Cookie and Expires', () => {
    const s = parseSlot(
      slot('https://upload.example.org/put/abc/photo.jpg?token=1', 'https://download.example.org/abc/photo.jpg', [
        ['Authorization', 'Basic Base64String=='],
        ['cookie', 'foo=bar; user=romeo'],
        ['Expires', 'Wed, 21 Oct 2026 07:28:00 GMT'],
        ['Host', 'evil.example'],
        ['Content-Length', '1'],
        ['X-Forwarded-For', '127.0.0.1'],
        ['Authorization', 'smuggled\r\nX-Evil: 1']
      ]),
      strict
    )
    expect(s.put.href).toBe('https://upload.example.org/put/abc/photo.jpg?token=1')
    expect(s.get.href).toBe('https://download.example.org/abc/photo.jpg')
    expect(s.headers).toEqual({ Authorization: 'Basic Base64String==', Cookie: 'foo=bar; user=romeo', Expires: 'Wed, 21 Oct 2026 07:28:00 GMT' })
  })

  it('requires https, except on loopback when the test option allows it', () => {
    const http1 = slot('http://upload.example.org/put', 'https://d.example.org/get')
    expect(() => parseSlot(http1, strict)).toThrow(/not https/)
    expect(() => parseSlot(http1, loose)).toThrow(/not https/)
    const local = slot('http://localhost:5280/file_share/x', 'http://127.0.0.1:5280/file_share/x')
    expect(() => parseSlot(local, strict)).toThrow(CoreError)
    expect(parseSlot(local, loose).get.href).toBe('http://127.0.0.1:5280/file_share/x')
    expect(parseSlot(slot('http://[::1]/p', 'http://upload.localhost/g'), loose).put.hostname).toBe('[::1]')
    expect(() => parseSlot(slot('http://10.0.0.1/p', 'https://d/g'), loose)).toThrow(/not https/)
  })

  it('refuses slots without URLs, with odd schemes or credentials', () => {
    for (const [put, get] of [
      ['', 'https://d.example/g'],
      ['https://u.example/p', ''],
      ['ftp://u.example/p', 'https://d.example/g'],
      ['javascript:alert(1)', 'https://d.example/g'],
      ['https://user:pw@u.example/p', 'https://d.example/g'],
      ['not a url', 'https://d.example/g']
    ]) {
      expect(() => parseSlot(slot(put!, get!), loose), `${put} ${get}`).toThrow(expect.objectContaining({ condition: 'bad-slot' }))
    }
    expect(() => parseSlot(xml('slot', { xmlns: 'urn:xmpp:http:upload' }), loose)).toThrow(/no <slot/)
  })

  it('reads max-file-size from the service form only', () => {
    expect(maxFileSizeOf(uploadInfo('10485760'))).toBe(10485760)
    expect(maxFileSizeOf(uploadInfo())).toBeNull()
    expect(maxFileSizeOf(uploadInfo('-5'))).toBeNull()
    expect(maxFileSizeOf(uploadInfo('lots'))).toBeNull()
    const otherForm = xml(
      'query',
      { xmlns: NS_DISCO_INFO },
      xml('x', { xmlns: 'jabber:x:data', type: 'result' }, xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, 'urn:example')), xml('field', { var: 'max-file-size' }, xml('value', {}, '5')))
    )
    expect(maxFileSizeOf(otherForm)).toBeNull()
  })

  it('keeps content types plain', () => {
    expect(safeContentType('Image/PNG')).toBe('image/png')
    expect(safeContentType('text/plain; charset=utf-8')).toBe('application/octet-stream')
    expect(safeContentType('a\r\nX-Evil: 1/b')).toBe('application/octet-stream')
    expect(safeContentType('')).toBe('application/octet-stream')
  })

  it('knows loopback URLs', () => {
    expect(isLoopbackUrl(new URL('http://localhost:1/'))).toBe(true)
    expect(isLoopbackUrl(new URL('http://127.0.0.2/'))).toBe(true)
    expect(isLoopbackUrl(new URL('http://[::ffff:127.0.0.1]/'))).toBe(true)
    expect(isLoopbackUrl(new URL('http://localhost.example/'))).toBe(false)
    expect(isLoopbackUrl(new URL('http://192.168.0.1/'))).toBe(false)
  })
})

// ---- the module against a fake server and a local HTTP server ----------------------------------

interface Put {
  headers: http.IncomingHttpHeaders
  sha256: string
  bytes: number
}

let httpServer: http.Server
let port = 0
const puts: Put[] = []
let respondWith = 201
let stallAfter: number | null = null

beforeAll(async () => {
  httpServer = http.createServer((req, res) => {
    const hash = createHash('sha256')
    let bytes = 0
    req.on('data', (c: Buffer) => {
      hash.update(c)
      bytes += c.length
      if (stallAfter !== null && bytes >= stallAfter) req.pause()
    })
    req.on('end', () => {
      puts.push({ headers: req.headers, sha256: hash.digest('hex'), bytes })
      res.writeHead(respondWith).end(respondWith >= 400 ? 'nope' : '')
    })
  })
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve))
  port = (httpServer.address() as AddressInfo).port
})

afterAll(async () => {
  httpServer.closeAllConnections()
  await new Promise<void>((resolve) => httpServer.close(() => resolve()))
})

function setup(opts: { max?: string; items?: string[]; putHost?: string } = {}): { fake: Fake; upload: HttpUploadModule; slotRequests: Element[] } {
  const fake = fakeContext('me@example.org', 'example.org')
  const disco = { items: async () => (opts.items ?? ['conference.example.org', 'upload.example.org']).map((jid) => ({ jid, node: '', name: '' })) } as unknown as DiscoModule
  const slotRequests: Element[] = []
  fake.server = (iq) => {
    const child = payloadOf(iq)
    if (child.attrs.xmlns === NS_DISCO_INFO) {
      if (iq.attrs.to === 'upload.example.org') return uploadInfo(opts.max ?? '5000000')
      return xml('query', { xmlns: NS_DISCO_INFO }, xml('feature', { var: 'http://jabber.org/protocol/muc' }))
    }
    if (child.is('request', NS_HTTP_UPLOAD)) {
      slotRequests.push(child)
      const name = encodeURIComponent(String(child.attrs.filename))
      const host = opts.putHost ?? `127.0.0.1:${port}`
      return slot(`http://${host}/put/${name}`, `http://localhost:${port}/get/${name}`, [
        ['Authorization', 'Bearer t0ken'],
        ['X-Evil', 'yes']
      ])
    }
    throw stanzaError('service-unavailable')
  }
  const upload = new HttpUploadModule(fake.ctx, disco, { allowInsecureHttpForLoopback: true, idleTimeoutMs: 500 })
  return { fake, upload, slotRequests }
}

let dir = ''
beforeEach(async () => {
  puts.length = 0
  respondWith = 201
  stallAfter = null
  if (dir) await rm(dir, { recursive: true, force: true })
  dir = await mkdtemp(path.join(os.tmpdir(), 'parley-up-'))
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

describe('HttpUploadModule', () => {
  it('finds the service among the server items and reads its limit', async () => {
    const { upload, fake } = setup({ max: '1234567' })
    expect(await upload.limit()).toBe(1234567)
    expect(await upload.service()).toEqual({ jid: 'upload.example.org', maxFileSize: 1234567 })
    // Asked once per session.
    const asked = fake.iqs.length
    await upload.limit()
    expect(fake.iqs.length).toBe(asked)
    upload.sessionLost()
    await upload.limit()
    expect(fake.iqs.length).toBeGreaterThan(asked)
  })

  it('says so when the server has no upload service', async () => {
    const { upload } = setup({ items: ['conference.example.org'] })
    expect(await upload.service()).toBeNull()
    expect((await failure(upload.limit())).code).toBe('unsupported')
  })

  it('streams a file from disk with the slot headers (filtered) and returns the GET URL', async () => {
    const { upload, slotRequests } = setup()
    const data = randomBytes(1_000_000)
    const file = path.join(dir, 'holiday photo.jpg')
    await writeFile(file, data)
    const progress: [number, number][] = []
    const url = await upload.upload({ path: file, name: 'holiday photo.jpg', type: 'image/jpeg' }, { onProgress: (s, t) => progress.push([s, t]) })
    expect(url).toBe(`http://localhost:${port}/get/holiday%20photo.jpg`)
    expect(slotRequests[0]?.attrs).toMatchObject({ filename: 'holiday photo.jpg', size: '1000000', 'content-type': 'image/jpeg' })
    expect(puts).toHaveLength(1)
    expect(puts[0]?.sha256).toBe(createHash('sha256').update(data).digest('hex'))
    expect(puts[0]?.headers).toMatchObject({ authorization: 'Bearer t0ken', 'content-type': 'image/jpeg', 'content-length': '1000000' })
    expect(puts[0]?.headers['x-evil']).toBeUndefined()
    expect(progress.at(-1)).toEqual([1_000_000, 1_000_000])
  })

  it('uploads bytes from memory and sanitises name and type', async () => {
    const { upload, slotRequests } = setup()
    await upload.upload({ bytes: Buffer.from('hello'), name: '../../secret\u202Etxt.exe', type: 'text/plain; evil' })
    expect(slotRequests[0]?.attrs).toMatchObject({ filename: 'secrettxt.exe', size: '5', 'content-type': 'application/octet-stream' })
    expect(puts[0]?.bytes).toBe(5)
  })

  it('refuses a file over the limit before asking for a slot', async () => {
    const { upload, slotRequests } = setup({ max: '100' })
    const err = await failure(upload.upload({ bytes: new Uint8Array(101), name: 'x.bin', type: 'application/octet-stream' }))
    expect(err).toMatchObject({ code: 'invalid-argument', condition: 'file-too-large' })
    expect(err.detail).toContain('at most 100')
    expect(slotRequests).toEqual([])
    expect(puts).toEqual([])
  })

  it('reports a refused slot with the server condition', async () => {
    const { upload, fake } = setup()
    const base = fake.server
    fake.server = (iq) => {
      if (payloadOf(iq).is('request', NS_HTTP_UPLOAD)) throw stanzaError('resource-constraint', 'Quota reached')
      return base(iq)
    }
    const err = await failure(upload.requestSlot('a.txt', 10, 'text/plain'))
    expect(err).toMatchObject({ code: 'stanza-error', condition: 'resource-constraint' })
    expect(err.detail).toContain('Quota reached')
  })

  it('reports HTTP errors from the PUT', async () => {
    const { upload } = setup()
    respondWith = 413
    const err = await failure(upload.upload({ bytes: Buffer.alloc(10), name: 'a.bin', type: 'application/octet-stream' }))
    expect(err).toMatchObject({ code: 'unreachable', condition: 'http-413' })
  })

  it('can be cancelled mid-upload', async () => {
    const { upload } = setup({ max: String(100 * 1024 * 1024) })
    const ac = new AbortController()
    stallAfter = 200_000 // the server stops reading: the upload would hang without the cancel
    // Larger than what loopback socket buffers absorb (a few MB), so the cancel lands mid-file.
    const size = 32 * 1024 * 1024
    const file = path.join(dir, 'big.bin')
    await writeFile(file, Buffer.alloc(size, 7))
    let last = 0
    const p = upload.upload(
      { path: file, name: 'big.bin', type: 'application/octet-stream' },
      {
        signal: ac.signal,
        onProgress: (sent) => {
          last = sent
          if (sent > 0) ac.abort()
        }
      }
    )
    const err = await failure(p)
    expect(err.condition).toBe('cancelled')
    expect(last).toBeLessThan(size)
    expect(puts).toEqual([]) // the server never got a complete body
  })

  it('times out when the upload server stops reading', async () => {
    const { upload } = setup()
    stallAfter = 100_000
    const err = await failure(upload.upload({ bytes: randomBytes(4_000_000), name: 'big.bin', type: 'application/octet-stream' }))
    expect(err.code).toBe('timeout')
  })

  it('does not send a plain-http PUT anywhere but this machine', async () => {
    const { upload } = setup({ putHost: 'upload.localhost:1' })
    const resolving = new HttpUploadModule(upload['ctx'], upload['disco'], {
      allowInsecureHttpForLoopback: true,
      resolve: async () => [{ address: '192.168.1.10', family: 4 }]
    })
    const err = await failure(resolving.upload({ bytes: Buffer.alloc(1), name: 'a', type: 'a/b' }))
    expect(err.condition).toBe('blocked-address')
  })

  it('refuses to upload while offline', async () => {
    const { upload, fake } = setup()
    fake.online = false
    expect((await failure(upload.upload({ bytes: Buffer.alloc(1), name: 'a', type: 'a/b' }))).code).toBe('not-connected')
  })
})
