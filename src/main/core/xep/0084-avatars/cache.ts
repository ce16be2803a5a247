import { randomBytes } from 'node:crypto'
import { access, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { CoreError } from '../../errors'
import { inspectImage, type ImageInfo } from '../../files/image'
import { BoundedMap } from '../../util/BoundedMap'
import { isAvatarHash, sha1Hex } from './parse'

export interface AvatarCacheOptions {
  /** Folder of the cache: one file per avatar, named by its SHA-1. */
  dir: string
  /** Largest avatar accepted (default 512 KiB). */
  maxBytes?: number
  /** Largest side in pixels (default 4,096: an avatar is shown at most a few hundred px wide). */
  maxSide?: number
}

export interface Avatar {
  hash: string
  bytes: Buffer
  info: ImageInfo
}

const MEMORY_ENTRIES = 256

/**
 * Avatars on disk, content-addressed: the file name is the SHA-1 of the bytes, so the same picture
 * is stored once for every contact and account that uses it, a name can never point outside the
 * folder, and a file that no longer matches its name (a partial write, tampering) is rejected on
 * read. Only PNG, JPEG, GIF and WebP within the size limits get in. One cache is shared by all
 * accounts.
 */
export class AvatarCache {
  readonly maxBytes: number
  private readonly maxSide: number
  private readonly memory = new BoundedMap<string, Avatar>(MEMORY_ENTRIES)
  private ready: Promise<unknown> | null = null

  constructor(private readonly options: AvatarCacheOptions) {
    this.maxBytes = options.maxBytes ?? 512 * 1024
    this.maxSide = options.maxSide ?? 4_096
  }

  /** Checks an image as an avatar: type, bytes, dimensions. Throws a `bad-input` CoreError. */
  check(bytes: Uint8Array): ImageInfo {
    return inspectImage(bytes, { maxBytes: this.maxBytes, maxSide: this.maxSide, maxPixels: this.maxSide * this.maxSide, maxFrames: 500 })
  }

  /**
   * Stores an avatar after checking it; with `expected`, the bytes must hash to it (the id the
   * publisher announced). Resolves with the hash it is stored under.
   */
  async put(bytes: Uint8Array, expected?: string): Promise<Avatar> {
    const hash = sha1Hex(bytes)
    if (expected !== undefined && hash !== expected.toLowerCase()) {
      throw new CoreError('bad-input', `The avatar's bytes hash to ${hash}, not the announced ${expected}`, { condition: 'hash-mismatch' })
    }
    const info = this.check(bytes)
    const avatar = { hash, bytes: Buffer.from(bytes), info }
    if (!(await this.has(hash))) {
      await this.ensureDir()
      // Write then rename: a reader never sees half a file under the final name.
      const tmp = path.join(this.options.dir, `.${hash}.${randomBytes(4).toString('hex')}.tmp`)
      await writeFile(tmp, avatar.bytes)
      await rename(tmp, this.file(hash)).catch(async (err: unknown) => {
        await unlink(tmp).catch(() => undefined)
        throw err
      })
    }
    this.memory.set(hash, avatar)
    return avatar
  }

  /** The avatar stored under `hash`, verified again; null when absent, invalid or corrupt. */
  async get(hash: string): Promise<Avatar | null> {
    const h = hash.toLowerCase()
    if (!isAvatarHash(h)) return null
    const hit = this.memory.get(h)
    if (hit) return hit
    let bytes: Buffer
    try {
      bytes = await readFile(this.file(h))
    } catch {
      return null
    }
    if (bytes.length > this.maxBytes || sha1Hex(bytes) !== h) {
      await unlink(this.file(h)).catch(() => undefined)
      return null
    }
    try {
      const avatar = { hash: h, bytes, info: this.check(bytes) }
      this.memory.set(h, avatar)
      return avatar
    } catch {
      return null
    }
  }

  /** Whether a file is stored under `hash` (its content is verified by get()). */
  async has(hash: string): Promise<boolean> {
    const h = hash.toLowerCase()
    if (!isAvatarHash(h)) return false
    if (this.memory.has(h)) return true
    try {
      await access(this.file(h))
      return true
    } catch {
      return false
    }
  }

  private file(hash: string): string {
    return path.join(this.options.dir, hash)
  }

  private ensureDir(): Promise<unknown> {
    this.ready ??= mkdir(this.options.dir, { recursive: true }).catch((err: unknown) => {
      this.ready = null
      throw err
    })
    return this.ready
  }
}
