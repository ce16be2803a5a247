import type { AccountPatch, AccountView } from '../../../shared/ipc/contract'
import { parseJid } from '../../../shared/jid'
import type { ServerOverride, TlsMode } from '../../../shared/model/account'
import { toApiError, type ApiError } from '../lib/api'
import type { MessageKey } from '../lib/i18n.svelte'
import { DEFAULT_PORT, isBadPort } from '../lib/server'
import type { AccountsState } from './accounts.svelte'


export type SettingsErrors = Partial<Record<'host' | 'port' | 'resource', MessageKey>>

/**
 * The "Connection settings" form of one account: find the server by DNS, or a host, port and TLS
 * mode of the user's choosing, and the resource (empty: a generated one); what `accounts.update`
 * accepts. Validation shows after a submit.
 */
export class AccountSettingsForm {
  /** Use the host and port below instead of finding the server. */
  manual = $state(false)
  host = $state('')
  port = $state('')
  tls = $state<TlsMode>('starttls')
  /** The resource to bind; '' for a generated one. */
  resource = $state('')
  submitted = $state(false)
  busy = $state(false)
  error = $state.raw<ApiError | null>(null)

  constructor(
    private readonly accounts: AccountsState,
    readonly account: AccountView
  ) {
    const server = account.server
    this.manual = server !== null
    this.host = server?.host ?? ''
    this.port = server ? String(server.port) : ''
    this.tls = server?.tls ?? 'starttls'
    this.resource = account.resource ?? ''
  }

  errors = $derived.by((): SettingsErrors => {
    const errors: SettingsErrors = {}
    const resource = this.resource.trim()
    if (resource !== '' && !parseJid(`localhost/${resource}`)) errors.resource = 'validation.resource'
    if (!this.manual) return errors
    const host = this.host.trim()
    const parsed = host.length <= 253 ? parseJid(host) : null
    if (!parsed || parsed.local !== '' || parsed.resource !== '') errors.host = 'validation.host'
    const port = this.port.trim()
    if (isBadPort(port)) errors.port = 'validation.port'
    return errors
  })

  /** The server override the form describes (null: find it by DNS). */
  server(): ServerOverride | null {
    if (!this.manual) return null
    const port = this.port.trim()
    return { host: this.host.trim(), port: port === '' ? DEFAULT_PORT[this.tls] : Number(port), tls: this.tls }
  }

  /** Saves; true when saved. Field problems and the core's refusal stay on the form. */
  async save(): Promise<boolean> {
    this.submitted = true
    if (Object.keys(this.errors).length > 0 || this.busy) return false
    this.busy = true
    this.error = null
    try {
      const resource = this.resource.trim() || null
      // The resource only when it changed: the patch says what the user edited.
      const patch: AccountPatch = { server: this.server(), ...(resource !== this.account.resource ? { resource } : {}) }
      await this.accounts.update(this.account.id, patch)
      return true
    } catch (err) {
      this.error = toApiError(err)
      return false
    } finally {
      this.busy = false
    }
  }
}
