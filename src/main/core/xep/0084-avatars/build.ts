import { xml, type Element } from '../../xml'
import { NS_AVATAR_DATA, NS_AVATAR_METADATA, type AvatarInfo } from './parse'

/** `<data xmlns='urn:xmpp:avatar:data'>base64</data>` (XEP-0084 §4.1). */
export function dataPayload(bytes: Uint8Array): Element {
  return xml('data', { xmlns: NS_AVATAR_DATA }, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'))
}

/** `<metadata><info id bytes type width height/></metadata>` (XEP-0084 §4.2). */
export function metadataPayload(info: AvatarInfo): Element {
  return xml(
    'metadata',
    { xmlns: NS_AVATAR_METADATA },
    xml('info', {
      id: info.id,
      bytes: String(info.bytes),
      type: info.type,
      ...(info.width ? { width: String(info.width) } : {}),
      ...(info.height ? { height: String(info.height) } : {})
    })
  )
}

/** An empty `<metadata/>`: "no avatar any more" (XEP-0084 §4.6). */
export function disabledMetadata(): Element {
  return xml('metadata', { xmlns: NS_AVATAR_METADATA })
}
