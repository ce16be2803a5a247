/* eslint-disable svelte/prefer-svelte-reactivity -- big collections are immutable snapshots in $state.raw, replaced once per batch (a SvelteMap would track every key). */
import { getContext, setContext, untrack } from 'svelte'
import type { ContactKey, ContactView, Events, SubscriptionRequestView } from '../../../shared/ipc/contract'
import type { AccountId } from '../../../shared/model/ids'
import { api, on } from '../lib/api'
import type { I18n } from '../lib/i18n.svelte'
import { fold, matchesAll, queryWords } from '../lib/search'

export const contactKey = (account: AccountId, jid: string): string => `${account}\u0000${jid}`

/** A contact plus what filtering needs, computed once per change of the contact (not per keystroke). */
export interface ContactEntry {
  key: string
  contact: ContactView
  /** Folded "name, JID, groups" for filter-as-you-type. */
  haystack: string
}

/** Group header id for contacts without a roster group (shown as "Contacts"). */
export const UNGROUPED = '\u0000ungrouped'

export type ContactRow =
  | { kind: 'requests'; key: string; count: number }
  | { kind: 'request'; key: string; request: SubscriptionRequestView }
  | { kind: 'group'; key: string; group: string; count: number; collapsed: boolean }
  | { kind: 'contact'; key: string; entry: ContactEntry; group: string }

function entryOf(contact: ContactView, previous: ContactEntry | undefined): ContactEntry {
  const key = contactKey(contact.account, contact.jid)
  // Presence changes are most of the traffic: keep the folded text when name and groups did not change.
  if (previous && previous.contact.name === contact.name && previous.contact.groups.join('\n') === contact.groups.join('\n')) {
    return { key, contact, haystack: previous.haystack }
  }
  return { key, contact, haystack: fold(`${contact.name}\n${contact.jid}\n${contact.groups.join('\n')}`) }
}

/**
 * Every account's contacts together. The collection is `$state.raw`: a batch event (a whole
 * roster, a burst of presence) builds one new Map and assigns it once; sorting, filtering and
 * grouping are derived, and the view renders only the visible rows.
 */
export class ContactsState {
  all = $state.raw<ReadonlyMap<string, ContactEntry>>(new Map())
  requests = $state.raw<SubscriptionRequestView[]>([])
  blocked = $state.raw<ContactKey[]>([])
  query = $state('')
  collapsed = $state.raw<ReadonlySet<string>>(new Set())
  loaded = $state(false)

  #pending: Events['contacts'][] | null = null
  /** Bumped when names, groups or membership change: presence updates (most traffic) keep the order. */
  #orderVersion = $state(0)

  constructor(private readonly i18n: I18n) {}

  #collator = $derived.by(() => new Intl.Collator(this.i18n.formatLocale, { sensitivity: 'base', numeric: true }))

  /** Keys by name; sorted again only when names, groups or membership change. */
  #order = $derived.by(() => {
    void this.#orderVersion
    const collator = this.#collator
    const entries = untrack(() => [...this.all.values()])
    return entries.sort((a, b) => collator.compare(a.contact.name, b.contact.name) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((e) => e.key)
  })

  /** All contacts by name, with their current presence. */
  sorted = $derived.by(() => {
    const all = this.all
    const out: ContactEntry[] = []
    for (const key of this.#order) {
      const e = all.get(key)
      if (e) out.push(e)
    }
    return out
  })

  /** Roster group names in use, sorted. */
  groups = $derived.by(() => {
    void this.#orderVersion
    const names = new Set<string>()
    for (const e of untrack(() => this.all.values())) for (const g of e.contact.groups) names.add(g)
    return [...names].sort(this.#collator.compare)
  })

  #words = $derived(queryWords(this.query))

  /** Contacts matching the filter (all of them when it is empty). */
  matches = $derived.by(() => {
    const words = this.#words
    return words.length === 0 ? this.sorted : this.sorted.filter((e) => matchesAll(e.haystack, words))
  })

  /** Requests matching the filter. */
  visibleRequests = $derived.by(() => {
    const words = this.#words
    if (words.length === 0) return this.requests
    return this.requests.filter((r) => matchesAll(fold(`${r.nick}\n${r.jid}\n${r.message}`), words))
  })

  /** The flat list the view virtualizes: requests on top, then groups with their contacts. */
  rows = $derived.by((): ContactRow[] => {
    const rows: ContactRow[] = []
    const requests = this.visibleRequests
    if (requests.length > 0) {
      rows.push({ kind: 'requests', key: 'requests', count: requests.length })
      for (const r of requests) rows.push({ kind: 'request', key: `r\u0000${contactKey(r.account, r.jid)}`, request: r })
    }
    const buckets = new Map<string, ContactEntry[]>()
    for (const e of this.matches) {
      const groups = e.contact.groups.length > 0 ? e.contact.groups : [UNGROUPED]
      for (const g of groups) {
        let bucket = buckets.get(g)
        if (!bucket) buckets.set(g, (bucket = []))
        bucket.push(e)
      }
    }
    const collator = this.#collator
    const order = [...buckets.keys()].sort((a, b) => (a === UNGROUPED ? 1 : b === UNGROUPED ? -1 : collator.compare(a, b)))
    const filtering = this.#words.length > 0
    for (const group of order) {
      const bucket = buckets.get(group) as ContactEntry[]
      // While filtering, every match shows, even in a collapsed group.
      const collapsed = !filtering && this.collapsed.has(group)
      rows.push({ kind: 'group', key: `g\u0000${group}`, group, count: bucket.length, collapsed })
      if (collapsed) continue
      for (const e of bucket) rows.push({ kind: 'contact', key: `c\u0000${group}\u0000${e.key}`, entry: e, group })
    }
    return rows
  })

  /** Subscribes first and queues what arrives until the initial list is in, so nothing is lost. */
  subscribe(): () => void {
    const offContacts = on('contacts', (changes) => {
      if (this.#pending) this.#pending.push(changes)
      else this.applyChanges(changes)
    })
    const offRequests = on('requests', (list) => {
      this.requests = list
    })
    return () => {
      offContacts()
      offRequests()
    }
  }

  async load(): Promise<void> {
    this.#pending = []
    try {
      const [list, requests] = await Promise.all([api.contacts.list(), api.contacts.requests()])
      const queued = this.#pending
      this.#pending = null
      this.applyChanges({ upsert: list, remove: [] }, true)
      for (const changes of queued) this.applyChanges(changes)
      this.requests = requests
      this.loaded = true
    } finally {
      this.#pending = null
    }
  }

  /** One batch event, one assignment. */
  applyChanges(changes: Events['contacts'], replace = false): void {
    if (!replace && changes.upsert.length === 0 && changes.remove.length === 0) return
    const previous = this.all
    const next = new Map(replace ? [] : previous)
    let reorder = replace
    for (const k of changes.remove) reorder = next.delete(contactKey(k.account, k.jid)) || reorder
    for (const c of changes.upsert) {
      const key = contactKey(c.account, c.jid)
      const before = previous.get(key)
      const entry = entryOf(c, before)
      // entryOf keeps the haystack exactly when name and groups are unchanged.
      if (!before || entry.haystack !== before.haystack) reorder = true
      next.set(key, entry)
    }
    this.all = next
    if (reorder) this.#orderVersion++
  }

  get(account: AccountId, jid: string): ContactView | undefined {
    return this.all.get(contactKey(account, jid))?.contact
  }

  toggleGroup(group: string): void {
    const next = new Set(this.collapsed)
    if (!next.delete(group)) next.add(group)
    this.collapsed = next
  }

  async loadBlocked(): Promise<void> {
    this.blocked = await api.contacts.blocked()
  }

  add(account: AccountId, jid: string, name: string, groups: string[], message: string): Promise<void> {
    return api.contacts.add(account, jid, name, [...groups], message)
  }

  update(contact: ContactView, name: string, groups: string[]): Promise<void> {
    return api.contacts.update(contact.account, contact.jid, name, [...groups])
  }

  remove(contact: ContactKey): Promise<void> {
    return api.contacts.remove(contact.account, contact.jid)
  }

  async block(account: AccountId, jid: string): Promise<void> {
    await api.contacts.block(account, jid)
    this.requests = this.requests.filter((r) => r.account !== account || r.jid !== jid)
  }

  async unblock(account: AccountId, jid: string): Promise<void> {
    await api.contacts.unblock(account, jid)
    this.blocked = this.blocked.filter((k) => k.account !== account || k.jid !== jid)
  }

  async approve(request: SubscriptionRequestView, addBack: boolean): Promise<void> {
    await api.contacts.approve(request.account, request.jid, addBack)
    this.dropRequest(request)
  }

  async deny(request: SubscriptionRequestView): Promise<void> {
    await api.contacts.deny(request.account, request.jid)
    this.dropRequest(request)
  }

  private dropRequest(request: SubscriptionRequestView): void {
    this.requests = this.requests.filter((r) => r.account !== request.account || r.jid !== request.jid)
  }
}

const KEY = Symbol('contacts')
export const CONTACTS_KEY = KEY
export const setContactsContext = (s: ContactsState): ContactsState => setContext(KEY, s)
export function getContactsContext(): ContactsState {
  const s = getContext<ContactsState | undefined>(KEY)
  if (!s) throw new Error('ContactsState not found: render inside the App')
  return s
}
