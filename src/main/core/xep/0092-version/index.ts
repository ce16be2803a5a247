import { xml } from '../../xml'
import type { AccountModule, ModuleContext } from '../../account/module'

export const NS_VERSION = 'jabber:iq:version'

/** XEP-0092: name and version only; the operating system is left out on purpose (privacy). */
export class VersionModule implements AccountModule {
  readonly features = [NS_VERSION]

  constructor(ctx: ModuleContext, version: string) {
    ctx.client.onGet(NS_VERSION, 'query', () => xml('query', { xmlns: NS_VERSION }, xml('name', {}, 'Parley'), xml('version', {}, version)))
  }
}
