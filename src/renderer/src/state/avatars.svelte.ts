/* eslint-disable svelte/prefer-svelte-reactivity -- the cache is an immutable snapshot in $state.raw, replaced once per batch. */
import { getContext, setContext } from 'svelte'
import type { AccountId } from '../../../shared/model/ids'
import { api, ApiError, on } from '../lib/api'
import { AVATAR_MAX, canvasResizer, pngSize, type ImageResizer } from '../lib/image'
import { isSafeImageDataUrl } from '../lib/links'

const jidKey = (account: AccountId, jid: string): string => `${account}\u0000${jid}`

/**
 * Avatars by hash (SHA-1, so a hash never changes meaning): data URLs fetched lazily, only for
 * avatars a visible row asks for, in batches (one assignment per batch). `avatars` events name the
 * new hash of a JID before (or after) the contact and conversation views do; the newest wins, and
 * what the JID had before is dropped from the cache.
 */
export class AvatarsState {
  #urls = $state.raw<ReadonlyMap<string, string | null>>(new Map())
  #latest = $state.raw<ReadonlyMap<string, string | null>>(new Map())
  /** The hash last shown per JID (not state: only read when an event replaces it). */
  #shown = new Map<string, string>()
  #queued = new Set<string>()
  #inflight = new Set<string>()
  #scheduled = false
  /** Turns a picked picture into PNG bytes (a canvas in the app; tests inject their own). */
  resizer: ImageResizer = canvasResizer

  subscribe(): () => void {
    return on('avatars', (list) => {
      const latest = new Map(this.#latest)
      const drop: string[] = []
      for (const { account, jid, hash } of list) {
        const key = jidKey(account, jid)
        const before = latest.get(key) ?? this.#shown.get(key)
        if (before && before !== hash) drop.push(before)
        // A hash main did not have yet (null in the cache) may be there now: ask again.
        if (hash && this.#urls.get(hash) === null) drop.push(hash)
        latest.set(key, hash)
      }
      this.#latest = latest
      if (drop.length > 0) {
        const urls = new Map(this.#urls)
        for (const h of drop) urls.delete(h)
        this.#urls = urls
      }
    })
  }

  /** The hash to show for a JID: the newest from events, else the one its view carries. */
  hashFor(account: AccountId, jid: string, viewHash: string | null): string | null {
    const key = jidKey(account, jid)
    const hash = this.#latest.has(key) ? (this.#latest.get(key) ?? null) : viewHash
    if (hash) this.#shown.set(key, hash)
    return hash
  }

  /** The data URL of a hash: a string when loaded, null when there is none, undefined until asked. */
  url(hash: string): string | null | undefined {
    return this.#urls.get(hash)
  }

  /** Asks for a hash (a row became visible); requests of one tick go out together. */
  want(hash: string): void {
    if (this.#urls.has(hash) || this.#inflight.has(hash) || !/^[0-9a-f]{40}$/.test(hash)) return
    this.#queued.add(hash)
    if (this.#scheduled) return
    this.#scheduled = true
    queueMicrotask(() => void this.#fetch())
  }

  async #fetch(): Promise<void> {
    this.#scheduled = false
    const hashes = [...this.#queued]
    this.#queued.clear()
    for (const h of hashes) this.#inflight.add(h)
    const results = await Promise.all(hashes.map((h) => api.avatars.get(h).catch(() => null)))
    for (const h of hashes) this.#inflight.delete(h)
    const urls = new Map(this.#urls)
    hashes.forEach((h, i) => {
      const url = results[i]
      urls.set(h, url && isSafeImageDataUrl(url) ? url : null)
    })
    this.#urls = urls
  }

  /** Scales the picture down to a PNG of at most 192×192 here (the original never leaves) and publishes it. */
  async setOwn(account: AccountId, file: Blob): Promise<string> {
    if (file.type !== '' && !file.type.startsWith('image/')) throw new ApiError({ code: 'invalid-argument', detail: 'Not a picture', condition: 'not-an-image' })
    let bytes: Uint8Array
    try {
      bytes = await this.resizer(file, AVATAR_MAX)
    } catch (err) {
      throw new ApiError({ code: 'invalid-argument', detail: err instanceof Error ? err.message : String(err), condition: 'not-an-image' })
    }
    const size = pngSize(bytes)
    if (!size || size.width > AVATAR_MAX || size.height > AVATAR_MAX || size.width === 0 || size.height === 0) {
      throw new ApiError({ code: 'internal', detail: 'The picture was not scaled to a PNG of at most 192×192' })
    }
    return api.avatars.setOwn(account, bytes)
  }

  removeOwn(account: AccountId): Promise<void> {
    return api.avatars.removeOwn(account)
  }
}

const KEY = Symbol('avatars')
export const AVATARS_KEY = KEY
export const setAvatarsContext = (s: AvatarsState): AvatarsState => setContext(KEY, s)
/** The cache, or null outside the app (a component rendered alone then shows placeholders). */
export function getAvatarsContext(): AvatarsState | null {
  return getContext<AvatarsState | undefined>(KEY) ?? null
}
