import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import type { FileToSend, ImagePreview, TransferView } from '../../../shared/ipc/contract'
import type { AccountId } from '../../../shared/model/ids'
import type { Core } from '../createCore'
import { CoreError, toCoreError } from '../errors'
import { download, fetchInlineImage } from '../files/download'
import { cancelled } from '../files/http'
import type { ImageLimits } from '../files/image'
import { harmlessFileName } from '../files/names'
import type { HistoryService } from './HistoryService'

const PREVIEW_MAX_BYTES = 8 * 1024 * 1024
/** 16 megapixels (64 MB of RGBA once decoded) is plenty for a picture shown at 280 × 220. */
const PREVIEW_LIMITS: ImageLimits = { maxPixels: 16_000_000 }

export interface FilesOptions {
  /** Previews fetched at once; the rest wait their turn. */
  previewConcurrency?: number
  /** A preview not complete this long after its fetch started is given up (a server dripping bytes). */
  previewDeadlineMs?: number
}

interface Transfer {
  view: TransferView
  abort: AbortController
}

/** One preview fetch, queued or running, and how many asked for it and still want it. */
interface PendingPreview {
  url: string
  promise: Promise<ImagePreview | null>
  abort: AbortController
  holders: number
}

/**
 * File sharing as the user sees it: uploads (XEP-0363) that end in a message with the link (marked
 * as a file with XEP-0066 out-of-band data, in chats, rooms and private messages alike), and
 * downloads into the downloads folder, each with progress and cancel, as `transfers` events.
 */
export class FilesService extends EventEmitter<{ transfers: [TransferView[]] }> {
  private readonly transfers = new Map<string, Transfer>()
  private readonly previewSlots: Slots
  private readonly previewDeadlineMs: number
  /** Previews asked for and not answered yet, by URL and permission: asking again joins them. */
  private readonly previewsPending = new Map<string, PendingPreview>()

  constructor(
    private readonly core: Core,
    private readonly history: HistoryService,
    private readonly downloadsDir: string,
    options: FilesOptions = {}
  ) {
    super()
    this.previewSlots = new Slots(options.previewConcurrency ?? 3)
    this.previewDeadlineMs = options.previewDeadlineMs ?? 60_000
  }

  uploadLimit(account: AccountId): Promise<number | null> {
    return this.core.accounts.get(account).upload.limit()
  }

  /** Uploads and then sends the link; resolves with the transfer id at once. */
  send(account: AccountId, peer: string, file: FileToSend): string {
    const a = this.core.accounts.get(account)
    const id = randomUUID()
    const t = this.start({ id, direction: 'up', account, peer, name: file.name, done: 0, total: file.bytes.byteLength, state: 'running' })
    void a.upload
      .upload(
        { bytes: file.bytes, name: file.name, type: file.type },
        { signal: t.abort.signal, onProgress: (done, total) => this.update(id, { done, total }) }
      )
      .then((url) => {
        // Stored as a file share: it goes out with XEP-0066 data, from the outbox too.
        this.history.send(account, peer, url, null, { attachment: true })
        this.update(id, { state: 'done', done: file.bytes.byteLength, url })
      })
      .catch((err: unknown) => this.fail(id, err))
    return id
  }

  /** Downloads into the downloads folder; resolves with the transfer id at once. */
  download(url: string, allowPrivate: boolean): string {
    const id = randomUUID()
    // What it will be saved as: a name that would run when opened shows its ".download" at once.
    const name = harmlessFileName(safeName(url), 'download')
    const t = this.start({ id, direction: 'down', account: null, peer: null, name, done: 0, total: null, state: 'running', url })
    void download(url, { dir: this.downloadsDir, allowPrivate, signal: t.abort.signal, onProgress: (done, total) => this.update(id, { done, total }) })
      .then((r) => this.update(id, { state: 'done', done: r.bytes, total: r.bytes, path: r.path, name: r.name }))
      .catch((err: unknown) => this.fail(id, err))
    return id
  }

  cancel(id: string): void {
    const t = this.transfers.get(id)
    if (!t || t.view.state !== 'running') return
    t.abort.abort()
    this.update(id, { state: 'cancelled' })
  }

  /**
   * A received image for inline display: fetched with the address rules, checked, as a data URL.
   * A few at a time (a chat full of pictures must not open dozens of connections), each within an
   * overall deadline (the idle timeout alone lets a server send a byte every 29 s forever).
   */
  preview(url: string, allowPrivate: boolean): Promise<ImagePreview | null> {
    const key = `${allowPrivate ? 'private-ok' : 'public'} ${url}`
    const pending = this.previewsPending.get(key)
    if (pending) {
      pending.holders++
      return pending.promise
    }
    const abort = new AbortController()
    const promise = this.previewSlots.run(() => this.fetchPreview(url, allowPrivate, abort.signal), abort.signal).finally(() => {
      if (this.previewsPending.get(key) === entry) this.previewsPending.delete(key)
    })
    const entry: PendingPreview = { url, promise, abort, holders: 1 }
    this.previewsPending.set(key, entry)
    return promise
  }

  /**
   * One holder of a URL's preview lets go (a card left the screen). Only when no holder is left,
   * with or without the private-address permission, is the fetch dropped from the queue or
   * aborted: two cards showing the same picture share one fetch. Nothing pending: nothing to do.
   */
  cancelPreview(url: string): void {
    const entries = [...this.previewsPending.entries()].filter(([, e]) => e.url === url)
    const held = entries.find(([, e]) => e.holders > 0)
    if (!held) return
    held[1].holders--
    if (entries.some(([, e]) => e.holders > 0)) return
    for (const [key, e] of entries) {
      // Asking again from now on starts a new fetch rather than joining the cancelled one.
      this.previewsPending.delete(key)
      e.abort.abort()
    }
  }

  private async fetchPreview(url: string, allowPrivate: boolean, cancel: AbortSignal): Promise<ImagePreview | null> {
    const deadline = new AbortController()
    const timer = setTimeout(() => deadline.abort(), this.previewDeadlineMs)
    try {
      const signal = AbortSignal.any([deadline.signal, cancel])
      const { info, bytes } = await fetchInlineImage(url, { allowPrivate, maxBytes: PREVIEW_MAX_BYTES, limits: PREVIEW_LIMITS, signal })
      return { dataUrl: `data:${info.mime};base64,${bytes.toString('base64')}`, width: info.width, height: info.height }
    } catch (err) {
      // Nobody wants it any more: say so (not "no preview", which the window would remember).
      if (cancel.aborted) throw cancelled()
      const e = toCoreError(err)
      // A private address needs the user's click: say so; anything else is simply "no preview".
      if (e.condition === 'blocked-address') throw e
      return null
    } finally {
      clearTimeout(timer)
    }
  }

  private start(view: TransferView): Transfer {
    const t = { view, abort: new AbortController() }
    this.transfers.set(view.id, t)
    this.emit('transfers', [view])
    return t
  }

  private update(id: string, patch: Partial<TransferView>): void {
    const t = this.transfers.get(id)
    if (!t || (t.view.state !== 'running' && patch.state === undefined)) return
    t.view = { ...t.view, ...patch }
    this.emit('transfers', [t.view])
    if (t.view.state !== 'running') setTimeout(() => this.transfers.delete(id), 60_000).unref?.()
  }

  private fail(id: string, err: unknown): void {
    const t = this.transfers.get(id)
    if (!t || t.view.state === 'cancelled') return
    this.update(id, { state: 'failed', error: toCoreError(err).toView() })
  }
}

/**
 * Runs at most `size` tasks at once; the others wait, first come first served. A waiting task whose
 * signal aborts leaves the line without running (its run rejects as cancelled).
 */
class Slots {
  private active = 0
  private readonly waiting: (() => void)[] = []

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw cancelled()
    if (this.active < this.size) this.active++
    else {
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const i = this.waiting.indexOf(take)
          if (i >= 0) this.waiting.splice(i, 1)
          reject(cancelled())
        }
        const take = (): void => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        this.waiting.push(take)
      })
    }
    try {
      return await task()
    } finally {
      // The slot passes straight to the next in line, or frees up.
      const next = this.waiting.shift()
      if (next) next()
      else this.active--
    }
  }
}

function safeName(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '') || 'download'
  } catch {
    throw new CoreError('invalid-argument', 'Not a link')
  }
}
