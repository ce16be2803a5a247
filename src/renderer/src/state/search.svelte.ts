import { getContext, setContext } from 'svelte'
import type { SearchHitView, SearchQueryView } from '../../../shared/ipc/contract'
import type { AccountId } from '../../../shared/model/ids'
import { api, toApiError, type ApiError } from '../lib/api'
import { dayBound } from '../lib/search'

export const SEARCH_PAGE = 30
const DEBOUNCE_MS = 250

/**
 * Search across every account and chat (newest first): typing runs it after a short pause, the
 * filters narrow it (account, conversation, dates), "more" pages on with the last hit's cursor.
 * Late answers of an older query are dropped.
 */
export class SearchState {
  text = $state('')
  account = $state<AccountId | ''>('')
  /** `account\0peer` of one conversation, or '' for all. */
  conversation = $state('')
  since = $state('')
  until = $state('')
  hits = $state.raw<SearchHitView[]>([])
  loading = $state(false)
  /** No more hits than those shown. */
  complete = $state(true)
  /** A query has run (the view then says "nothing found" instead of a hint). */
  searched = $state(false)
  error = $state.raw<ApiError | null>(null)
  #timer: ReturnType<typeof setTimeout> | undefined
  #seq = 0

  /** The query the form describes (without a cursor), or null when there is no text. */
  query(): SearchQueryView | null {
    const text = this.text.trim()
    if (text === '') return null
    const [account, peer] = this.conversation ? (this.conversation.split('\u0000') as [AccountId, string]) : [this.account || undefined, undefined]
    const since = dayBound(this.since, false)
    const until = dayBound(this.until, true)
    return {
      text: text.slice(0, 256),
      limit: SEARCH_PAGE,
      ...(account ? { account } : {}),
      ...(peer ? { peer } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {})
    }
  }

  /** After a keystroke or a filter change: search once the user pauses. */
  schedule(): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => void this.run(), DEBOUNCE_MS)
  }

  async run(): Promise<void> {
    clearTimeout(this.#timer)
    const query = this.query()
    const seq = ++this.#seq
    if (!query) {
      this.hits = []
      this.searched = false
      this.complete = true
      this.loading = false
      this.error = null
      return
    }
    this.loading = true
    try {
      const hits = await api.chats.search(query)
      if (seq !== this.#seq) return
      this.hits = hits
      this.complete = hits.length < SEARCH_PAGE
      this.error = null
      this.searched = true
    } catch (err) {
      if (seq === this.#seq) this.error = toApiError(err)
    } finally {
      if (seq === this.#seq) this.loading = false
    }
  }

  /** The next page, older than the last hit shown. */
  async more(): Promise<void> {
    const query = this.query()
    const last = this.hits[this.hits.length - 1]
    if (!query || !last || this.loading || this.complete) return
    const seq = ++this.#seq
    this.loading = true
    try {
      const page = await api.chats.search({ ...query, before: last.cursor })
      if (seq !== this.#seq) return
      this.hits = [...this.hits, ...page]
      this.complete = page.length < SEARCH_PAGE
    } catch (err) {
      if (seq === this.#seq) this.error = toApiError(err)
    } finally {
      if (seq === this.#seq) this.loading = false
    }
  }

  dispose(): void {
    clearTimeout(this.#timer)
  }
}

const KEY = Symbol('search')
export const SEARCH_KEY = KEY
export const setSearchContext = (s: SearchState): SearchState => setContext(KEY, s)
export function getSearchContext(): SearchState {
  const s = getContext<SearchState | undefined>(KEY)
  if (!s) throw new Error('SearchState not found: render inside the App')
  return s
}
