import { randomUUID } from 'node:crypto'
import { jidToString, parseJid } from '../../../../shared/jid'
import type { AccountModule, ModuleContext } from '../../account/module'
import { CoreError } from '../../errors'
import { xml, type Element } from '../../xml'
import { NS_DATA } from '../0004-data-forms'
import { NS_DELAY } from '../0203-delay'
import { NS_FORWARD } from '../0280-carbons'

export const NS_MAM = 'urn:xmpp:mam:2'
const NS_RSM = 'http://jabber.org/protocol/rsm'
const QUERY_TIMEOUT_MS = 60_000

export interface MamQuery {
  /** The archive: our own bare JID (personal archive) or a room's bare JID. */
  archive: string
  with?: string
  start?: number
  end?: number
  /** RSM: results after this archive id (forward catch-up). */
  after?: string
  /** RSM: results before this id; '' = the newest page. */
  before?: string
  max: number
}

export interface ArchivedMessage {
  /** The archive's id for it: a trusted XEP-0359 stanza-id, `by` = the archive. */
  archiveId: string
  archive: string
  /** When the archive stored it (server time), epoch ms. */
  at: number
  message: Element
}

export interface MamPage {
  complete: boolean
  first: string | null
  last: string | null
  count: number | null
  received: number
  /** The archive time of the newest result in this page (null: none came). */
  lastAt?: number | null
}

interface Pending {
  archive: string
  onResult: (result: ArchivedMessage) => void
  received: number
  lastAt: number | null
}

/**
 * Message archive queries (XEP-0313). A result counts only for a query we made (live `queryid`) and
 * only from the archive we asked (XEP-0313 §9; Dino CVE-2019-16237): a forged result is dropped.
 */
export class MamModule implements AccountModule {
  private readonly pending = new Map<string, Pending>()

  constructor(private readonly ctx: ModuleContext) {
    ctx.client.use(({ stanza }, next) => {
      if (stanza.name !== 'message') return next()
      const result = stanza.getChild('result', NS_MAM)
      if (!result) return next()
      this.onResult(stanza, result)
      return undefined
    })
  }

  sessionLost(): void {
    this.pending.clear()
  }

  /** Runs one page of a query; results reach `onResult` in archive order before this resolves. */
  async query(q: MamQuery, onResult: (result: ArchivedMessage) => void): Promise<MamPage> {
    const archive = normalise(q.archive)
    if (!archive) throw new CoreError('invalid-argument', `Not an archive address: ${q.archive}`)
    const queryid = randomUUID()
    const pending: Pending = { archive, onResult, received: 0, lastAt: null }
    this.pending.set(queryid, pending)
    const own = archive === this.ctx.ownBareJid()
    try {
      const iq = await this.ctx.client.iqCaller.request(
        xml('iq', { type: 'set', ...(own ? {} : { to: archive }) }, buildQuery(queryid, q)),
        QUERY_TIMEOUT_MS
      )
      const fin = iq.getChild('fin', NS_MAM)
      if (!fin) throw new CoreError('bad-input', 'The archive answered without <fin/>')
      const set = fin.getChild('set', NS_RSM)
      const count = Number(set?.getChildText('count') ?? Number.NaN)
      return {
        complete: fin.attrs.complete === 'true' || fin.attrs.complete === '1',
        first: set?.getChildText('first') ?? null,
        last: set?.getChildText('last') ?? null,
        count: Number.isFinite(count) ? count : null,
        received: pending.received,
        lastAt: pending.lastAt
      }
    } finally {
      this.pending.delete(queryid)
    }
  }

  private onResult(stanza: Element, result: Element): void {
    const queryid = String(result.attrs.queryid ?? '')
    const pending = this.pending.get(queryid)
    const from = stanza.attrs.from === undefined ? this.ctx.ownBareJid() : normalise(String(stanza.attrs.from))
    if (!pending || from !== pending.archive) {
      this.ctx.log.warn('dropped an archive result we did not ask for', { from: String(stanza.attrs.from ?? ''), queryid })
      return
    }
    const forwarded = result.getChild('forwarded', NS_FORWARD)
    const message = forwarded?.getChild('message')
    const id = result.attrs.id
    const stamp = forwarded?.getChild('delay', NS_DELAY)?.attrs.stamp
    const at = typeof stamp === 'string' ? Date.parse(stamp) : Number.NaN
    if (!message || typeof id !== 'string' || id === '' || !Number.isFinite(at)) return
    pending.received += 1
    pending.lastAt = Math.max(pending.lastAt ?? at, at)
    pending.onResult({ archiveId: id, archive: pending.archive, at, message })
  }
}

function buildQuery(queryid: string, q: MamQuery): Element {
  const field = (name: string, value: string) => xml('field', { var: name }, xml('value', {}, value))
  const fields = [
    xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, NS_MAM)),
    q.with ? field('with', q.with) : undefined,
    q.start !== undefined ? field('start', new Date(q.start).toISOString()) : undefined,
    q.end !== undefined ? field('end', new Date(q.end).toISOString()) : undefined
  ]
  const rsm = xml(
    'set',
    { xmlns: NS_RSM },
    xml('max', {}, String(q.max)),
    q.after !== undefined ? xml('after', {}, q.after) : undefined,
    q.before !== undefined ? xml('before', {}, q.before || undefined) : undefined
  )
  return xml('query', { xmlns: NS_MAM, queryid }, xml('x', { xmlns: NS_DATA, type: 'submit' }, ...fields), rsm)
}

function normalise(jid: string): string {
  const parsed = parseJid(jid)
  return parsed && parsed.resource === '' ? jidToString(parsed) : ''
}
