import xmlFactory, { Element } from '@xmpp/xml'

/** What ltx's createElement accepts at run time (its typings are narrower): falsy children are skipped. */
export type Child = Element | string | undefined | null | false | readonly Child[]
export type Attrs = Record<string, string | number | undefined | null>

/** `xml(name, attrs, ...children)`: xmpp.js's element builder, typed as it behaves. */
export const xml = xmlFactory as unknown as (name: string, attrs?: Attrs | null, ...children: Child[]) => Element

export { Element }
