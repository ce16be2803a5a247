import type { Profile } from '../../../shared/ipc/contract'
import type { AccountId } from '../../../shared/model/ids'
import { api, toApiError, type ApiError } from '../lib/api'

export const EMPTY_PROFILE: Profile = { fn: '', nickname: '', given: '', family: '', email: [], tel: [], url: [], impp: [], note: '', org: '', title: '', role: '', bday: '' }

/** One person's profile (vCard), loaded for a dialog. */
export class ProfileView {
  profile = $state.raw<Profile | null>(null)
  loading = $state(true)
  error = $state.raw<ApiError | null>(null)

  constructor(
    readonly account: AccountId,
    readonly jid: string
  ) {}

  async load(): Promise<void> {
    this.loading = true
    this.error = null
    try {
      this.profile = await api.profiles.get(this.account, this.jid)
    } catch (err) {
      this.error = toApiError(err)
    } finally {
      this.loading = false
    }
  }
}

/** Our own profile for "Edit my profile": name, nickname, e-mail and note. */
export class OwnProfileForm {
  fn = $state('')
  nickname = $state('')
  email = $state('')
  note = $state('')
  loading = $state(true)
  busy = $state(false)
  error = $state.raw<ApiError | null>(null)
  #loaded: Profile = EMPTY_PROFILE

  constructor(
    readonly account: AccountId,
    readonly jid: string
  ) {}

  async load(): Promise<void> {
    this.loading = true
    try {
      const p = await api.profiles.get(this.account, this.jid)
      this.#loaded = p
      this.fn = p.fn
      this.nickname = p.nickname
      this.email = p.email[0] ?? ''
      this.note = p.note
    } catch (err) {
      // No profile published yet is normal; other failures show, the form stays usable.
      const error = toApiError(err)
      if (error.condition !== 'item-not-found') this.error = error
    } finally {
      this.loading = false
    }
  }

  /** Saves; the other e-mail addresses the profile had stay after the first. */
  async save(): Promise<boolean> {
    this.busy = true
    this.error = null
    try {
      const email = this.email.trim()
      const others = this.#loaded.email.slice(1)
      await api.profiles.setOwn(this.account, { fn: this.fn.trim(), nickname: this.nickname.trim(), email: email ? [email, ...others] : others, note: this.note.trim() })
      return true
    } catch (err) {
      this.error = toApiError(err)
      return false
    } finally {
      this.busy = false
    }
  }
}
