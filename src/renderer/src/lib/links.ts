import { api } from './api'
import { safeHref } from './text'

/** Opens a link in the system's handler (main checks the scheme again); never navigates this window. */
export function openLink(event: MouseEvent, href: string): void {
  event.preventDefault()
  if (event.type === 'auxclick' && event.button !== 1) return
  if (safeHref(href) === null) return
  void api.app.openExternal(href).catch(() => undefined)
}

/** A data URL we show as an image: raster types only, base64. */
export function isSafeImageDataUrl(url: string): boolean {
  return /^data:image\/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}$/.test(url)
}
