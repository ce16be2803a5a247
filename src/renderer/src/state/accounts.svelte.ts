/* eslint-disable svelte/prefer-svelte-reactivity -- derived values are rebuilt whole on each change; nothing is mutated in place. */
import { getContext, setContext } from 'svelte'
import type { AccountPatch, AccountView, RegisterRequest, SignInRequest } from '../../../shared/ipc/contract'
import type { AccountId } from '../../../shared/model/ids'
import type { OwnPresence, PresenceShow } from '../../../shared/model/presence'
import { api, on, toApiError, type ApiError } from '../lib/api'

/** The user's accounts with their live connection state; the `accounts` event replaces the list. */
export class AccountsState {
  list = $state.raw<AccountView[]>([])
  loaded = $state(false)
  byId = $derived(new Map(this.list.map((a) => [a.id, a])))
  /** More than one account: rows then carry an account colour marker. */
  several = $derived(this.list.length > 1)
  /** The status all enabled accounts share, or null when they differ (or none is enabled). */
  commonShow = $derived.by((): PresenceShow | null => {
    const shows = new Set(this.list.filter((a) => a.enabled).map((a) => a.presence.show))
    return shows.size === 1 ? ([...shows][0] ?? null) : null
  })

  async load(): Promise<void> {
    this.list = await api.accounts.list()
    this.loaded = true
  }

  subscribe(): () => void {
    return on('accounts', (list) => {
      this.list = list
      this.loaded = true
    })
  }

  get(id: AccountId): AccountView | undefined {
    return this.byId.get(id)
  }

  async signIn(request: SignInRequest): Promise<AccountId> {
    const id = await api.accounts.signIn(request)
    await this.load()
    return id
  }

  async register(request: RegisterRequest): Promise<AccountId> {
    const id = await api.accounts.register(request)
    await this.load()
    return id
  }

  setEnabled(id: AccountId, enabled: boolean): Promise<void> {
    return api.accounts.setEnabled(id, enabled)
  }

  setPresence(id: AccountId | null, presence: OwnPresence): Promise<void> {
    return api.accounts.setPresence(id, { show: presence.show, status: presence.status, priority: presence.priority })
  }

  /**
   * "Status for all accounts": the same show on every enabled account, each keeping its own status
   * message and priority. Every account is tried; the ones that failed come back with their error.
   */
  async setShowAll(show: PresenceShow): Promise<{ account: AccountView; error: ApiError }[]> {
    const enabled = this.list.filter((a) => a.enabled)
    const results = await Promise.allSettled(enabled.map((a) => this.setPresence(a.id, { ...a.presence, show })))
    return results.flatMap((r, i) => (r.status === 'rejected' ? [{ account: enabled[i] as AccountView, error: toApiError(r.reason) }] : []))
  }

  /** Connection settings (server override, resource); used from the next connection on. */
  update(id: AccountId, patch: AccountPatch): Promise<void> {
    return api.accounts.update(id, patch)
  }

  async remove(id: AccountId, fromServer: boolean): Promise<void> {
    await api.accounts.remove(id, fromServer)
    this.list = this.list.filter((a) => a.id !== id)
  }

  trustCertificate(id: AccountId, fingerprint: string): Promise<void> {
    return api.accounts.trustCertificate(id, fingerprint)
  }

  changePassword(id: AccountId, password: string): Promise<void> {
    return api.accounts.changePassword(id, password)
  }

  /** The password after a failed sign-in (or when none is stored); main reconnects with it. */
  setPassword(id: AccountId, password: string, remember: boolean): Promise<void> {
    return api.accounts.setPassword(id, password, remember)
  }
}

const KEY = Symbol('accounts')
export const ACCOUNTS_KEY = KEY
export const setAccountsContext = (s: AccountsState): AccountsState => setContext(KEY, s)
export function getAccountsContext(): AccountsState {
  const s = getContext<AccountsState | undefined>(KEY)
  if (!s) throw new Error('AccountsState not found: render inside the App')
  return s
}
