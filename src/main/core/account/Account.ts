import { bare, jidToString, parseJid, type Jid } from '../../../shared/jid'
import type { AccountConfig } from '../../../shared/model/account'
import type { ConnectionState } from '../../../shared/model/connection'
import type { ErrorCode, RegistrationFormView } from '../../../shared/model/errors'
import type { OwnPresence } from '../../../shared/model/presence'
import { CoreError, toCoreError } from '../errors'
import type { Emit } from '../events'
import { ChatModule } from '../im/message'
import { PresenceModule } from '../im/presence'
import { RosterModule } from '../im/roster'
import { prefixed, type Logger } from '../log'
import { describeEndpoint, resolveEndpoints, type Endpoint, type SrvResolver } from '../net/endpoints'
import type { ScramKeys } from '../sasl/scram'
import { randomResource } from '../stream/bind'
import { DiscoModule } from '../xep/0030-disco'
import { VersionModule } from '../xep/0092-version'
import { BlockingModule } from '../xep/0191-blocking'
import { CarbonsModule } from '../xep/0280-carbons'
import { MamModule } from '../xep/0313-mam'
import { MucModule } from '../xep/0045-muc'
import { VCardModule } from '../xep/0054-vcard'
import { AvatarModule } from '../xep/0084-avatars'
import type { AvatarCache } from '../xep/0084-avatars/cache'
import { HttpUploadModule } from '../xep/0363-http-upload'
import { BookmarksModule } from '../xep/0402-bookmarks'
import { NS_SID } from '../xep/0359-unique-ids'
import { PingModule } from '../xep/0199-ping'
import {
  cancelRegistration,
  changePassword,
  fetchRegistrationForm,
  missingFields,
  submitRegistration,
  type RegistrationRequest
} from '../xep/0077-register'
import { Backoff } from './backoff'
import type { AccountModule, ModuleContext } from './module'
import { XmppClient } from './XmppClient'

export interface AccountDeps {
  emit: Emit
  log: Logger
  /** The stored password, or null when none is stored (then the user must be asked). */
  password: () => Promise<string | null>
  extraCa?: readonly string[] | undefined
  version: string
  resolveSrv?: SrvResolver | undefined
  random?: () => number
  lang?: string
  /** Content-addressed avatar files, shared by all accounts. */
  avatarCache: AvatarCache
  /** Tests only: HTTP upload slots on plain http to a loopback host (a test server). */
  allowInsecureUploadForLoopback?: boolean
}

/** Answers for extra registration fields (CAPTCHA, e-mail), asked while the stream waits. */
export type RegistrationFormHandler = (form: RegistrationFormView) => Promise<Record<string, string>>

const LOGIN_TIMEOUT_MS = 45_000
const STABLE_AFTER_MS = 60_000
const NETWORK_CODES = new Set<ErrorCode>(['dns-failed', 'unreachable', 'timeout', 'connection-lost'])
const AUTH_CODES = new Set<ErrorCode>(['not-authorized', 'account-not-found', 'account-disabled', 'credentials-expired'])
/** Failures that a retry cannot fix: they need the user (password, certificate decision, server change). */
const FATAL_CODES = new Set<ErrorCode>([
  ...AUTH_CODES,
  'tls-untrusted',
  'tls-pin-mismatch',
  'tls-required',
  'no-mechanism',
  'server-not-authentic',
  'resource-conflict',
  'registration-conflict',
  'registration-closed',
  'registration-invalid',
  'registration-throttled',
  'registration-form-required',
  'invalid-argument'
])

/**
 * One account: its XMPP stream, its protocol modules, and its connection life cycle — connect over
 * the endpoints DNS gives (or the override), retry with backoff and jitter, resume with stream
 * management, stop for good on failures that need the user. Accounts share nothing, so one failing
 * account cannot disturb another.
 */
export class Account {
  readonly client: XmppClient
  readonly disco: DiscoModule
  readonly roster: RosterModule
  readonly presence: PresenceModule
  readonly chat: ChatModule
  readonly blocking: BlockingModule
  readonly carbons: CarbonsModule
  readonly mam: MamModule
  readonly muc: MucModule
  readonly bookmarks: BookmarksModule
  readonly avatars: AvatarModule
  readonly vcards: VCardModule
  readonly upload: HttpUploadModule
  readonly ping: PingModule
  private readonly modules: AccountModule[]
  private readonly log: Logger
  private readonly backoff: Backoff
  private readonly jid: Jid
  private state: ConnectionState
  private wanted = false
  private connecting: Promise<void> | null = null
  private reconnectTimer: NodeJS.Timeout | null = null
  private stableTimer: NodeJS.Timeout | null = null
  private hadSession = false
  private password: string | null = null
  /** A registration form is on the user's screen: the login deadline waits. */
  private awaitingUser = false
  private scramKeys: ScramKeys | undefined
  private registration: { request: RegistrationRequest; onForm?: RegistrationFormHandler | undefined } | null = null

  constructor(
    private config: AccountConfig,
    private readonly deps: AccountDeps
  ) {
    const jid = parseJid(config.jid)
    if (!jid || !jid.local || jid.resource) throw new CoreError('invalid-argument', `Not an account address: ${config.jid}`)
    this.jid = jid
    this.log = prefixed(deps.log, `[${this.bareJid}]`)
    this.backoff = new Backoff(deps.random)
    this.state = config.enabled ? { state: 'offline' } : { state: 'disabled' }
    this.client = new XmppClient({
      domain: jid.domain,
      accountJid: this.bareJid,
      ...(deps.lang ? { lang: deps.lang } : {}),
      resource: () => this.config.resource || randomResource(),
      credentials: () => ({ username: this.jid.local, password: this.password ?? '' }),
      beforeAuth: () => this.registerIfAsked(),
      onSecuring: () => this.setState({ state: 'securing', endpoint: this.endpointLabel }),
      onMechanism: (mechanism) => this.setState({ state: 'authenticating', mechanism }),
      keyCache: { get: () => this.scramKeys, set: (keys) => (this.scramKeys = keys) }
    })
    const entity = this.client.entity
    // xmpp.js emits 'error' for socket and stream problems; without a listener Node would throw (G19).
    entity.on('error', (err: unknown) => this.log.debug('stream error event', { err: String(err) }))
    entity.on('handler-error', (err: unknown) => this.log.error('handler threw', { err: String(err) }))
    entity.on('disconnect', () => this.onDisconnect())
    this.client.sm.on('resumed', () => void this.onSessionUp(true))
    const ctx: ModuleContext = {
      account: config.id,
      client: this.client,
      emit: deps.emit,
      log: this.log,
      ownBareJid: () => this.bareJid,
      domain: () => this.jid.domain,
      isOnline: () => this.state.state === 'online' && this.client.entity.status === 'online'
    }
    // Middleware runs in construction order, and some modules consume what they handle: modules
    // that read presences and messages of all kinds come before those that swallow them (presence,
    // group chat, chat).
    this.disco = new DiscoModule(ctx, () => this.modules.flatMap((m) => m.features ?? []))
    this.avatars = new AvatarModule(ctx, this.disco, {
      cache: deps.avatarCache,
      announce: () => this.presence.broadcast(),
      // While joining too: the occupants' presence arrives before ours, and each is someone else.
      isRoom: (jid) => this.muc.isInRoom(jid)
    })
    this.vcards = new VCardModule(ctx, this.disco)
    this.upload = new HttpUploadModule(ctx, this.disco, { allowInsecureHttpForLoopback: deps.allowInsecureUploadForLoopback === true })
    this.roster = new RosterModule(ctx)
    this.mam = new MamModule(ctx)
    this.muc = new MucModule(ctx, this.disco, this.mam)
    this.bookmarks = new BookmarksModule(ctx, this.disco)
    this.presence = new PresenceModule(ctx, () => [this.disco.caps(), this.avatars.presenceElement()])
    this.blocking = new BlockingModule(ctx, this.disco)
    // Carbons are unwrapped (and checked) before the chat modules see messages.
    this.carbons = new CarbonsModule(ctx, this.disco, (inner, direction) => {
      if (!this.muc.processCarbon(inner, direction)) void this.chat.process(inner, { source: 'carbon' })
    })
    this.chat = new ChatModule(
      ctx,
      (peer) => {
        const sub = this.roster.get(peer)?.subscription
        return sub === 'from' || sub === 'both'
      },
      () => this.disco.accountSupports(NS_SID)
    )
    this.ping = new PingModule(ctx)
    this.modules = [
      this.disco,
      this.roster,
      this.presence,
      this.carbons,
      this.blocking,
      this.mam,
      this.muc,
      this.bookmarks,
      this.ping,
      new VersionModule(ctx, deps.version),
      this.chat,
      this.avatars,
      this.vcards,
      this.upload
    ]
  }

  get id() {
    return this.config.id
  }

  get bareJid(): string {
    return jidToString(bare(this.jid))
  }

  get settings(): AccountConfig {
    return structuredClone(this.config)
  }

  connectionState(): ConnectionState {
    return structuredClone(this.state)
  }

  /** Settings changed (server override, pin, resource): used from the next connection on. */
  update(config: AccountConfig): void {
    if (config.jid !== this.config.jid) throw new CoreError('invalid-argument', 'An account cannot change its address')
    this.config = structuredClone(config)
    this.scramKeys = undefined
  }

  /** Go online and stay online: retries with backoff until stop(). */
  start(): void {
    this.wanted = true
    if (this.connecting || this.isUp()) return
    this.clearReconnect()
    void this.attempt()
  }

  /** One attempt, no retries, errors thrown: for "Sign in" and "Create account", where the user waits. */
  async connectOnce(password?: string): Promise<void> {
    this.clearReconnect()
    if (password !== undefined) this.password = password
    this.connecting = this.connectNow(password !== undefined)
    try {
      await this.connecting
    } finally {
      this.connecting = null
    }
  }

  /** XEP-0077 in-band registration before logging in on the same stream (one attempt). */
  async register(request: RegistrationRequest, onForm?: RegistrationFormHandler): Promise<void> {
    this.registration = { request, onForm }
    try {
      await this.connectOnce(request.password)
    } finally {
      this.registration = null
    }
  }

  /** Sign out: cancel retries and close the stream cleanly. */
  async stop(disable = false): Promise<void> {
    this.wanted = false
    this.clearReconnect()
    const entity = this.client.entity
    if (entity.status !== 'offline') await entity.stop().catch(() => undefined)
    // Let an attempt that was under way report its failure first, so the final state is ours.
    await this.connecting?.catch(() => undefined)
    this.endSession()
    this.setState(disable ? { state: 'disabled' } : { state: 'offline' })
  }

  async setPresence(p: OwnPresence): Promise<void> {
    await this.presence.setOwn(p)
    if (p.show === 'offline') await this.stop()
    else if (!this.wanted) this.start()
  }

  /** XEP-0077 §3.3. The caller stores the new password once this resolves. */
  async changePassword(newPassword: string): Promise<void> {
    this.requireOnline()
    await changePassword(this.client.iqCaller, this.jid.domain, this.jid.local, newPassword)
    this.scramKeys = undefined
  }

  /** XEP-0077 §3.2: removes the account from the server, then signs out. */
  async deleteFromServer(): Promise<void> {
    this.requireOnline()
    await cancelRegistration(this.client.iqCaller, this.jid.domain)
    await this.stop(true)
  }

  private get endpointLabel(): string {
    return this.currentEndpoint ? describeEndpoint(this.currentEndpoint) : this.jid.domain
  }

  private currentEndpoint: Endpoint | null = null

  private isUp(): boolean {
    return this.state.state === 'online'
  }

  private requireOnline(): void {
    if (!this.isUp()) throw new CoreError('not-connected', 'The account is not connected')
  }

  private async attempt(): Promise<void> {
    this.connecting = this.connectNow(false)
    try {
      await this.connecting
    } catch (err) {
      this.onAttemptFailed(toCoreError(err))
    } finally {
      this.connecting = null
    }
  }

  private async connectNow(passwordGiven: boolean): Promise<void> {
    if (!passwordGiven) this.password = await this.deps.password()
    if (this.password === null || this.password === '') {
      const err = new CoreError('not-authorized', 'No password is stored for this account')
      this.setState({ state: 'auth-failed', error: err.toView() })
      throw err
    }
    try {
      const endpoints = await resolveEndpoints(this.jid.domain, this.config.server, this.deps.resolveSrv)
      if (endpoints.length === 0) throw new CoreError('dns-failed', `${this.jid.domain} says it offers no XMPP service (SRV target ".")`)
      let lastError: CoreError | null = null
      for (const endpoint of endpoints) {
        try {
          await this.session(endpoint)
          return
        } catch (err) {
          lastError = toCoreError(err)
          await this.dropSocket()
          // Only "could not reach it" moves on to the next endpoint; a certificate or password
          // problem would be the same there, and trying on would hide it.
          if (!NETWORK_CODES.has(lastError.code)) break
        }
      }
      throw lastError ?? new CoreError('unreachable', 'No endpoint to try')
    } catch (err) {
      const error = toCoreError(err)
      this.reportFailure(error)
      throw error
    } finally {
      this.password = null
    }
  }

  /** Runs one connection up to "online" (or "resumed"); rejects with what went wrong. */
  private session(endpoint: Endpoint): Promise<void> {
    const entity = this.client.entity
    this.currentEndpoint = endpoint
    this.setState({ state: 'connecting', endpoint: describeEndpoint(endpoint) })
    return new Promise<void>((resolve, reject) => {
      let settled = false
      const finish = (err: CoreError | null): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        entity.off('online', onOnline)
        this.client.sm.off('resumed', onResumed)
        entity.off('error', onError)
        entity.off('disconnect', onDisconnect)
        if (err) reject(err)
        else resolve()
      }
      const onOnline = (): void => {
        finish(null)
        void this.onSessionUp(false)
      }
      const onResumed = (): void => finish(null)
      const onError = (err: unknown): void => finish(toCoreError(err))
      const onDisconnect = (): void =>
        finish(entity.lastViolation ?? new CoreError('connection-lost', `The connection to ${describeEndpoint(endpoint)} closed during login`))
      // The login has a deadline, except while the user fills in a registration form (CAPTCHA).
      let timer: NodeJS.Timeout
      const arm = (): void => {
        timer = setTimeout(() => (this.awaitingUser ? arm() : finish(new CoreError('timeout', `Login did not complete within ${LOGIN_TIMEOUT_MS / 1000} s`))), LOGIN_TIMEOUT_MS)
      }
      arm()
      entity.on('online', onOnline)
      this.client.sm.on('resumed', onResumed)
      entity.on('error', onError)
      entity.on('disconnect', onDisconnect)
      entity
        .connect({ endpoint, domain: this.jid.domain, pinned: this.config.pinnedCertificate, extraCa: this.deps.extraCa })
        .then(() => {
          if (endpoint.tls === 'direct') this.setState({ state: 'securing', endpoint: describeEndpoint(endpoint) })
          return entity.open({ domain: this.jid.domain, lang: this.deps.lang ?? 'en' })
        })
        .catch((err: unknown) => finish(toCoreError(err)))
    })
  }

  private async onSessionUp(resumed: boolean): Promise<void> {
    const jid = this.client.entity.jid?.toString() ?? this.bareJid
    if (!resumed && this.hadSession) for (const m of this.modules) m.sessionLost?.()
    this.hadSession = true
    this.setState({ state: 'online', jid, resumed, since: Date.now() })
    this.log.info(resumed ? 'session resumed' : 'online', { jid })
    this.clearStable()
    this.stableTimer = setTimeout(() => this.backoff.reset(), STABLE_AFTER_MS)
    // The roster before initial presence (RFC 6121 §2.2), in that order; every other feature then
    // comes up on its own, so one slow or failing query (a server that never answers disco) delays
    // nothing else and cannot tear the session down.
    const ordered: AccountModule[] = [this.roster, this.presence]
    const up = async (m: AccountModule): Promise<void> => {
      try {
        await m.online?.(resumed)
      } catch (err) {
        this.log.warn('module failed to come online', { err: String(err) })
      }
    }
    for (const m of ordered) await up(m)
    const others = Promise.all(this.modules.filter((m) => !ordered.includes(m) && m !== this.carbons).map(up))
    // Carbons are on before the archive catch-up that `sessionReady` starts: what arrives from then
    // on reaches this session (as a carbon if need be), what came before is in the archive, and
    // de-duplication absorbs the overlap. Without carbons (unsupported, failed) the catch-up runs anyway.
    await up(this.carbons)
    if (this.state.state === 'online') this.deps.emit('sessionReady', { account: this.config.id, resumed })
    await others
  }

  private onDisconnect(): void {
    if (this.connecting) return // the attempt in progress reports it
    const reason = this.client.entity.lastViolation ?? new CoreError('connection-lost', 'The connection was lost')
    this.clearStable()
    if (!this.wanted || this.state.state === 'disabled' || this.state.state === 'offline') return
    this.log.info('disconnected', { reason: reason.message })
    // A failing attempt reports its state in connectNow(); a live session that ends for a reason retrying
    // cannot fix (e.g. <conflict/>) must say so too, or the account would still look online.
    if (FATAL_CODES.has(reason.code)) this.reportFailure(reason)
    this.onAttemptFailed(reason)
  }

  private onAttemptFailed(err: CoreError): void {
    if (FATAL_CODES.has(err.code)) {
      this.wanted = false
      this.endSession()
      return
    }
    if (!this.wanted) {
      this.setState({ state: 'disconnected', reason: err.toView() })
      return
    }
    // The server telling us off (rate limits) earns a longer wait; our own refusal of bad input does not.
    const penalty = err.code === 'stream-error' && err.condition === 'policy-violation' ? 3 : 0
    const delay = this.backoff.next(penalty)
    this.setState({ state: 'reconnecting', at: Date.now() + delay, attempt: this.backoff.attempt, reason: err.toView() })
    this.clearReconnect()
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null
      if (this.wanted) void this.attempt()
    }, delay)
  }

  private reportFailure(err: CoreError): void {
    if (err.code.startsWith('registration-')) this.setState({ state: 'registration-failed', error: err.toView() })
    else if (AUTH_CODES.has(err.code)) this.setState({ state: 'auth-failed', error: err.toView() })
    else if (FATAL_CODES.has(err.code)) this.setState({ state: 'error', error: err.toView() })
    else this.setState({ state: 'disconnected', reason: err.toView() })
  }

  /** Runs on the encrypted stream before SASL when a registration was asked for. */
  private async registerIfAsked(): Promise<void> {
    const registration = this.registration
    if (!registration) return
    const { iqCaller } = this.client
    const form = await fetchRegistrationForm(iqCaller, this.jid.domain)
    let extra = registration.request.extra ?? {}
    const missing = missingFields(form, registration.request)
    if (missing.length > 0) {
      if (!registration.onForm) {
        throw new CoreError('registration-form-required', `The server also asks for: ${missing.join(', ')}`, { form: form.view })
      }
      this.awaitingUser = true
      try {
        extra = { ...extra, ...(await registration.onForm(form.view)) }
      } finally {
        this.awaitingUser = false
      }
    }
    await submitRegistration(iqCaller, this.jid.domain, form, { ...registration.request, extra })
    this.registration = null
    this.setState({ state: 'registered', jid: this.bareJid })
    this.deps.emit('registered', { account: this.config.id, jid: this.bareJid })
  }

  /** Make sure the previous socket is gone before the next attempt reuses the stream object. */
  private async dropSocket(): Promise<void> {
    const entity = this.client.entity
    if (!entity.socket) return
    const gone = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2_000)
      entity.once('disconnect', () => {
        clearTimeout(timer)
        resolve()
      })
    })
    entity.socket.destroy()
    await gone
  }

  private endSession(): void {
    this.clearStable()
    if (this.hadSession) for (const m of this.modules) m.sessionLost?.()
    this.hadSession = false
  }

  private clearReconnect(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    this.reconnectTimer = null
  }

  private clearStable(): void {
    if (this.stableTimer) clearTimeout(this.stableTimer)
    this.stableTimer = null
  }

  private setState(state: ConnectionState): void {
    this.state = state
    this.deps.emit('connectionState', { account: this.config.id, state: structuredClone(state) })
  }
}
