import { xml } from '../../xml'
import type { AccountModule, ModuleContext } from '../../account/module'

export const NS_PING = 'urn:xmpp:ping'

/** XEP-0199: answer pings, and ping the server to find a dead connection when stream management is off. */
export class PingModule implements AccountModule {
  readonly features = [NS_PING]

  constructor(private readonly ctx: ModuleContext) {
    ctx.client.onGet(NS_PING, 'ping', () => true)
  }

  /** Resolves with the round-trip time in ms; rejects on timeout or error. */
  async ping(to?: string, timeoutMs = 10_000): Promise<number> {
    const started = performance.now()
    await this.ctx.client.iqCaller.get(xml('ping', { xmlns: NS_PING }), to, timeoutMs)
    return performance.now() - started
  }
}
