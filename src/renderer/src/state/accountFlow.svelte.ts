/* eslint-disable svelte/prefer-svelte-reactivity -- local, short-lived sets, never state. */
import type { RegisterRequest, SignInRequest } from '../../../shared/ipc/contract'
import { parseJid } from '../../../shared/jid'
import type { ServerOverride, TlsMode } from '../../../shared/model/account'
import type { RegistrationField, RegistrationFormView } from '../../../shared/model/errors'
import type { AccountId } from '../../../shared/model/ids'
import { toApiError, type ApiError } from '../lib/api'
import { isCertificateError } from '../lib/errors'
import type { MessageKey } from '../lib/i18n.svelte'
import { DEFAULT_PORT, isBadPort } from '../lib/server'
import type { AccountsState } from './accounts.svelte'

export type FlowMode = 'signin' | 'register'

export type FieldErrors = Partial<Record<'address' | 'password' | 'password2' | 'server' | 'username' | 'host' | 'port', MessageKey>>


/** Field types the user answers (hidden ones are sent back as they came, fixed ones are text). */
const ANSWERED: ReadonlySet<RegistrationField['type']> = new Set(['text-single', 'text-private', 'text-multi', 'boolean', 'list-single'])

/**
 * The sign-in / create-account form and its outcome, shared by the welcome screen and the "Add
 * account" dialog: validation, the one attempt, a certificate to trust (then the same request again
 * with the pin), and the extra registration fields a server may ask for (then again with `extra`).
 */
export class AccountFlow {
  mode = $state<FlowMode>('signin')
  // Sign in
  address = $state('')
  password = $state('')
  remember = $state(true)
  // Create account
  server = $state('')
  username = $state('')
  newPassword = $state('')
  password2 = $state('')
  // Advanced: how to reach the server
  advanced = $state(false)
  host = $state('')
  port = $state('')
  tls = $state<TlsMode>('starttls')

  busy = $state(false)
  /** Validation shows after the first submit. */
  submitted = $state(false)
  error = $state.raw<ApiError | null>(null)
  /** A certificate the user may trust; `retry` is the request to send again with the pin. */
  certificate = $state.raw<{ error: ApiError; retry: SignInRequest | RegisterRequest; mode: FlowMode } | null>(null)
  /** Extra fields the server asked for during registration. */
  form = $state.raw<RegistrationFormView | null>(null)
  extra = $state<Record<string, string>>({})

  constructor(
    private readonly accounts: AccountsState,
    private readonly onDone: (id: AccountId) => void = () => undefined
  ) {}

  fieldErrors = $derived.by((): FieldErrors => {
    const errors: FieldErrors = {}
    if (this.mode === 'signin') {
      const jid = parseJid(this.address.trim())
      if (!jid || jid.local === '' || jid.resource !== '') errors.address = 'validation.address'
      if (this.password === '') errors.password = 'validation.passwordRequired'
    } else {
      const domain = parseJid(this.server.trim())
      if (!domain || domain.local !== '' || domain.resource !== '') errors.server = 'validation.server'
      else {
        const jid = parseJid(`${this.username.trim()}@${this.server.trim()}`)
        if (!jid || jid.local === '' || jid.resource !== '') errors.username = 'validation.username'
      }
      if (this.newPassword === '') errors.password = 'validation.passwordRequired'
      else if (this.newPassword !== this.password2) errors.password2 = 'validation.passwordsDiffer'
    }
    if (this.advanced) {
      if (this.host.trim() !== '' && !parseJid(this.host.trim())) errors.host = 'validation.host'
      const port = this.port.trim()
      if (isBadPort(port)) errors.port = 'validation.port'
    }
    return errors
  })

  valid = $derived(Object.keys(this.fieldErrors).length === 0)

  setMode(mode: FlowMode): void {
    if (this.busy) return
    this.mode = mode
    this.submitted = false
    this.error = null
    this.form = null
  }

  /** The `server` override from the Advanced section, or undefined to let DNS decide. */
  serverOverride(domain: string): ServerOverride | undefined {
    if (!this.advanced) return undefined
    const host = this.host.trim()
    const port = this.port.trim()
    if (host === '' && port === '' && this.tls === 'starttls') return undefined
    return { host: host || domain, port: port === '' ? DEFAULT_PORT[this.tls] : Number(port), tls: this.tls }
  }

  /** The request the current form describes. */
  request(): SignInRequest | RegisterRequest {
    if (this.mode === 'signin') {
      const jid = this.address.trim()
      const server = this.serverOverride(parseJid(jid)?.domain ?? '')
      return { jid, password: this.password, remember: this.remember, ...(server ? { server } : {}) }
    }
    const domain = this.server.trim()
    const server = this.serverOverride(domain)
    const extra = this.form ? this.extraAnswers(this.form) : undefined
    return {
      jid: `${this.username.trim()}@${domain}`,
      password: this.newPassword,
      remember: true,
      ...(server ? { server } : {}),
      ...(extra ? { extra } : {})
    }
  }

  /** Answers to the server's extra fields; hidden fields go back with their value (a CAPTCHA challenge id). */
  extraAnswers(form: RegistrationFormView): Record<string, string> {
    const out: Record<string, string> = {}
    for (const f of form.fields) {
      if (f.name === 'username' || f.name === 'password') continue
      if (f.type === 'hidden') out[f.name] = f.value
      else if (ANSWERED.has(f.type)) out[f.name] = this.extra[f.name] ?? f.value
    }
    return out
  }

  async submit(): Promise<void> {
    if (this.busy) return
    this.submitted = true
    if (!this.valid) return
    await this.run(this.mode, this.request())
  }

  /** The user trusted the certificate: the same request again, pinned to it. */
  async trustCertificate(): Promise<void> {
    const pending = this.certificate
    if (!pending?.error.cert) return
    this.certificate = null
    await this.run(pending.mode, { ...pending.retry, pinnedCertificate: pending.error.cert.fingerprint256 })
  }

  cancelCertificate(): void {
    this.certificate = null
  }

  private async run(mode: FlowMode, request: SignInRequest | RegisterRequest): Promise<void> {
    this.busy = true
    this.error = null
    try {
      const id = mode === 'signin' ? await this.accounts.signIn(request) : await this.accounts.register(request)
      this.form = null
      this.extra = {}
      this.onDone(id)
    } catch (err) {
      const error = toApiError(err)
      this.error = error
      if (isCertificateError(error)) this.certificate = { error, retry: request, mode }
      if (error.code === 'registration-form-required' && error.form) this.prepareForm(error.form)
    } finally {
      this.busy = false
    }
  }

  private prepareForm(form: RegistrationFormView): void {
    // Keep what the user typed, except answers to a CAPTCHA: a new form means a new picture.
    const captcha = new Set((form.media ?? []).map((m) => m.field))
    const extra: Record<string, string> = {}
    for (const f of form.fields) if (ANSWERED.has(f.type)) extra[f.name] = (captcha.has(f.name) ? undefined : this.extra[f.name]) ?? f.value
    this.form = form
    this.extra = extra
  }
}
