/* eslint-disable svelte/prefer-svelte-reactivity -- collections are immutable snapshots in $state.raw, replaced once per event. */
import { getContext, setContext } from 'svelte'
import type { ImagePreview, TransferView } from '../../../shared/ipc/contract'
import type { AccountId } from '../../../shared/model/ids'
import { api, ApiError, on, toApiError } from '../lib/api'
import { isSafeImageDataUrl } from '../lib/links'

/** The server's upload limit for an account, as far as we know it. */
export type UploadLimit = { state: 'loading' } | { state: 'known'; bytes: number | null } | { state: 'unsupported' } | { state: 'failed'; error: ApiError }

export type PreviewState =
  | { state: 'loading' }
  | { state: 'ready'; preview: ImagePreview }
  /** On a local/private address: shown only after the user asks for it. */
  | { state: 'blocked' }
  /** Not an image we show (too big, not a picture, gone). */
  | { state: 'none' }

/** Transfers kept for the views (newest last); finished ones beyond this are forgotten. */
const KEEP_TRANSFERS = 200
/**
 * Previews kept (newest last): at most this many, and at most this many characters of data URLs
 * (a preview may be up to 8 MB of image). The oldest go first, never one on screen; a forgotten
 * one is fetched again when its card shows.
 */
const KEEP_PREVIEWS = 200
const KEEP_PREVIEW_CHARS = 96 * 1024 * 1024

/**
 * Uploads and downloads with their progress (from `transfers` events), upload limits per account,
 * and inline image previews by URL. Sending reads the file's bytes here; the component only hands
 * over the File it got from the picker, a drop or the clipboard.
 */
export class FilesState {
  transfers = $state.raw<ReadonlyMap<string, TransferView>>(new Map())
  limits = $state.raw<ReadonlyMap<AccountId, UploadLimit>>(new Map())
  previews = $state.raw<ReadonlyMap<string, PreviewState>>(new Map())
  /** The download transfer started for a URL (the attachment card follows it). */
  downloads = $state.raw<ReadonlyMap<string, string>>(new Map())
  /** Uploads whose failure the user dismissed. */
  #dismissed = new Set<string>()
  /** Previews on screen, with how many cards show each: kept however old. */
  #held = new Map<string, number>()

  subscribe(): () => void {
    return on('transfers', (list) => this.applyTransfers(list))
  }

  applyTransfers(list: readonly TransferView[]): void {
    if (list.length === 0) return
    const next = new Map(this.transfers)
    for (const t of list) next.set(t.id, t)
    if (next.size > KEEP_TRANSFERS) {
      for (const [id, t] of next) {
        if (next.size <= KEEP_TRANSFERS) break
        if (t.state !== 'running') next.delete(id)
      }
    }
    this.transfers = next
  }

  /** Uploads of one conversation to show above its composer: running, and failed until dismissed. */
  uploads(account: AccountId, peer: string): TransferView[] {
    const out: TransferView[] = []
    for (const t of this.transfers.values()) {
      if (t.direction !== 'up' || t.account !== account || t.peer !== peer) continue
      if (t.state === 'running' || (t.state === 'failed' && !this.#dismissed.has(t.id))) out.push(t)
    }
    return out
  }

  dismiss(id: string): void {
    this.#dismissed.add(id)
    this.transfers = new Map(this.transfers)
  }

  /** Asks the server's limit once per account (null: the server names none). */
  async loadLimit(account: AccountId): Promise<void> {
    const known = this.limits.get(account)
    if (known && known.state !== 'failed') return
    this.#setLimit(account, { state: 'loading' })
    try {
      this.#setLimit(account, { state: 'known', bytes: await api.files.uploadLimit(account) })
    } catch (err) {
      const error = toApiError(err)
      this.#setLimit(account, error.code === 'unsupported' ? { state: 'unsupported' } : { state: 'failed', error })
    }
  }

  limit(account: AccountId): UploadLimit | undefined {
    return this.limits.get(account)
  }

  /** True when the file is larger than the account's known limit. */
  tooLarge(account: AccountId, file: Pick<File, 'size'>): boolean {
    const limit = this.limits.get(account)
    return limit?.state === 'known' && limit.bytes !== null && file.size > limit.bytes
  }

  /** Uploads the file and sends its link; resolves with the transfer id. Refuses what is over the limit. */
  async send(account: AccountId, peer: string, file: File): Promise<string> {
    await this.loadLimit(account)
    const limit = this.limits.get(account)
    if (limit?.state === 'unsupported') throw new ApiError({ code: 'unsupported', detail: 'No file upload on this server' })
    if (this.tooLarge(account, file)) throw new ApiError({ code: 'invalid-argument', detail: 'The file is larger than the server accepts', condition: 'too-large' })
    const bytes = new Uint8Array(await file.arrayBuffer())
    const id = await api.files.send(account, peer, { name: file.name || 'file', type: file.type, bytes })
    // The first progress event may come before or after the id: show the upload at once.
    if (!this.transfers.has(id)) this.applyTransfers([{ id, direction: 'up', account, peer, name: file.name, done: 0, total: file.size, state: 'running' }])
    return id
  }

  cancel(id: string): Promise<void> {
    return api.files.cancel(id)
  }

  /** Downloads into the downloads folder; progress and the saved path come as transfers. */
  async download(url: string, allowPrivate: boolean): Promise<string> {
    const id = await api.files.download(url, allowPrivate)
    this.downloads = new Map(this.downloads).set(url, id)
    if (!this.transfers.has(id)) this.applyTransfers([{ id, direction: 'down', account: null, peer: null, name: '', done: 0, total: null, state: 'running', url }])
    return id
  }

  /** The download of a URL, if one was started in this run. */
  downloadOf(url: string): TransferView | undefined {
    const id = this.downloads.get(url)
    return id ? this.transfers.get(id) : undefined
  }

  preview(url: string): PreviewState | undefined {
    return this.previews.get(url)
  }

  /**
   * A card shows this URL's preview: keep it while it does. Returns the release. When the last
   * card of a URL goes while its preview still loads, main is told to drop the fetch (queued or
   * running) and the loading entry is forgotten: shown again, it is fetched again.
   */
  holdPreview(url: string): () => void {
    this.#held.set(url, (this.#held.get(url) ?? 0) + 1)
    let held = true
    return () => {
      if (!held) return
      held = false
      const n = (this.#held.get(url) ?? 1) - 1
      if (n > 0) {
        this.#held.set(url, n)
        return
      }
      this.#held.delete(url)
      if (this.previews.get(url)?.state !== 'loading') return
      const next = new Map(this.previews)
      next.delete(url)
      this.previews = next
      // Best effort: if it fails, the fetch just finishes into a card nobody shows.
      api.files.cancelPreview(url).catch(() => undefined)
    }
  }

  /**
   * Fetches an inline preview (main checks the address, size and type). A local or private
   * address is refused until the user clicks to allow it: then `allowPrivate` is true.
   */
  async loadPreview(url: string, allowPrivate = false): Promise<void> {
    const current = this.previews.get(url)
    if (current?.state === 'loading' || current?.state === 'ready') return
    // Known already: only the user's click (allowPrivate) tries again.
    if (current && !allowPrivate) return
    const loading: PreviewState = { state: 'loading' }
    this.#setPreview(url, loading)
    let result: PreviewState
    try {
      const preview = await api.files.preview(url, allowPrivate)
      result = preview && isSafeImageDataUrl(preview.dataUrl) ? { state: 'ready', preview } : { state: 'none' }
    } catch (err) {
      const error = toApiError(err)
      result = error.condition === 'blocked-address' && !allowPrivate ? { state: 'blocked' } : { state: 'none' }
    }
    // Cancelled meanwhile (its last card went; maybe a new load started since): not ours to set.
    if (this.previews.get(url) === loading) this.#setPreview(url, result)
  }

  #setLimit(account: AccountId, limit: UploadLimit): void {
    this.limits = new Map(this.limits).set(account, limit)
  }

  #setPreview(url: string, state: PreviewState): void {
    const next = new Map(this.previews)
    next.delete(url) // re-inserted as the newest
    next.set(url, state)
    let chars = 0
    for (const p of next.values()) if (p.state === 'ready') chars += p.preview.dataUrl.length
    for (const [key, p] of next) {
      if (next.size <= KEEP_PREVIEWS && chars <= KEEP_PREVIEW_CHARS) break
      // Loading ones finish into the map anyway; shown ones would only be fetched again at once.
      if (key === url || p.state === 'loading' || this.#held.has(key)) continue
      if (p.state === 'ready') chars -= p.preview.dataUrl.length
      next.delete(key)
    }
    this.previews = next
  }
}

const KEY = Symbol('files')
export const FILES_KEY = KEY
export const setFilesContext = (s: FilesState): FilesState => setContext(KEY, s)
export function getFilesContext(): FilesState {
  const s = getContext<FilesState | undefined>(KEY)
  if (!s) throw new Error('FilesState not found: render inside the App')
  return s
}
