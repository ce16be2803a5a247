import { randomUUID } from 'node:crypto'
import type { Element } from '../../xml'
import { bare, jidToString, parseJid } from '../../../../shared/jid'
import { asMessageId, type MessageId } from '../../../../shared/model/ids'
import type { ChatMessage, DeliveryState } from '../../../../shared/model/message'
import type { AccountModule, ModuleContext } from '../../account/module'
import { CoreError } from '../../errors'
import { stanzaError } from '../../stream/IqCaller'
import { BoundedMap } from '../../util/BoundedMap'
import { NS_CHAT_STATES, parseChatState, type ChatStateName } from '../../xep/0085-chat-states'
import { NS_RECEIPTS, receiptFor, receivedId, wantsReceipt } from '../../xep/0184-receipts'
import { delayedAt } from '../../xep/0203-delay'
import { parseOriginId } from '../../xep/0359-unique-ids'
import { chatMessage, chatStateMessage } from './build'
import { bodyOf, isAction, messageType } from './parse'

const RECENT = 10_000
const MAX_OUTBOX = 10_000

interface Outgoing {
  message: ChatMessage
  stanza: Element
}

/**
 * One-to-one chat (RFC 6121 §5): sending with a stable id (XEP-0359 origin-id), a queue while
 * offline, delivery receipts both ways (XEP-0184), chat states (XEP-0085), error bounces matched to
 * the message they belong to, and de-duplication of what arrives twice (a resend after a lost ack).
 *
 * The queue here lives in memory; the persistent outbox (history issue) takes it over.
 */
export class ChatModule implements AccountModule {
  readonly features = [NS_RECEIPTS, NS_CHAT_STATES]
  /** Not yet handed to a live stream (offline, or stream management said it failed). */
  private readonly queue = new Map<MessageId, Outgoing>()
  /** Sent by us recently: id → peer bare JID, to match receipts and bounces to the right message. */
  private readonly sent = new BoundedMap<string, string>(RECENT)
  /** Received recently: `peer|id` keys, to drop duplicates. */
  private readonly seen = new BoundedMap<string, true>(RECENT)

  constructor(
    private readonly ctx: ModuleContext,
    /** XEP-0184 §8: receipts only to contacts who may see our presence anyway. */
    private readonly mayReceipt: (bareJid: string) => boolean
  ) {
    ctx.client.use(({ stanza }, next) => {
      if (stanza.name !== 'message') return next()
      if (this.onMessage(stanza)) return undefined
      return next()
    })
    ctx.client.sm.on('ack', (stanza) => stanza && this.onAcked(stanza))
    ctx.client.sm.on('fail', (stanza) => stanza && this.onFailed(stanza))
  }

  async online(): Promise<void> {
    await this.flush()
  }

  /** Sends a chat message now, or queues it until the account is online. */
  send(peer: string, body: string, id: MessageId = asMessageId(randomUUID())): ChatMessage {
    const to = parseJid(peer)
    if (!to) throw new CoreError('invalid-argument', `Not a valid address: ${peer}`)
    if (body.trim() === '') throw new CoreError('invalid-argument', 'Empty message')
    if (this.queue.size >= MAX_OUTBOX) throw new CoreError('internal', 'Too many unsent messages')
    const peerBare = jidToString(bare(to))
    const message: ChatMessage = {
      id,
      peer: peerBare,
      resource: to.resource ? jidToString(to) : '',
      direction: 'out',
      body,
      at: Date.now(),
      state: 'queued',
      originId: id,
      ...(isAction(body) ? { action: true } : {})
    }
    const outgoing = { message, stanza: chatMessage(jidToString(to), id, body) }
    this.sent.set(id, peerBare)
    this.queue.set(id, outgoing)
    if (this.ctx.isOnline()) void this.transmit(outgoing)
    return { ...message }
  }

  /** XEP-0085: tell the peer we are typing, paused, and so on. Dropped silently when offline. */
  async sendChatState(peer: string, state: ChatStateName): Promise<void> {
    if (!this.ctx.isOnline()) return
    await this.ctx.client.send(chatStateMessage(peer, state)).catch(() => undefined)
  }

  queued(): ChatMessage[] {
    return [...this.queue.values()].map((o) => ({ ...o.message }))
  }

  private async flush(): Promise<void> {
    for (const outgoing of [...this.queue.values()]) {
      if (!this.ctx.isOnline()) return
      await this.transmit(outgoing)
    }
  }

  private async transmit(outgoing: Outgoing): Promise<void> {
    const { message } = outgoing
    try {
      await this.ctx.client.send(outgoing.stanza)
    } catch (err) {
      // Stream management took it before the connection broke: it resends or fails it, not us.
      if (!this.ctx.client.sm.isQueued(outgoing.stanza)) {
        // The stream went away under us: the message stays queued for the next session.
        this.ctx.log.debug('send deferred', { id: message.id, err: String(err) })
        return
      }
    }
    this.queue.delete(message.id)
    this.setState(message, 'sent')
  }

  private setState(message: ChatMessage, state: DeliveryState, error?: CoreError): void {
    message.state = state
    this.ctx.emit('messageState', {
      account: this.ctx.account,
      peer: message.peer,
      id: message.id,
      state,
      ...(error ? { error: error.toView() } : {})
    })
  }

  private onAcked(stanza: Element): void {
    const id = stanza.name === 'message' ? String(stanza.attrs.id ?? '') : ''
    const peer = this.sent.get(id)
    if (!peer) return
    this.ctx.emit('messageState', { account: this.ctx.account, peer, id: asMessageId(id), state: 'acked' })
  }

  /** Stream management could not confirm it: send again with the same id (the peer de-duplicates). */
  private onFailed(stanza: Element): void {
    const id = stanza.name === 'message' ? String(stanza.attrs.id ?? '') : ''
    const peer = this.sent.get(id)
    if (!peer || this.queue.has(asMessageId(id))) return
    const body = stanza.getChildText('body') ?? ''
    const message: ChatMessage = { id: asMessageId(id), peer, resource: '', direction: 'out', body, at: Date.now(), state: 'queued', originId: id }
    this.queue.set(message.id, { message, stanza })
    this.setState(message, 'queued')
  }

  /** Handles a message stanza; false leaves it to other modules (group chat, carbons, archive). */
  private onMessage(stanza: Element): boolean {
    const type = messageType(stanza)
    if (type === 'groupchat' || type === 'headline') return false
    const from = parseJid(String(stanza.attrs.from ?? ''))
    if (!from) return false
    const peer = jidToString(bare(from))
    if (type === 'error') return this.onBounce(stanza, peer)
    const acked = receivedId(stanza)
    if (acked !== null && this.sent.get(acked) === peer) {
      this.ctx.emit('messageState', { account: this.ctx.account, peer, id: asMessageId(acked), state: 'delivered' })
    }
    const body = bodyOf(stanza)
    const state = parseChatState(stanza)
    if (state && body === null) this.ctx.emit('chatState', { account: this.ctx.account, peer, state })
    if (body === null) return acked !== null || state !== null
    this.onChat(stanza, peer, jidToString(from), body)
    if (state) this.ctx.emit('chatState', { account: this.ctx.account, peer, state })
    return true
  }

  private onChat(stanza: Element, peer: string, fullFrom: string, body: string): void {
    const stanzaId = typeof stanza.attrs.id === 'string' ? stanza.attrs.id : ''
    const origin = parseOriginId(stanza)
    const id = origin ?? stanzaId
    if (id !== '') {
      const key = `${peer}|${id}`
      if (this.seen.has(key)) return
      this.seen.set(key, true)
    }
    // Only our own server's delay stamp (offline storage) is believed: anyone else could backdate.
    const domain = this.ctx.domain()
    const at = delayedAt(stanza, (by) => by === domain) ?? Date.now()
    const message: ChatMessage = {
      id: asMessageId(id || randomUUID()),
      peer,
      resource: fullFrom,
      direction: 'in',
      body,
      at,
      state: 'received',
      ...(origin ? { originId: origin } : {}),
      ...(wantsReceipt(stanza) ? { receiptRequested: true } : {}),
      ...(isAction(body) ? { action: true } : {})
    }
    this.ctx.emit('message', { account: this.ctx.account, message })
    if (message.receiptRequested && stanzaId !== '' && this.mayReceipt(peer)) {
      this.ctx.client.send(receiptFor(fullFrom, stanzaId)).catch(() => undefined)
    }
  }

  private onBounce(stanza: Element, peer: string): boolean {
    const id = String(stanza.attrs.id ?? '')
    if (this.sent.get(id) !== peer) return true
    const err = stanzaError(stanza)
    this.queue.delete(asMessageId(id))
    this.ctx.emit('messageState', { account: this.ctx.account, peer, id: asMessageId(id), state: 'failed', error: err.toView() })
    return true
  }
}
