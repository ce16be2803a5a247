import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AvatarCache, sha1Hex } from '../../../../../../src/main/core/xep/0084-avatars'
import { gif, png, SVG, webpLossless } from '../../files/images'

let dir = ''
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'parley-avatars-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('AvatarCache', () => {
  it('stores by SHA-1 and reads back, verified', async () => {
    const cache = new AvatarCache({ dir: path.join(dir, 'nested', 'avatars') })
    const bytes = png(16, 16)
    const stored = await cache.put(bytes)
    expect(stored.hash).toBe(sha1Hex(bytes))
    expect(stored.info).toMatchObject({ type: 'png', width: 16, height: 16 })
    expect(await readdir(path.join(dir, 'nested', 'avatars'))).toEqual([stored.hash])
    const fresh = new AvatarCache({ dir: path.join(dir, 'nested', 'avatars') }) // no memory copy
    const read = await fresh.get(stored.hash.toUpperCase())
    expect(read?.bytes.equals(bytes)).toBe(true)
    expect(await fresh.has(stored.hash)).toBe(true)
  })

  it('refuses bytes that do not match the announced hash', async () => {
    const cache = new AvatarCache({ dir })
    await expect(cache.put(png(2, 2), sha1Hex(gif()))).rejects.toMatchObject({ condition: 'hash-mismatch' })
    expect(await readdir(dir)).toEqual([])
  })

  it('accepts PNG, GIF and WebP; refuses SVG, garbage, oversize and huge dimensions', async () => {
    const cache = new AvatarCache({ dir, maxBytes: 2048 })
    await cache.put(gif(4, 4))
    await cache.put(webpLossless(8, 8))
    await expect(cache.put(SVG)).rejects.toMatchObject({ condition: 'svg-refused' })
    await expect(cache.put(Buffer.from('hello'))).rejects.toMatchObject({ condition: 'not-an-image' })
    await expect(cache.put(Buffer.concat([png(2, 2), Buffer.alloc(3000)]))).rejects.toMatchObject({ condition: 'too-large' })
    await expect(cache.put(webpLossless(5000, 5000))).rejects.toMatchObject({ condition: 'dimensions-too-large' })
    expect((await readdir(dir)).length).toBe(2)
  })

  it('never reads outside its folder and drops files that no longer match their name', async () => {
    const cache = new AvatarCache({ dir })
    expect(await cache.get('../../etc/passwd')).toBeNull()
    expect(await cache.has('..')).toBe(false)
    const bytes = png(3, 3)
    const hash = sha1Hex(bytes)
    await writeFile(path.join(dir, hash), Buffer.concat([bytes, Buffer.from('tampered')]))
    expect(await cache.get(hash)).toBeNull()
    expect(await readdir(dir)).toEqual([]) // the corrupt file was removed
  })

  it('is idempotent for the same picture', async () => {
    const cache = new AvatarCache({ dir })
    const a = await cache.put(png(5, 5))
    const b = await cache.put(png(5, 5))
    expect(a.hash).toBe(b.hash)
    expect(await readdir(dir)).toEqual([a.hash])
  })
})
