import type { AccountId } from '../../../shared/model/ids'
import type { Emit } from '../events'
import type { Logger } from '../log'
import type { Element } from '../xml'
import type { XmppClient } from './XmppClient'

/** What a protocol module gets from its account: the stream, a way to report, and who we are. */
export interface ModuleContext {
  readonly account: AccountId
  readonly client: XmppClient
  readonly emit: Emit
  readonly log: Logger
  /** The account's bare JID, normalised. */
  ownBareJid(): string
  /** The server's domain. */
  domain(): string
  isOnline(): boolean
}

/**
 * One protocol feature. A module registers its handlers in its constructor (so they are in place
 * before the first stanza) and may react to the session's life cycle.
 */
export interface AccountModule {
  /** Disco features this module makes us support (XEP-0030 / XEP-0115). */
  readonly features?: readonly string[]
  /** The session is up. `resumed` = stream management resumed the previous one (state is intact). */
  online?(resumed: boolean): Promise<void> | void
  /** A new session replaced the old one without resumption: forget per-session state. */
  sessionLost?(): void
}

/**
 * Writes a stanza of the outbox. True once written, or queued by stream management to be sent
 * with the resumed stream; false when it could not be handed over (the caller keeps it queued).
 */
export async function sendFromOutbox(ctx: Pick<ModuleContext, 'client' | 'log'>, stanza: Element, id: string): Promise<boolean> {
  try {
    await ctx.client.send(stanza)
  } catch (err) {
    if (!ctx.client.sm.isQueued(stanza)) {
      ctx.log.debug('send deferred', { id, err: String(err) })
      return false
    }
  }
  return true
}
