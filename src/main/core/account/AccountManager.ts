import { randomUUID } from 'node:crypto'
import { bare, jidToString, parseJid } from '../../../shared/jid'
import type { AccountConfig, ServerOverride } from '../../../shared/model/account'
import type { ConnectionState } from '../../../shared/model/connection'
import { asAccountId, type AccountId } from '../../../shared/model/ids'
import type { OwnPresence } from '../../../shared/model/presence'
import type { RegistrationFormView } from '../../../shared/model/errors'
import { CoreError } from '../errors'
import type { Emit } from '../events'
import type { Logger } from '../log'
import type { SrvResolver } from '../net/endpoints'
import type { SecretPort, SettingsPort } from '../ports'
import type { AvatarCache } from '../xep/0084-avatars/cache'
import { Account, type RegistrationFormHandler } from './Account'

export interface AccountManagerDeps {
  settings: SettingsPort
  secrets: SecretPort
  emit: Emit
  log: Logger
  version: string
  extraCa?: readonly string[] | undefined
  resolveSrv?: SrvResolver | undefined
  lang?: string
  avatarCache: AvatarCache
  allowInsecureUploadForLoopback?: boolean
}

const REGISTRATION_FORM_WAIT_MS = 5 * 60_000

function bareOf(jid: string): string | null {
  const parsed = parseJid(jid)
  return parsed ? jidToString(bare(parsed)) : null
}

export interface SignInRequest {
  jid: string
  password: string
  server?: ServerOverride | undefined
  resource?: string | undefined
  /** The fingerprint the user accepted in the certificate dialog, when the first try refused it. */
  pinnedCertificate?: string | undefined
  /** Keep the password in the secret store (default true). */
  remember?: boolean
}

export interface AccountSummary {
  config: AccountConfig
  state: ConnectionState
}

/**
 * All accounts of a profile. Each runs on its own (its stream, its retries); this only keeps the
 * list, persists settings and passwords through the ports, and fans out "all accounts" actions.
 */
export class AccountManager {
  private readonly accounts = new Map<AccountId, Account>()

  constructor(private readonly deps: AccountManagerDeps) {}

  /** Loads the saved accounts and connects the enabled ones. */
  async start(): Promise<void> {
    for (const config of await this.deps.settings.loadAccounts()) {
      try {
        const account = this.create(config)
        if (config.enabled) account.start()
      } catch (err) {
        this.deps.log.error('skipping an unusable saved account', { jid: config.jid, err: String(err) })
      }
    }
  }

  /** The accounts the user has (not those still being tried in a sign-in or registration). */
  list(): AccountSummary[] {
    return [...this.accounts.values()].filter((a) => !this.trying.has(a.id)).map((a) => ({ config: a.settings, state: a.connectionState() }))
  }

  private readonly trying = new Set<AccountId>()

  get(id: AccountId): Account {
    const account = this.accounts.get(id)
    if (!account) throw new CoreError('invalid-argument', `No such account: ${id}`)
    return account
  }

  /**
   * Signs in to an existing account: one attempt, so the user sees the outcome; on success the
   * account is saved (and its password, unless `remember` is false) and stays online.
   */
  async signIn(request: SignInRequest): Promise<AccountId> {
    const account = this.prepare(request)
    try {
      await account.connectOnce(request.password)
    } catch (err) {
      await this.discard(account)
      throw err
    }
    return this.keep(account, request)
  }

  /**
   * Creates the account on the server (XEP-0077), then signs in to it. When the server asks for
   * more than a username and a password (e-mail, a CAPTCHA), this rejects with
   * `registration-form-required` and the form, and keeps the connection waiting: calling it again
   * for the same address with `extra` answers that very form (a CAPTCHA is only valid there).
   */
  async register(request: SignInRequest, extra?: Record<string, string>, onForm?: RegistrationFormHandler): Promise<AccountId> {
    const jid = bareOf(request.jid)
    const waiting = jid ? this.pendingRegistrations.get(jid) : undefined
    if (waiting) {
      this.pendingRegistrations.delete(waiting.jid)
      clearTimeout(waiting.timer)
      if (extra) {
        waiting.answer.resolve(extra)
        try {
          await waiting.done
        } catch (err) {
          await this.discard(waiting.account)
          throw err
        }
        return this.keep(waiting.account, request)
      }
      waiting.answer.reject(new CoreError('registration-form-required', 'Registration started again'))
      await waiting.done.catch(() => undefined)
      await this.discard(waiting.account)
    }
    const account = this.prepare(request)
    const local = parseJid(request.jid)?.local ?? ''
    const formShown = Promise.withResolvers<RegistrationFormView>()
    const answer = Promise.withResolvers<Record<string, string>>()
    const ask: RegistrationFormHandler =
      onForm ??
      ((form) => {
        formShown.resolve(form)
        return answer.promise
      })
    const done = account.register({ username: local, password: request.password, ...(extra ? { extra } : {}) }, ask)
    done.catch(() => undefined)
    let form: RegistrationFormView | null
    try {
      form = await Promise.race([done.then(() => null), formShown.promise])
    } catch (err) {
      await this.discard(account)
      throw err
    }
    if (form === null) return this.keep(account, request)
    // The user answers (or gives up) within five minutes; the connection waits that long.
    const timer = setTimeout(() => {
      if (this.pendingRegistrations.get(account.bareJid)?.account !== account) return
      this.pendingRegistrations.delete(account.bareJid)
      answer.reject(new CoreError('timeout', 'The registration form was not answered in time'))
      void done.catch(() => undefined).then(() => this.discard(account))
    }, REGISTRATION_FORM_WAIT_MS)
    this.pendingRegistrations.set(account.bareJid, { jid: account.bareJid, account, answer, done, timer })
    throw new CoreError('registration-form-required', `The server also asks for: ${form.fields.filter((f) => f.required).map((f) => f.label || f.name).join(', ')}`, { form })
  }

  /** Registrations waiting for the user's answer to the server's form, by bare JID. */
  private readonly pendingRegistrations = new Map<
    string,
    { jid: string; account: Account; answer: PromiseWithResolvers<Record<string, string>>; done: Promise<void>; timer: NodeJS.Timeout }
  >()

  async setEnabled(id: AccountId, enabled: boolean): Promise<void> {
    const account = this.get(id)
    await this.save(id, { ...account.settings, enabled })
    if (enabled) account.start()
    else await account.stop(true)
  }

  async update(id: AccountId, patch: Partial<Pick<AccountConfig, 'server' | 'resource' | 'pinnedCertificate' | 'color'>>): Promise<void> {
    const account = this.get(id)
    const next: AccountConfig = { ...account.settings, ...patch }
    for (const key of ['server', 'resource', 'pinnedCertificate', 'color'] as const) if (next[key] === undefined) delete next[key]
    account.update(next)
    await this.save(id, next)
  }

  /** The user trusted this certificate after a tls-untrusted or tls-pin-mismatch error: pin it and retry. */
  async trustCertificate(id: AccountId, fingerprint: string): Promise<void> {
    await this.update(id, { pinnedCertificate: fingerprint })
    const account = this.get(id)
    if (account.settings.enabled) account.start()
  }

  /**
   * The user typed the password (after "wrong password", or because none is stored): keep it for
   * this run, store it when `remember`, and connect again.
   */
  async setPassword(id: AccountId, password: string, remember = true): Promise<void> {
    const account = this.get(id)
    this.sessionPasswords.set(id, password)
    if (remember) await this.deps.secrets.setPassword(id, password)
    else await this.deps.secrets.deletePassword(id)
    if (account.settings.enabled) account.start()
  }

  /** Passwords given for this run only ("do not remember"), never written anywhere. */
  private readonly sessionPasswords = new Map<AccountId, string>()

  async changePassword(id: AccountId, password: string): Promise<void> {
    await this.get(id).changePassword(password)
    if (this.sessionPasswords.has(id)) this.sessionPasswords.set(id, password)
    else await this.deps.secrets.setPassword(id, password)
  }

  /** Removes the account from Parley (and, with `fromServer`, deletes it on the server first). */
  async remove(id: AccountId, fromServer = false): Promise<void> {
    const account = this.get(id)
    if (fromServer) await account.deleteFromServer()
    else await account.stop(true)
    this.accounts.delete(id)
    this.sessionPasswords.delete(id)
    await this.deps.secrets.deletePassword(id)
    await this.persist()
  }

  /**
   * Sets the same status on every enabled account ("set status for all"). Each account keeps its own
   * status message and priority unless `p` gives new ones. Every account is tried; when some fail,
   * this throws one error that names them (the first failure's code, each account's reason).
   */
  async setPresenceAll(p: Pick<OwnPresence, 'show'> & Partial<OwnPresence>): Promise<void> {
    const enabled = [...this.accounts.values()].filter((a) => a.settings.enabled)
    const results = await Promise.allSettled(
      enabled.map((a) =>
        a.setPresence({
          ...a.presence.ownPresence(),
          show: p.show,
          ...(p.status !== undefined ? { status: p.status } : {}),
          ...(p.priority !== undefined ? { priority: p.priority } : {})
        })
      )
    )
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [{ jid: (enabled[i] as Account).bareJid, err: r.reason as unknown }] : []))
    if (failed.length === 0) return
    const first = failed[0]?.err
    const detail = failed.map(({ jid, err }) => `${jid}: ${err instanceof CoreError ? err.detail : String(err)}`).join('; ')
    throw new CoreError(first instanceof CoreError ? first.code : 'internal', detail, { cause: first })
  }

  /** Signs every account out cleanly (quit). */
  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.accounts.values()].map((a) => a.stop()))
  }

  private prepare(request: SignInRequest): Account {
    const parsed = parseJid(request.jid)
    if (!parsed || !parsed.local || parsed.resource) throw new CoreError('invalid-argument', `Not an account address: ${request.jid}`)
    const jid = jidToString(bare(parsed))
    if ([...this.accounts.values()].some((a) => a.bareJid === jid)) throw new CoreError('invalid-argument', `${jid} is already added`)
    const config: AccountConfig = {
      id: asAccountId(randomUUID()),
      jid,
      enabled: true,
      ...(request.server ? { server: request.server } : {}),
      ...(request.resource ? { resource: request.resource } : {}),
      ...(request.pinnedCertificate ? { pinnedCertificate: request.pinnedCertificate } : {})
    }
    const account = this.create(config)
    this.trying.add(account.id)
    return account
  }

  private async keep(account: Account, request: SignInRequest): Promise<AccountId> {
    this.trying.delete(account.id)
    if (request.remember !== false) await this.deps.secrets.setPassword(account.id, request.password)
    else this.sessionPasswords.set(account.id, request.password)
    await this.persist()
    account.start()
    return account.id
  }

  private async discard(account: Account): Promise<void> {
    await account.stop(true)
    this.accounts.delete(account.id)
    this.trying.delete(account.id)
  }

  private create(config: AccountConfig): Account {
    const account = new Account(config, {
      emit: this.deps.emit,
      log: this.deps.log,
      password: async () => this.sessionPasswords.get(config.id) ?? (await this.deps.secrets.getPassword(config.id)),
      extraCa: this.deps.extraCa,
      version: this.deps.version,
      resolveSrv: this.deps.resolveSrv,
      avatarCache: this.deps.avatarCache,
      ...(this.deps.allowInsecureUploadForLoopback ? { allowInsecureUploadForLoopback: true } : {}),
      ...(this.deps.lang ? { lang: this.deps.lang } : {})
    })
    this.accounts.set(config.id, account)
    return account
  }

  private async save(id: AccountId, config: AccountConfig): Promise<void> {
    this.get(id).update(config)
    await this.persist()
  }

  private async persist(): Promise<void> {
    await this.deps.settings.saveAccounts([...this.accounts.values()].filter((a) => !this.trying.has(a.id)).map((a) => a.settings))
    this.deps.emit('accountsChanged', {})
  }
}
