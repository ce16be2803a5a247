import { createHash, randomUUID } from 'node:crypto'
import { bare, jidToString, parseJid, type Jid } from '../../../../shared/jid'
import { asMessageId, type MessageId } from '../../../../shared/model/ids'
import type { ChatMessage, DeliveryState } from '../../../../shared/model/message'
import { sendFromOutbox, type AccountModule, type ModuleContext } from '../../account/module'
import { CoreError } from '../../errors'
import type { MessageEdit } from '../../events'
import { stanzaError } from '../../stream/IqCaller'
import { BoundedMap } from '../../util/BoundedMap'
import type { Element } from '../../xml'
import { NS_MUC_USER } from '../../xep/0045-muc/parse'
import { NS_CHAT_STATES, parseChatState, type ChatStateName } from '../../xep/0085-chat-states'
import { NS_RECEIPTS, receiptFor, wantsReceipt } from '../../xep/0184-receipts'
import { delayedAt } from '../../xep/0203-delay'
import { NS_CORRECTION, replacedId } from '../../xep/0308-correction'
import { displayedMarker, isMarkable, NS_MARKERS } from '../../xep/0333-chat-markers'
import { parseOriginId, parseStanzaId } from '../../xep/0359-unique-ids'
import { NS_RETRACT, retractedId, retraction } from '../../xep/0424-retraction'
import { stripFallback } from '../../xep/0428-fallback'
import { NS_REACTIONS, parseReactions, reactionsMessage } from '../../xep/0444-reactions'
import { NS_REPLY, parseReply } from '../../xep/0461-replies'
import { sharesFile } from '../../xep/0066-oob'
import { chatMessage, chatStateMessage, type ChatOptions } from './build'
import { acknowledgements, bodyOf, isAction, messageType } from './parse'

const RECENT = 10_000

/** What the history service hands over for sending (it keeps the outbox). */
export interface OutgoingChat extends ChatOptions {
  id: MessageId
  /** Full or bare JID. */
  to: string
  body: string
}

/** How a message reached us, and what the archive knows about it. */
export interface Arrival {
  source: 'live' | 'carbon' | 'archive'
  /** Archive time (MAM) in epoch ms. */
  at?: number
  archiveId?: string
  archive?: string
}

/**
 * One-to-one chat (RFC 6121 §5) as a protocol module: sends what the history service gives it with
 * a stable id (XEP-0359 origin-id), and turns every message that arrives — live, as a carbon of our
 * other devices (XEP-0280), or from the archive (XEP-0313) — into typed events: messages, their
 * delivery (receipts XEP-0184, markers XEP-0333, bounces, stream-management acks), chat states
 * (XEP-0085), and edits (corrections XEP-0308, retractions XEP-0424, reactions XEP-0444, with
 * replies XEP-0461 and `/me` XEP-0245 on the message itself).
 */
export class ChatModule implements AccountModule {
  readonly features = [NS_RECEIPTS, NS_CHAT_STATES, NS_MARKERS, NS_CORRECTION, NS_RETRACT, NS_REACTIONS, NS_REPLY]
  /** Received live recently (see `liveKey`): a cheap first filter; the store's unique keys are the real one. */
  private readonly seen = new BoundedMap<string, true>(RECENT)
  /** XEP-0359 §7: a live stanza-id is believed only when our account announces urn:xmpp:sid:0. */
  private trustStanzaIds = false

  constructor(
    private readonly ctx: ModuleContext,
    /** XEP-0184 §8 / XEP-0333 §7: receipts and markers only to contacts who may see our presence. */
    private readonly mayAcknowledge: (bareJid: string) => boolean,
    private readonly accountAnnouncesStanzaIds: () => Promise<boolean> = async () => false
  ) {
    ctx.client.use(({ stanza }, next) => {
      if (stanza.name !== 'message') return next()
      return this.process(stanza, { source: 'live' }) ? undefined : next()
    })
    ctx.client.sm.on('ack', (stanza) => stanza && this.onStreamAck(stanza, 'acked'))
    ctx.client.sm.on('fail', (stanza) => stanza && this.onStreamAck(stanza, 'queued'))
  }

  async online(resumed: boolean): Promise<void> {
    if (!resumed) this.trustStanzaIds = await this.accountAnnouncesStanzaIds()
  }

  sessionLost(): void {
    this.trustStanzaIds = false
  }

  /**
   * Hands a message to the stream. Resolves true once it is written (or queued by stream
   * management, which then resends or fails it), false when offline: the caller keeps it queued.
   */
  async transmit(out: OutgoingChat): Promise<boolean> {
    const to = parseJid(out.to)
    if (!to) throw new CoreError('invalid-argument', `Not a valid address: ${out.to}`)
    if (!this.ctx.isOnline()) return false
    const stanza = chatMessage(jidToString(to), out.id, out.body, out)
    if (!(await sendFromOutbox(this.ctx, stanza, out.id))) return false
    this.state(jidToString(bare(to)), out.id, 'sent')
    return true
  }

  /** XEP-0424: asks the peer's clients to hide our message `targetId`. */
  async retract(peer: string, targetId: string, fallbackText: string): Promise<MessageId> {
    return this.sendEdit((id) => retraction(peer, id, targetId, fallbackText))
  }

  /** XEP-0444: our complete set of reactions to `targetId` (empty removes them). */
  async react(peer: string, targetId: string, emojis: readonly string[]): Promise<MessageId> {
    return this.sendEdit((id) => reactionsMessage(peer, id, targetId, emojis))
  }

  /** XEP-0333: the user has seen the conversation up to message `id`. False when it could not go out now (offline). */
  async displayed(peer: string, id: string): Promise<boolean> {
    if (!this.mayAcknowledge(peer)) return true // withheld on purpose: nothing is owed
    if (!this.ctx.isOnline()) return false
    return sendFromOutbox(this.ctx, displayedMarker(peer, id), `displayed-${id}`)
  }

  /** XEP-0085: tell the peer we are typing, paused, and so on. Dropped silently when offline. */
  async sendChatState(peer: string, state: ChatStateName): Promise<void> {
    if (!this.ctx.isOnline()) return
    await this.ctx.client.send(chatStateMessage(peer, state)).catch(() => undefined)
  }

  private async sendEdit(build: (id: string) => Element): Promise<MessageId> {
    if (!this.ctx.isOnline()) throw new CoreError('not-connected', 'The account is not connected')
    const id = asMessageId(randomUUID())
    await this.ctx.client.send(build(id))
    return id
  }

  /**
   * Handles one message, whatever way it came. Returns false when it is not a one-to-one message
   * (group chat, headline, or nothing we know), leaving it to other modules.
   */
  process(stanza: Element, arrival: Arrival): boolean {
    const type = messageType(stanza)
    if (type === 'groupchat' || type === 'headline') return false
    const from = parseJid(String(stanza.attrs.from ?? (arrival.source === 'live' ? this.ctx.domain() : '')))
    const to = parseJid(String(stanza.attrs.to ?? this.ctx.ownBareJid()))
    if (!from || !to) return true
    const own = this.ctx.ownBareJid()
    const outgoing = jidToString(bare(from)) === own && arrival.source !== 'live'
    const peerJid = outgoing ? to : from
    const peer = jidToString(bare(peerJid))
    if (type === 'error') {
      if (arrival.source === 'live') this.onBounce(stanza, peer)
      return true
    }
    const direction = outgoing ? 'out' : 'in'
    const id = typeof stanza.attrs.id === 'string' ? stanza.attrs.id : ''
    const at = arrival.at ?? delayedAt(stanza, (by) => by === this.ctx.domain()) ?? Date.now()
    this.onAcknowledgements(stanza, peer, direction)
    const chatState = parseChatState(stanza)
    if (chatState && direction === 'in' && arrival.source === 'live') this.ctx.emit('chatState', { account: this.ctx.account, peer, state: chatState })
    if (this.onEdit(stanza, { peer, sender: outgoing ? own : peer, direction, id, at })) return true
    const body = bodyOf(stanza)
    if (body === null) return true
    const message = this.toMessage(stanza, body, { peer, direction, id, at, full: jidToString(peerJid), arrival })
    if (!message) return true
    this.ctx.emit('message', { account: this.ctx.account, message })
    if (arrival.source === 'live' && wantsReceipt(stanza) && id !== '' && this.mayAcknowledge(peer)) {
      this.ctx.client.send(receiptFor(jidToString(from), id)).catch(() => undefined)
    }
    return true
  }

  private toMessage(
    stanza: Element,
    rawBody: string,
    m: { peer: string; direction: 'in' | 'out'; id: string; at: number; full: string; arrival: Arrival }
  ): ChatMessage | null {
    const origin = parseOriginId(stanza)
    const key = m.arrival.source === 'live' ? liveKey(m.direction, m.peer, origin, m.id, rawBody, m.at) : null
    if (key !== null) {
      if (this.seen.has(key)) return null
      this.seen.set(key, true)
    }
    const reply = parseReply(stanza)
    const body = reply ? (stripFallback(stanza, rawBody, NS_REPLY) ?? rawBody) : rawBody
    const own = this.ctx.ownBareJid()
    const stanzaId = m.arrival.archiveId ?? (this.trustStanzaIds ? parseStanzaId(stanza, own) : null)
    const stanzaIdBy = m.arrival.archive ?? own
    return {
      id: asMessageId(origin ?? (m.id || randomUUID())),
      peer: m.peer,
      resource: m.full,
      direction: m.direction,
      body,
      at: m.at,
      state: m.direction === 'in' ? 'received' : 'acked',
      source: m.arrival.source,
      ...(origin ? { originId: origin } : {}),
      ...(stanzaId ? { stanzaId, stanzaIdBy } : {}),
      ...(wantsReceipt(stanza) ? { receiptRequested: true } : {}),
      ...(isAction(body) ? { action: true } : {}),
      ...(reply ? { replyTo: { id: reply.id, jid: reply.to ? jidOrEmpty(reply.to) : m.peer } } : {}),
      ...(isMarkable(stanza) ? { markable: true } : {}),
      ...(sharesFile(stanza) ? { attachment: true } : {})
    }
  }

  /** Receipts and displayed markers: about our messages when they come in, about theirs from our other devices. */
  private onAcknowledgements(stanza: Element, peer: string, direction: 'in' | 'out'): void {
    const { states, readElsewhere } = acknowledgements(stanza, direction)
    for (const [id, state] of states) this.state(peer, id, state)
    if (readElsewhere !== null) this.ctx.emit('displayedElsewhere', { account: this.ctx.account, peer, id: readElsewhere })
  }

  private onEdit(stanza: Element, base: Omit<MessageEdit, 'targetId' | 'change'>): boolean {
    const reactions = parseReactions(stanza)
    if (reactions) {
      this.ctx.emit('messageEdit', { account: this.ctx.account, edit: { ...base, targetId: reactions.targetId, change: { kind: 'react', emojis: reactions.emojis } } })
      return true
    }
    const retracted = retractedId(stanza)
    if (retracted) {
      this.ctx.emit('messageEdit', { account: this.ctx.account, edit: { ...base, targetId: retracted, change: { kind: 'retract' } } })
      return true
    }
    const replaced = replacedId(stanza)
    const body = bodyOf(stanza)
    if (replaced && body !== null) {
      this.ctx.emit('messageEdit', { account: this.ctx.account, edit: { ...base, targetId: replaced, change: { kind: 'correct', body } } })
      return true
    }
    return false
  }

  private onStreamAck(stanza: Element, state: DeliveryState): void {
    if (stanza.name !== 'message' || stanza.getChild('body') === undefined) return
    const id = String(stanza.attrs.id ?? '')
    const to = parseJid(String(stanza.attrs.to ?? ''))
    if (id === '' || !to) return
    this.state(sentTo(stanza, to), id, state)
  }

  private onBounce(stanza: Element, peer: string): void {
    const id = String(stanza.attrs.id ?? '')
    if (id === '') return
    this.state(peer, id, 'failed', stanzaError(stanza))
  }

  private state(peer: string, id: string, state: DeliveryState, error?: CoreError): void {
    this.ctx.emit('messageState', { account: this.ctx.account, peer, id: asMessageId(id), state, ...(error ? { error: error.toView() } : {}) })
  }
}

/**
 * What identifies a live copy of a message for the first filter. An origin-id (XEP-0359) is unique
 * by design. A bare stanza id is unique only by convention (some clients count from 1 or send a
 * constant), so it counts together with the body: the same id with the same body is a resend
 * (stream management after a reconnect), the same id with another body is another message.
 * Mirrors the store's rules 2 and 3. Null when the message has neither.
 */
function liveKey(direction: 'in' | 'out', peer: string, origin: string | null, id: string, body: string, at: number): string | null {
  if (origin !== null && origin !== '') return `${direction}|${peer}|origin|${origin}`
  if (id === '') return null
  // Per day, as the store compares (±1 day): a bot whose counter ids restart may say the same again tomorrow.
  return `${direction}|${peer}|id|${id}|${Math.floor(at / 86_400_000)}|${createHash('sha256').update(body).digest('base64url')}`
}

/**
 * The conversation a message we sent belongs to, as the history keys it: a private message through
 * a room (XEP-0045 §7.5, marked with muc#user) is the occupant's own chat `room/nick`; anything
 * else the bare JID.
 */
function sentTo(stanza: Element, to: Jid): string {
  const occupant = to.resource !== '' && messageType(stanza) !== 'groupchat' && stanza.getChild('x', NS_MUC_USER) !== undefined
  return jidToString(occupant ? to : bare(to))
}

function jidOrEmpty(s: string): string {
  const j = parseJid(s)
  return j ? jidToString(j) : ''
}
